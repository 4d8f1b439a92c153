/// A message to send.
public struct KafkaProducerMessage: Sendable, Hashable {
    public var topic: String
    /// `nil` lets the partitioner choose (by key hash when there is a key).
    public var partition: Int32?
    public var key: [UInt8]?
    /// `nil` is a tombstone (a null value).
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// Milliseconds since the epoch; `nil` for the time of sending.
    public var timestampMs: Int64?

    public init(topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]?,
                headers: [KafkaHeader] = [], timestampMs: Int64? = nil) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMs = timestampMs
    }

    public init(topic: String, partition: Int32? = nil, key: String?, value: String?, headers: [KafkaHeader] = []) {
        self.init(topic: topic, partition: partition, key: key.map { Array($0.utf8) }, value: value.map { Array($0.utf8) },
                  headers: headers)
    }
}

/// The broker's acknowledgement of a sent message.
public struct KafkaDeliveryReport: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
}

/// A message read by a consumer.
public struct KafkaConsumerMessage: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    /// `nil` is a tombstone.
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// Milliseconds since the epoch, or `nil` when the broker gave none.
    public var timestampMs: Int64?
    /// Not a message but the end of its partition, reached at `offset` (the next to be
    /// written), in order with the messages before it. Only consumers configured with
    /// ``KafkaConsumerConfiguration/reportPartitionEnd`` see these.
    public var isPartitionEnd: Bool = false
    /// The generation of the partition's assignment the message was fetched in
    /// (``KafkaConsumer/assignmentGeneration(of:)``); 0 when it was not known.
    public var assignmentGeneration: UInt64

    public init(topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?,
                headers: [KafkaHeader] = [], timestampMs: Int64? = nil, assignmentGeneration: UInt64 = 0) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMs = timestampMs
        self.assignmentGeneration = assignmentGeneration
    }

    /// The end of a partition, reached at `offset`.
    public static func partitionEnd(_ tp: KafkaTopicPartition, offset: Int64) -> KafkaConsumerMessage {
        var m = KafkaConsumerMessage(topic: tp.topic, partition: tp.partition, offset: offset, key: nil, value: nil)
        m.isPartitionEnd = true
        return m
    }

    /// How far a reader has got in the partition once it has this: past the message, or to the end.
    public var position: Int64 { isPartitionEnd ? offset : offset + 1 }

    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }
    /// The offset to commit once this message is processed: the next one.
    public var nextOffset: KafkaTopicPartitionOffset { KafkaTopicPartitionOffset(topicPartition, offset: offset + 1) }
    public var keyString: String? { key.flatMap { String(validating: $0, as: UTF8.self) } }
    /// What the message holds in memory, roughly: its key, value and headers, in bytes.
    public var size: Int {
        (key?.count ?? 0) + (value?.count ?? 0) + headers.reduce(0) { $0 + $1.key.utf8.count + ($1.value?.count ?? 0) }
    }
}
