import DropflowCore
import Foundation

/// librdkafka's statistics (`statistics.interval.ms`), decoded as far as
/// Dropflow needs: per-partition consumer lag and offsets, and the client's
/// message counters. The full JSON is described in librdkafka's STATISTICS.md.
public struct KafkaStatistics: Sendable, Hashable {
    public struct Partition: Sendable, Hashable {
        public var topicPartition: KafkaTopicPartition
        /// Messages behind the high watermark (`consumer_lag`), `nil` when unknown.
        public var consumerLag: Int64?
        public var committedOffset: Int64?
        public var storedOffset: Int64?
        public var highWatermark: Int64?
        /// Messages waiting in the client's fetch queue.
        public var fetchQueueCount: Int64?
    }

    /// The client's name, e.g. `dropflow#consumer-1`.
    public var name: String
    /// `producer` or `consumer`.
    public var type: String
    /// Messages waiting in producer queues (`msg_cnt`).
    public var queuedMessages: Int64
    /// Messages transmitted / received (`txmsgs`, `rxmsgs`).
    public var transmittedMessages: Int64
    public var receivedMessages: Int64
    /// Partitions this client reads from or writes to (the unassigned `-1` entries left out).
    public var partitions: [Partition]

    /// Consumer lag of each partition with a known lag.
    public var consumerLag: [KafkaTopicPartition: Int64] {
        partitions.reduce(into: [:]) { acc, p in
            if let lag = p.consumerLag { acc[p.topicPartition] = lag }
        }
    }

    public init(json: Data) throws {
        let raw = try JSONDecoder().decode(Raw.self, from: json)
        name = raw.name ?? ""
        type = raw.type ?? ""
        queuedMessages = raw.msg_cnt ?? 0
        transmittedMessages = raw.txmsgs ?? 0
        receivedMessages = raw.rxmsgs ?? 0
        var parts: [Partition] = []
        for (topic, t) in raw.topics ?? [:] {
            for (_, p) in t.partitions ?? [:] where p.partition >= 0 {
                // librdkafka reports -1 where a figure is unknown.
                func known(_ v: Int64?) -> Int64? { v.flatMap { $0 >= 0 ? $0 : nil } }
                parts.append(Partition(topicPartition: KafkaTopicPartition(topic: topic, partition: p.partition),
                                       consumerLag: known(p.consumer_lag), committedOffset: known(p.committed_offset),
                                       storedOffset: known(p.stored_offset), highWatermark: known(p.hi_offset),
                                       fetchQueueCount: known(p.fetchq_cnt)))
            }
        }
        partitions = parts.sorted { $0.topicPartition < $1.topicPartition }
    }

    private struct Raw: Decodable {
        var name: String?
        var type: String?
        var msg_cnt: Int64?
        var txmsgs: Int64?
        var rxmsgs: Int64?
        var topics: [String: RawTopic]?
    }

    private struct RawTopic: Decodable {
        var partitions: [String: RawPartition]?
    }

    private struct RawPartition: Decodable {
        var partition: Int32
        var consumer_lag: Int64?
        var committed_offset: Int64?
        var stored_offset: Int64?
        var hi_offset: Int64?
        var fetchq_cnt: Int64?
    }
}
