import DropflowCore
import CRdKafka

/// Settings shared by producers, consumers and admin clients.
///
/// The common settings are typed; anything else librdkafka understands can be
/// passed by name in ``properties`` (see librdkafka's CONFIGURATION.md), so a
/// SASL/SSL cluster or a tuning knob needs no new code. ``properties`` are
/// applied last and win over the typed fields.
public struct KafkaConfiguration: Sendable, Hashable {
    public enum SecurityProtocol: String, Sendable, Hashable {
        case plaintext, ssl
        case saslPlaintext = "sasl_plaintext"
        case saslSSL = "sasl_ssl"
    }

    public struct SASL: Sendable, Hashable {
        public enum Mechanism: String, Sendable, Hashable {
            case plain = "PLAIN"
            case scramSHA256 = "SCRAM-SHA-256"
            case scramSHA512 = "SCRAM-SHA-512"
            case oauthbearer = "OAUTHBEARER"
        }
        public var mechanism: Mechanism
        public var username: String?
        public var password: String?

        public init(mechanism: Mechanism, username: String? = nil, password: String? = nil) {
            self.mechanism = mechanism
            self.username = username
            self.password = password
        }
    }

    /// `host:port` of one or more brokers to bootstrap from.
    public var bootstrapServers: [String]
    public var clientID: String
    public var securityProtocol: SecurityProtocol?
    public var sasl: SASL?
    /// CA certificate file for SSL.
    public var sslCALocation: String?
    /// How often librdkafka emits statistics (see ``KafkaStatistics``); `nil` disables them.
    public var statisticsInterval: Duration?
    /// Any librdkafka property by name; applied last.
    public var properties: [String: String]

    public init(bootstrapServers: [String], clientID: String = "dropflow",
                securityProtocol: SecurityProtocol? = nil, sasl: SASL? = nil,
                sslCALocation: String? = nil, statisticsInterval: Duration? = nil,
                properties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.securityProtocol = securityProtocol
        self.sasl = sasl
        self.sslCALocation = sslCALocation
        self.statisticsInterval = statisticsInterval
        self.properties = properties
    }

    /// The librdkafka properties these settings stand for.
    public var librdkafkaProperties: [String: String] {
        var p: [String: String] = [
            "bootstrap.servers": bootstrapServers.joined(separator: ","),
            "client.id": clientID,
        ]
        if let securityProtocol { p["security.protocol"] = securityProtocol.rawValue }
        if let sasl {
            p["sasl.mechanism"] = sasl.mechanism.rawValue
            if let u = sasl.username { p["sasl.username"] = u }
            if let pw = sasl.password { p["sasl.password"] = pw }
        }
        if let sslCALocation { p["ssl.ca.location"] = sslCALocation }
        if let statisticsInterval { p["statistics.interval.ms"] = String(statisticsInterval.milliseconds) }
        return p
    }

    /// Property names whose values are secrets and never printed.
    public static func isSecret(_ name: String) -> Bool {
        let n = name.lowercased()
        return n.contains("password") || n.contains("secret") || n.hasSuffix(".pem")
            || n.contains("sasl.oauthbearer.config") || n.contains("ssl.key")
            || n.contains("token") || n.contains("credential")
    }

    /// The properties as `key=value` lines with secrets masked, for logs.
    public static func redacted(_ properties: [String: String]) -> String {
        properties.keys.sorted().map { k in
            "\(k)=\(isSecret(k) ? "******" : properties[k]!)"
        }.joined(separator: " ")
    }
}

/// Producer settings. Idempotence is on by default (acks=all, retries that
/// keep order and never duplicate).
public struct KafkaProducerConfiguration: Sendable, Hashable {
    public enum Compression: String, Sendable, Hashable { case none, gzip, snappy, lz4, zstd }

    public var common: KafkaConfiguration
    public var idempotence: Bool = true
    /// How long to batch before sending.
    public var linger: Duration = .milliseconds(5)
    /// How long a message may wait for acknowledgement, retries included,
    /// before its send fails. Make it longer than the outages to ride out.
    public var messageTimeout: Duration = .seconds(30)
    public var compression: Compression = .none
    /// Most messages waiting in the client's queue before `send` waits for room.
    public var queueCapacity: Int = 100_000
    /// How long `close` waits for outstanding messages to be acknowledged.
    public var flushTimeoutOnClose: Duration = .seconds(10)

    public init(_ common: KafkaConfiguration) { self.common = common }

    public init(bootstrapServers: [String], properties: [String: String] = [:]) {
        self.common = KafkaConfiguration(bootstrapServers: bootstrapServers, properties: properties)
    }

    public var librdkafkaProperties: [String: String] {
        var p = common.librdkafkaProperties
        p["enable.idempotence"] = idempotence ? "true" : "false"
        p["linger.ms"] = String(linger.milliseconds)
        p["message.timeout.ms"] = String(messageTimeout.milliseconds)
        p["compression.codec"] = compression.rawValue
        p["queue.buffering.max.messages"] = String(queueCapacity)
        return p.merging(common.properties) { _, new in new }
    }
}

/// Consumer settings. Offsets are never stored automatically: the
/// application stores the offset of a message once it is done with it
/// (``KafkaConsumer/storeOffset(_:)``) and commits stored offsets explicitly or,
/// with ``enableAutoCommit``, on a timer.
public struct KafkaConsumerConfiguration: Sendable, Hashable {
    public enum OffsetReset: String, Sendable, Hashable { case earliest, latest, error }
    public enum AssignmentStrategy: String, Sendable, Hashable {
        case range, roundRobin = "roundrobin", cooperativeSticky = "cooperative-sticky"
    }

    public var common: KafkaConfiguration
    public var groupID: String
    /// Where a group with no committed offset starts.
    public var autoOffsetReset: OffsetReset = .earliest
    public var assignmentStrategy: AssignmentStrategy = .cooperativeSticky
    public var sessionTimeout: Duration = .seconds(45)
    /// Also the rebalance timeout librdkafka sends when joining.
    public var maxPollInterval: Duration = .seconds(300)
    public var heartbeatInterval: Duration = .seconds(3)
    /// Commit stored offsets on a timer (they are only ever *stored* by the application).
    public var enableAutoCommit: Bool = false
    public var autoCommitInterval: Duration = .seconds(5)
    /// Commit stored offsets synchronously when closing.
    public var commitOnClose: Bool = true
    /// Messages buffered between the poll thread and the reader; past it the
    /// consumer pauses fetching (it keeps polling, so the group sees it alive).
    public var bufferCapacity: Int = 2_000
    /// The same bound in bytes (keys, values and headers, ``KafkaConsumerMessage/size``):
    /// whichever is reached first pauses fetching. librdkafka's own pre-fetch queue
    /// (`queued.max.messages.kbytes`, 64 MiB by default) comes on top.
    public var bufferCapacityBytes: Int = 64 << 20
    /// How long librdkafka waits before fetching again once its own
    /// pre-fetch queue is over its thresholds (`fetch.queue.backoff.ms`,
    /// librdkafka >= 2.2; its default of 1 s stalls a consumer that reads
    /// faster than it fetched). Ignored on older librdkafka.
    public var fetchQueueBackoff: Duration = .milliseconds(20)
    /// Tell the consumer's `partitionEnd` handler each time a partition is read to its end
    /// (`enable.partition.eof`): how a reader of a table knows it has caught up, also when the
    /// partition ends in records it never sees (transaction markers).
    public var reportPartitionEnd: Bool = false

    public init(_ common: KafkaConfiguration, groupID: String) {
        self.common = common
        self.groupID = groupID
    }

    public init(bootstrapServers: [String], groupID: String, properties: [String: String] = [:]) {
        self.common = KafkaConfiguration(bootstrapServers: bootstrapServers, properties: properties)
        self.groupID = groupID
    }

    public var librdkafkaProperties: [String: String] {
        var p = common.librdkafkaProperties
        p["group.id"] = groupID
        p["auto.offset.reset"] = autoOffsetReset.rawValue
        p["partition.assignment.strategy"] = assignmentStrategy.rawValue
        p["session.timeout.ms"] = String(sessionTimeout.milliseconds)
        p["max.poll.interval.ms"] = String(maxPollInterval.milliseconds)
        p["heartbeat.interval.ms"] = String(heartbeatInterval.milliseconds)
        p["enable.auto.offset.store"] = "false"
        p["enable.auto.commit"] = enableAutoCommit ? "true" : "false"
        p["auto.commit.interval.ms"] = String(autoCommitInterval.milliseconds)
        p["enable.partition.eof"] = reportPartitionEnd ? "true" : "false"
        if rd_kafka_version() >= 0x0202_0000 {
            p["fetch.queue.backoff.ms"] = String(fetchQueueBackoff.milliseconds)
        }
        return p.merging(common.properties) { _, new in new }
    }
}

extension KafkaConfiguration {
    /// A `key=value` pair that is not one.
    public struct InvalidProperty: Error, Sendable, CustomStringConvertible {
        public let pair: String
        public var description: String { "a librdkafka property is key=value, got \(pair)" }
    }

    /// librdkafka properties from the variables whose names start with `prefix`
    /// (`DROPFLOW_KAFKA_SASL_PASSWORD` → `sasl.password`), then from `key=value` pairs, which win.
    public static func properties(environment: [String: String], prefix: String,
                                  pairs: [String]) throws(InvalidProperty) -> [String: String] {
        var props: [String: String] = [:]
        for (k, v) in environment where k.hasPrefix(prefix) && k.count > prefix.count {
            props[k.dropFirst(prefix.count).lowercased().replacingOccurrences(of: "_", with: ".")] = v
        }
        for kv in pairs {
            guard let eq = kv.firstIndex(of: "="), eq != kv.startIndex else { throw InvalidProperty(pair: kv) }
            props[String(kv[..<eq])] = String(kv[kv.index(after: eq)...])
        }
        return props
    }
}
