import Foundation
import DropflowCore
import DropflowKafka

/// The options every worker takes, whatever its stage, and the ``WorkerConfiguration`` they
/// make. Each also reads its `DROPFLOW_*` variable; any librdkafka property is
/// `--kafka-property key=value` or `DROPFLOW_KAFKA_<KEY>`.
public enum WorkerSettings {
    static let defaults = WorkerConfiguration(kafka: KafkaConfiguration(bootstrapServers: []))

    public static let bootstrapServers = Setting<String>.text(
        "bootstrap-servers", default: "127.0.0.1:9092", valueName: "host:port[,host:port]", help: "the Kafka cluster")
    public static let topicPrefix = Setting<String>.text(
        "topic-prefix", default: defaults.topicPrefix, valueName: "prefix", help: "prefix of every topic name")
    public static let group = Setting<String?>.optionalText(
        "group", valueName: "id", defaultText: "dropflow.<stage>", help: "the consumer group")
    public static let concurrency = Setting<Int>.integer(
        "concurrency", default: defaults.concurrency, help: "handlers at once (one partition is always in order)").checked(positive)
    public static let maxInFlight = Setting<Int>.integer(
        "max-in-flight", default: defaults.maxInFlight,
        help: "inputs taken and not finished past which the worker takes no more; the consumer then buffers up to half as many (at least 100) and pauses fetching").checked(positive)
    public static let maxInFlightBytes = Setting<Int>.integer(
        "max-in-flight-bytes", default: defaults.maxInFlightBytes, defaultText: "\(defaults.maxInFlightBytes) (64 MiB)", valueName: "bytes",
        help: "the same bound in bytes (keys, values, headers; a larger input is taken alone); the consumer buffers up to half as many (at least 1 MiB)").checked(positive)
    public static let retryAttempts = Setting<Int>.integer(
        "retry-attempts", default: defaults.retry.maxAttempts,
        help: "attempts for a retriable handler failure before the dead-letter topic").checked(positive)
    public static let retryBackoff = Setting<Duration>.milliseconds(
        "retry-backoff-ms", default: defaults.retry.initialBackoff, help: "first retry back-off, doubled each time")
    public static let retryMaxBackoff = Setting<Duration>.milliseconds(
        "retry-max-backoff-ms", default: defaults.retry.maxBackoff, help: "longest retry back-off")
    public static let commitInterval = Setting<Duration>.seconds(
        "commit-interval", default: defaults.commitInterval, help: "time between offset commits")
    public static let shutdownTimeout = Setting<Duration>.seconds(
        "shutdown-timeout", default: defaults.shutdownTimeout, help: "how long shutdown waits for in-flight work")
    public static let sessionTimeout = Setting<Duration>.seconds(
        "session-timeout", default: defaults.sessionTimeout, help: "the consumer group's session timeout")
    public static let maxPollInterval = Setting<Duration>.seconds(
        "max-poll-interval", default: defaults.maxPollInterval, help: "max poll interval (also the rebalance timeout)")

    public static let maxEventTimeAhead = Setting<Duration>.seconds(
        "max-event-time-ahead", default: defaults.maxEventTimeAhead,
        help: "how far ahead of the clock an input's time is believed; later times are clamped for windows and timers")
    public static let streamTimeFollowsWallClock = Setting<String>.choice(
        "stream-time-follows-wall-clock", default: "off", choices: ["off", "on"],
        help: "while every input is idle, stream time follows the wall clock (keep off for replays and simulations)")

    /// All of them, in the order the help lists them.
    public static var all: [SettingDescription] {
        [bootstrapServers.declaration, topicPrefix.declaration, group.declaration, concurrency.declaration,
         maxInFlight.declaration, maxInFlightBytes.declaration, retryAttempts.declaration, retryBackoff.declaration, retryMaxBackoff.declaration,
         commitInterval.declaration, shutdownTimeout.declaration, sessionTimeout.declaration, maxPollInterval.declaration,
         maxEventTimeAhead.declaration, streamTimeFollowsWallClock.declaration]
    }

    /// The variables librdkafka properties are read from: `DROPFLOW_KAFKA_<KEY>`.
    public static let kafkaEnvironmentPrefix = "DROPFLOW_KAFKA_"

    /// The worker configuration the values describe, for a client called `clientID`.
    public static func configuration(_ values: SettingValues, clientID: String) throws(SettingError) -> WorkerConfiguration {
        let properties: [String: String]
        do {
            properties = try KafkaConfiguration.properties(environment: values.environment, prefix: kafkaEnvironmentPrefix,
                                                           pairs: values.kafkaProperties)
        } catch {
            throw SettingError("--\(SettingValues.kafkaPropertyFlag): \(error)")
        }
        let servers = values[bootstrapServers].split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        var config = WorkerConfiguration(kafka: KafkaConfiguration(bootstrapServers: servers, clientID: clientID, properties: properties))
        config.topicPrefix = values[topicPrefix]
        config.groupID = values[group]
        config.concurrency = values[concurrency]
        config.maxInFlight = values[maxInFlight]
        config.maxInFlightBytes = values[maxInFlightBytes]
        config.retry = RetryPolicy(maxAttempts: values[retryAttempts], initialBackoff: values[retryBackoff],
                                   maxBackoff: values[retryMaxBackoff])
        config.commitInterval = values[commitInterval]
        config.shutdownTimeout = values[shutdownTimeout]
        config.sessionTimeout = values[sessionTimeout]
        config.maxPollInterval = values[maxPollInterval]
        config.maxEventTimeAhead = values[maxEventTimeAhead]
        config.streamTimeFollowsWallClock = values[streamTimeFollowsWallClock] == "on"
        return config
    }

    static func positive(_ n: Int) -> String? { n > 0 ? nil : "must be positive, got \(n)" }
}

/// A stage as the executable runs it: its name, what it does, the options of its own, and how
/// those make its definition. The stage catalog lists one per stage; adding a stage adds an
/// entry there and never touches the command line.
public struct StageEntry: Sendable {
    public let name: String
    /// One line for `dropflow worker --help`.
    public let summary: String
    /// The stage's own options (the common ones are ``WorkerSettings``').
    public let settings: [SettingDescription]
    /// The stage's definition from the values of its options; throws when it cannot start
    /// (e.g. its model file is missing).
    public let makeDefinition: @Sendable (SettingValues) throws -> StageDefinition

    public init(name: String, summary: String, settings: [SettingDescription] = [],
                makeDefinition: @escaping @Sendable (SettingValues) throws -> StageDefinition) {
        self.name = name
        self.summary = summary
        self.settings = settings
        self.makeDefinition = makeDefinition
    }
}
