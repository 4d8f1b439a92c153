import DropflowCore
import CRdKafka
import Foundation
import Logging

/// A topic to create.
public struct KafkaTopicSpec: Sendable, Hashable {
    public var name: String
    public var partitions: Int32
    /// `-1` for the broker's default.
    public var replicationFactor: Int32
    /// Topic configuration, e.g. `cleanup.policy=compact`.
    public var config: [String: String]

    public init(name: String, partitions: Int32, replicationFactor: Int32 = -1, config: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.config = config
    }
}

/// A topic as the cluster's metadata describes it.
public struct KafkaTopicInfo: Sendable, Hashable {
    public var name: String
    public var partitionCount: Int
}

/// How far a consumer group is behind on one partition.
public struct KafkaPartitionLag: Sendable, Hashable, CustomStringConvertible {
    public var topicPartition: KafkaTopicPartition
    /// The group's committed offset (the next to read), `nil` when it has none.
    public var committed: Int64?
    public var lowWatermark: Int64
    public var highWatermark: Int64
    /// Messages the group has still to read: high watermark minus the committed
    /// offset (or minus the low watermark when nothing is committed).
    public var lag: Int64 { max(0, highWatermark - max(committed ?? lowWatermark, lowWatermark)) }
    public var description: String { "\(topicPartition) committed=\(committed.map(String.init) ?? "none") high=\(highWatermark) lag=\(lag)" }
}

/// Topic and group administration.
public final class KafkaAdmin: Sendable {
    public let configuration: KafkaConfiguration
    private let client: RDKafkaClient
    private let logger: Logger

    public init(configuration: KafkaConfiguration, logger: Logger = Logger(label: "dropflow.kafka.admin")) throws(KafkaError) {
        self.configuration = configuration
        self.logger = logger
        self.client = try RDKafkaClient(kind: .producer, properties: configuration.librdkafkaProperties
            .merging(configuration.properties) { _, new in new }, logger: logger)
    }

    /// Creates the topics that do not exist yet. A topic that already exists
    /// is fine (whatever its partition count); any other failure throws.
    /// Returns the names of the topics this call created.
    @discardableResult
    public func createTopics(_ specs: [KafkaTopicSpec], timeout: Duration = .seconds(30)) async throws(KafkaError) -> [String] {
        guard !specs.isEmpty else { return [] }
        let client = self.client
        let created = try await Blocking.run { () throws(KafkaError) -> [String] in
            try KafkaAdmin.createTopicsBlocking(client, specs, timeout: timeout)
        }
        if !created.isEmpty { logger.info("topics created", metadata: ["kafka.topics": "\(created)"]) }
        return created
    }

    private static func createTopicsBlocking(_ client: RDKafkaClient, _ specs: [KafkaTopicSpec], timeout: Duration) throws(KafkaError) -> [String] {
        try client.withHandle { rk throws(KafkaError) -> [String] in
            var errstr = [CChar](repeating: 0, count: 512)
            var newTopics: [OpaquePointer?] = []
            defer { for t in newTopics { rd_kafka_NewTopic_destroy(t) } }
            for spec in specs {
                guard let nt = rd_kafka_NewTopic_new(spec.name, spec.partitions, spec.replicationFactor, &errstr, errstr.count) else {
                    throw KafkaError.client("topic \(spec.name): \(String(errorBuffer: errstr))")
                }
                newTopics.append(nt)
                for (k, v) in spec.config.sorted(by: { $0.key < $1.key }) {
                    let err = rd_kafka_NewTopic_set_config(nt, k, v)
                    if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, message: "topic \(spec.name): config \(k)=\(v)") }
                }
            }
            let ms = Int32(clamping: timeout.milliseconds)
            let options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS)
            defer { rd_kafka_AdminOptions_destroy(options) }
            _ = rd_kafka_AdminOptions_set_request_timeout(options, ms, &errstr, errstr.count)
            _ = rd_kafka_AdminOptions_set_operation_timeout(options, ms, &errstr, errstr.count)
            let queue = rd_kafka_queue_new(rk)
            defer { rd_kafka_queue_destroy(queue) }
            newTopics.withUnsafeMutableBufferPointer { buf in
                rd_kafka_CreateTopics(rk, buf.baseAddress, buf.count, options, queue)
            }
            guard let event = rd_kafka_queue_poll(queue, ms + 5_000) else {
                throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, message: "creating topics timed out after \(timeout)")
            }
            defer { rd_kafka_event_destroy(event) }
            let eventErr = rd_kafka_event_error(event)
            if eventErr != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(eventErr, message: "create topics: \(String(cString: rd_kafka_event_error_string(event)))")
            }
            guard let result = rd_kafka_event_CreateTopics_result(event) else {
                throw KafkaError.client("create topics: unexpected admin result", code: RD_KAFKA_RESP_ERR__FAIL)
            }
            var count = 0
            let topics = rd_kafka_CreateTopics_result_topics(result, &count)
            var created: [String] = []
            for i in 0..<count {
                guard let tr = topics?[i] else { continue }
                let name = String(cString: rd_kafka_topic_result_name(tr))
                let err = rd_kafka_topic_result_error(tr)
                switch err {
                case RD_KAFKA_RESP_ERR_NO_ERROR: created.append(name)
                case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS: continue
                default:
                    let text = rd_kafka_topic_result_error_string(tr).map { String(cString: $0) } ?? ""
                    throw KafkaError(err, message: "cannot create topic \(name): \(text)")
                }
            }
            return created
        }
    }

    /// The cluster's topics with their partition counts (internal topics left out).
    public func listTopics(timeout: Duration = .seconds(10)) async throws(KafkaError) -> [KafkaTopicInfo] {
        let client = self.client
        return try await Blocking.run { () throws(KafkaError) -> [KafkaTopicInfo] in
            try KafkaAdmin.metadata(client, timeout: timeout)
        }
    }

    static func metadata(_ client: RDKafkaClient, timeout: Duration) throws(KafkaError) -> [KafkaTopicInfo] {
        try client.withHandle { rk throws(KafkaError) -> [KafkaTopicInfo] in
            var md: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(rk, 1, nil, &md, Int32(clamping: timeout.milliseconds))
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let md else {
                throw KafkaError(err, message: "cannot read cluster metadata: \(String(cString: rd_kafka_err2str(err)))")
            }
            defer { rd_kafka_metadata_destroy(md) }
            var result: [KafkaTopicInfo] = []
            for i in 0..<Int(md.pointee.topic_cnt) {
                let t = md.pointee.topics[i]
                let name = String(cString: t.topic)
                guard t.err == RD_KAFKA_RESP_ERR_NO_ERROR, !name.hasPrefix("__") else { continue }
                result.append(KafkaTopicInfo(name: name, partitionCount: Int(t.partition_cnt)))
            }
            return result.sorted { $0.name < $1.name }
        }
    }

    /// Committed offsets and lag of a consumer group on these topics (all
    /// their partitions).
    public func consumerGroupLag(groupID: String, topics: [String], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [KafkaPartitionLag] {
        let marks = try await watermarks(topics: topics, timeout: timeout)
        // A consumer handle of the group, never subscribed, reads its committed offsets.
        var props = configuration.librdkafkaProperties.merging(configuration.properties) { _, new in new }
        props["group.id"] = groupID
        props["enable.auto.commit"] = "false"
        let reader = try RDKafkaClient(kind: .consumer, properties: props, logger: logger)
        let parts = marks.keys.sorted()
        let committed = try await Blocking.run { () throws(KafkaError) -> [KafkaTopicPartition: Int64] in
            defer { reader.destroy() }
            return try KafkaConsumer.committed(reader, parts, timeout: timeout)
        }
        return parts.map { tp in
            KafkaPartitionLag(topicPartition: tp, committed: committed[tp], lowWatermark: marks[tp]!.low, highWatermark: marks[tp]!.high)
        }
    }

    /// Low and high watermarks of every partition of these topics.
    public func watermarks(topics: [String], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [KafkaTopicPartition: (low: Int64, high: Int64)] {
        let all = try await listTopics(timeout: timeout)
        var partitions: [KafkaTopicPartition] = []
        for name in topics {
            guard let info = all.first(where: { $0.name == name }) else {
                throw KafkaError(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, message: "topic \(name) does not exist")
            }
            partitions += (0..<Int32(info.partitionCount)).map { KafkaTopicPartition(topic: name, partition: $0) }
        }
        return try await watermarks(partitions, timeout: timeout)
    }

    /// The low and high watermarks of these partitions, asked of their leaders over the admin
    /// client's own connections (no fetch waits ahead of the query).
    public func watermarks(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [KafkaTopicPartition: (low: Int64, high: Int64)] {
        let client = self.client
        return try await Blocking.run { () throws(KafkaError) -> [KafkaTopicPartition: (low: Int64, high: Int64)] in
            try client.watermarks(partitions, timeout: timeout)
        }
    }

    /// Releases the client. Blocking work happens off the cooperative pool.
    public func close() async {
        let client = self.client
        _ = try? await Blocking.run { client.destroy() }
    }
}
