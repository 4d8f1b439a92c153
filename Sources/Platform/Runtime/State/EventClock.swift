import DropflowContract
import DropflowCore
import DropflowJSON
import DropflowKafka
import Foundation

/// A stage's clock, as the contract defines it: an input's event time is its value's own
/// timestamp (`placed_at`, `updated_at`, `at`, `requested_at`), else its `ce_time`, else the
/// Kafka record timestamp; stream time is the latest event time the worker has seen on its
/// inputs, and drives windows, horizons and timers. A time further ahead of the worker's wall
/// clock than ``WorkerConfiguration/maxEventTimeAhead`` is clamped to that bound for those
/// purposes (the handler is told), so one order dated 2999 cannot become everyone's "now".
final class EventClock: @unchecked Sendable {
    private let lock = NSLock()
    private var streamMs: Int64 = .min
    private var lastInput = ContinuousClock.now
    let maxAhead: Duration
    let followWallClock: Bool
    let wallClock: @Sendable () -> Date

    init(maxAhead: Duration, followWallClock: Bool, wallClock: @escaping @Sendable () -> Date = { Date() }) {
        self.maxAhead = maxAhead
        self.followWallClock = followWallClock
        self.wallClock = wallClock
    }

    /// The contract's value fields that carry an input's own time, in the order they are looked for.
    static let valueTimeFields = ["placed_at", "updated_at", "at", "requested_at"]

    /// The event time of an input, milliseconds since the epoch, before clamping.
    static func eventTimeMs(json: JSONValue?, headers: [KafkaHeader], timestampMs: Int64?) -> Int64? {
        if let json {
            for field in valueTimeFields {
                if let text = json[field]?.stringValue, let ms = DateTimeFormat.epochSeconds(text).map({ $0 * 1000 }) { return ms }
            }
        }
        if let text = headers.string("ce_time"), let ms = DateTimeFormat.epochSeconds(text).map({ $0 * 1000 }) { return ms }
        return timestampMs
    }

    /// What a handler is told about the time of the input it handles; advances stream time.
    func observe(_ eventMs: Int64?) -> InputTime {
        let latest = Int64((wallClock().timeIntervalSince1970 * 1000).rounded()) + maxAhead.milliseconds
        let raw = eventMs ?? streamTimeMs(latestPlausible: latest)
        let clamped = min(raw, latest)
        return lock.withLock {
            lastInput = .now
            if clamped > streamMs { streamMs = clamped }
            return InputTime(eventMs: clamped, recordedMs: raw, streamMs: streamMs, latestPlausibleMs: latest)
        }
    }

    /// Stream time now (the wall clock's, while every input has been idle for a second and the
    /// worker is told to follow it).
    func streamTimeMs(latestPlausible: Int64? = nil) -> Int64 {
        lock.withLock {
            var t = streamMs
            if followWallClock && ContinuousClock.now - lastInput > .seconds(1) {
                t = max(t, Int64((wallClock().timeIntervalSince1970 * 1000).rounded()))
            }
            return t == .min ? 0 : t
        }
    }
}

/// The time of one input as its handler sees it.
public struct InputTime: Sendable, Hashable {
    /// The input's event time, clamped to ``latestPlausibleMs``.
    public let eventMs: Int64
    /// The event time the input carried (before clamping).
    public let recordedMs: Int64
    /// The worker's stream time, this input counted.
    public let streamMs: Int64
    /// The latest event time taken at face value: the wall clock plus the allowed lead.
    public let latestPlausibleMs: Int64

    /// Whether the input's time was further ahead of the clock than allowed.
    public var isClamped: Bool { recordedMs > eventMs }
}
