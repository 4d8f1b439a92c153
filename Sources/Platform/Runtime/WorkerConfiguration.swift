import DropflowCore
import DropflowKafka
import Foundation

/// How a handler's retriable failures are retried.
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included; after the last the message goes to the DLQ.
    public var maxAttempts: Int = 5
    public var initialBackoff: Duration = .milliseconds(200)
    public var maxBackoff: Duration = .seconds(30)
    public var multiplier: Double = 2

    public init(maxAttempts: Int = 5, initialBackoff: Duration = .milliseconds(200), maxBackoff: Duration = .seconds(30), multiplier: Double = 2) {
        self.maxAttempts = maxAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.multiplier = multiplier
    }

    /// The wait before attempt `attempt + 1` (after `attempt` failures).
    public func backoff(afterAttempt attempt: Int) -> Duration {
        let factor = pow(multiplier, Double(max(0, attempt - 1)))
        let ms = min(Double(initialBackoff.milliseconds) * factor, Double(maxBackoff.milliseconds))
        return .milliseconds(Int64(ms))
    }
}

/// Everything a worker needs besides its stage.
public struct WorkerConfiguration: Sendable {
    public var kafka: KafkaConfiguration
    /// Prefix of every topic name, `dropflow.` by default.
    public var topicPrefix: String = "dropflow."
    /// The consumer group; `dropflow.<stage>` when `nil`.
    public var groupID: String?
    /// Handlers running at once (across partitions; one partition is always in order).
    public var concurrency: Int = 8
    /// Inputs taken from Kafka and not yet finished; past it the worker takes no
    /// more, and the consumer pauses fetching once its buffer holds half as many
    /// (at least 100).
    public var maxInFlight: Int = 10_000
    /// The same bound in bytes (keys, values and headers of the inputs): whichever is
    /// reached first stops the worker taking more; a larger input is taken alone. The
    /// consumer pauses fetching once its buffer holds half as many (at least 1 MiB).
    public var maxInFlightBytes: Int = 64 << 20
    /// Messages queued for one partition past which that partition is paused.
    public var partitionBacklog: Int = 5_000
    public var retry = RetryPolicy()
    public var commitInterval: Duration = .seconds(2)
    /// How long shutdown waits for in-flight work before abandoning it.
    public var shutdownTimeout: Duration = .seconds(10)
    /// How long a revocation waits for the partitions' in-flight work.
    public var revokeTimeout: Duration = .seconds(5)
    public var sessionTimeout: Duration = .seconds(10)
    public var maxPollInterval: Duration = .seconds(30)
    /// How long a produce may keep retrying (an outage shorter than this is ridden out).
    public var messageTimeout: Duration = .seconds(120)
    /// How far ahead of the wall clock an input's event time is taken at face value; a later
    /// one is clamped to this bound for windows, horizons and timers (and the handler is told).
    public var maxEventTimeAhead: Duration = .seconds(86_400)
    /// Let stream time follow the wall clock while every input is idle (so timers still fire on
    /// a quiet night). Off for replays and simulations.
    public var streamTimeFollowsWallClock = false

    public init(kafka: KafkaConfiguration) { self.kafka = kafka }

    public func topic(_ logical: String) -> String { topicPrefix + logical }
    public func group(for stage: String) -> String { groupID ?? "dropflow.\(stage)" }
}
