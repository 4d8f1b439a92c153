import DropflowCore
import DropflowKafka
import DropflowSimulator
import Foundation

/// Maps wall time to simulated time: `start + elapsed × scale`, never earlier than the latest
/// instant the simulation fast-forwarded to.
final class SimClock: @unchecked Sendable {
    private let start: SimInstant
    private let scale: Double
    private let began = ContinuousClock.now
    private let lock = NSLock()
    private var floor: SimInstant

    init(start: SimInstant, scale: Double) {
        precondition(scale > 0, "time scale must be positive")
        self.start = start
        self.scale = scale
        floor = start
    }

    /// The simulated now.
    var now: SimInstant {
        let running = SimInstant(seconds: start.seconds + Int64((ContinuousClock.now - began).inSeconds * scale))
        return lock.withLock { max(running, floor) }
    }

    /// Jumps simulated time forward to at least `instant`.
    func advance(to instant: SimInstant) {
        lock.withLock { floor = max(floor, instant) }
    }

    /// Sleeps until simulated time reaches `instant`, or for at most `atMost`.
    func wait(until instant: SimInstant, atMost: Duration? = nil) async throws {
        let ahead = Double(instant.seconds - now.seconds) / scale
        guard ahead > 0 else { return }
        var wall = Duration.milliseconds(Int64(ahead * 1_000))
        if let atMost { wall = min(wall, atMost) }
        try await Task.sleep(for: wall)
    }
}
