import DropflowCore
import CRdKafka

/// The one error type of the Kafka layer.
///
/// It carries librdkafka's error code (`rd_kafka_resp_err_t`, negative for
/// client-side errors, positive for broker errors), its symbolic name, a
/// message for people, and whether the error is fatal (the client instance is
/// unusable and must be recreated) or retriable (the same operation may
/// succeed later).
public struct KafkaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// librdkafka's numeric error code (`rd_kafka_resp_err_t`).
    public let code: Int32
    /// librdkafka's symbolic name of the code, e.g. `MSG_SIZE_TOO_LARGE`.
    public let name: String
    /// What went wrong, in words.
    public let message: String
    /// The client instance can no longer be used.
    public let isFatal: Bool
    /// Trying again later may succeed.
    public let isRetriable: Bool

    public init(code: Int32, message: String? = nil, isFatal: Bool? = nil, isRetriable: Bool? = nil) {
        self.code = code
        let err = rd_kafka_resp_err_t(rawValue: code)
        self.name = String(cString: rd_kafka_err2name(err))
        let base = String(cString: rd_kafka_err2str(err))
        self.message = message.map { $0.isEmpty ? base : $0 } ?? base
        self.isFatal = isFatal ?? (code == RD_KAFKA_RESP_ERR__FATAL.rawValue)
        self.isRetriable = isRetriable ?? KafkaError.retriableCodes.contains(code)
    }

    init(_ err: rd_kafka_resp_err_t, message: String? = nil) {
        self.init(code: err.rawValue, message: message)
    }

    /// Takes ownership of an `rd_kafka_error_t` and destroys it.
    init(consuming error: OpaquePointer) {
        defer { rd_kafka_error_destroy(error) }
        self.init(
            code: rd_kafka_error_code(error).rawValue,
            message: String(cString: rd_kafka_error_string(error)),
            isFatal: rd_kafka_error_is_fatal(error) != 0,
            isRetriable: rd_kafka_error_is_retriable(error) != 0
        )
    }

    /// An error raised by this library itself rather than by librdkafka.
    public static func client(_ message: String, code: rd_kafka_resp_err_t = RD_KAFKA_RESP_ERR__INVALID_ARG) -> KafkaError {
        KafkaError(code: code.rawValue, message: message, isFatal: false, isRetriable: false)
    }

    public var description: String {
        var flags: [String] = []
        if isFatal { flags.append("fatal") }
        if isRetriable { flags.append("retriable") }
        let suffix = flags.isEmpty ? "" : " [\(flags.joined(separator: ", "))]"
        return "KafkaError \(name) (\(code)): \(message)\(suffix)"
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(code); hasher.combine(message) }

    // MARK: Well-known codes, for matching with `==` on `code`.

    public static let unknownTopicOrPartition = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue
    public static let localUnknownTopic = RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC.rawValue
    public static let messageSizeTooLarge = RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue
    public static let recordListTooLarge = RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE.rawValue
    public static let messageTimedOut = RD_KAFKA_RESP_ERR__MSG_TIMED_OUT.rawValue
    public static let timedOut = RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue
    public static let transport = RD_KAFKA_RESP_ERR__TRANSPORT.rawValue
    public static let allBrokersDown = RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue
    public static let queueFull = RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue
    public static let topicAlreadyExists = RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS.rawValue
    public static let noOffset = RD_KAFKA_RESP_ERR__NO_OFFSET.rawValue
    public static let fatal = RD_KAFKA_RESP_ERR__FATAL.rawValue
    public static let purged = RD_KAFKA_RESP_ERR__PURGE_QUEUE.rawValue
    public static let purgedInFlight = RD_KAFKA_RESP_ERR__PURGE_INFLIGHT.rawValue
    public static let closed = RD_KAFKA_RESP_ERR__DESTROY.rawValue
    public static let state = RD_KAFKA_RESP_ERR__STATE.rawValue
    public static let notLeaderForPartition = RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION.rawValue
    public static let requestTimedOut = RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT.rawValue
    public static let notEnoughReplicas = RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS.rawValue

    /// Codes after which the same request may succeed later (transient
    /// network or broker conditions), for errors that librdkafka reports as a
    /// bare code.
    static let retriableCodes: Set<Int32> = [
        RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
        RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__QUEUE_FULL,
        RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE, RD_KAFKA_RESP_ERR__WAIT_COORD, RD_KAFKA_RESP_ERR__RETRY,
        RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT,
        RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
        RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
        RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS,
        RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
        RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
        RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR,
        RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED,
        RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH,
    ].reduce(into: Set<Int32>()) { $0.insert($1.rawValue) }
}
