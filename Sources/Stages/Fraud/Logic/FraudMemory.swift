import DropflowFraudModel
import Foundation

/// What one fraud worker keeps in memory: the velocity windows over every accepted order (fed
/// by `fraud.signals`, which every worker follows in full, and by the orders it scores itself,
/// so its own order counts at once), and the orders it put on hold recently (the `fraud.held`
/// table shows them a few milliseconds later).
final class FraudMemory: @unchecked Sendable {
    private let lock = NSLock()
    private var tracker: VelocityTracker
    private var recorded = 0
    private var heldHere: [String: [UInt8]] = [:]

    init(horizonSeconds: Int64) {
        tracker = VelocityTracker(horizonSeconds: horizonSeconds)
    }

    /// Counts one order (idempotent by order id); evicts what fell out of the horizon now and then.
    func record(_ signal: OrderSignal) {
        lock.withLock {
            if tracker.record(signal) { recorded += 1 }
            if recorded % 10_000 == 0, tracker.newest != .min {
                tracker.evict(olderThan: tracker.newest - tracker.horizon)
            }
        }
    }

    /// The history of the order `signal` describes, as of its own time, counting it first.
    func history(recording signal: OrderSignal) -> OrderHistory {
        record(signal)
        return lock.withLock { tracker.history(for: signal, at: signal.at) }
    }

    /// Orders counted so far.
    var count: Int { lock.withLock { tracker.count } }

    func hold(_ orderID: String, record: [UInt8]) { lock.withLock { heldHere[orderID] = record } }
    func release(_ orderID: String) { lock.withLock { heldHere[orderID] = nil } }
    func heldRecord(_ orderID: String) -> [UInt8]? { lock.withLock { heldHere[orderID] } }
}
