import DropflowFraudModel
import DropflowPipeline
import Foundation

/// What one fraud worker keeps in memory: the velocity windows over every accepted order (fed
/// by `fraud.signals`, which every worker follows in full, and by the orders it scores itself,
/// so its own order counts at once).
public final class FraudMemory: @unchecked Sendable {
    private let lock = NSLock()
    private var tracker: VelocityTracker
    private var recorded = 0

    public init(horizonSeconds: Int64) {
        tracker = VelocityTracker(horizonSeconds: horizonSeconds)
    }

    /// Counts one order (idempotent by order id); evicts what fell out of the horizon now and then.
    public func record(_ signal: OrderSignal) {
        lock.withLock {
            if tracker.record(signal) { recorded += 1 }
            if recorded % 10_000 == 0, tracker.newest != .min {
                tracker.evict(olderThan: tracker.newest - tracker.horizon)
            }
        }
    }

    /// The history of the order `signal` describes, as of its own time, counting it first.
    public func history(recording signal: OrderSignal) -> OrderHistory {
        record(signal)
        return lock.withLock { tracker.history(for: signal, at: signal.at) }
    }

    /// Orders counted so far.
    public var count: Int { lock.withLock { tracker.count } }
}
