import DropflowCore
import DropflowKafka

/// Dead-letter messages: the input's key and bytes unchanged, its headers, and
/// the contract's `dlq-*` headers saying why and where it came from. Only where
/// Kafka refuses the copy for its size is the value cut to fit, `dlq-truncated`
/// giving the original size in bytes (``smaller(_:maxMessageBytes:)``).
enum DeadLetter {
    /// The header of a copy whose value was cut: the value's original size in bytes.
    static let truncatedHeader = "dlq-truncated"
    /// Below this, a cut value is not worth keeping: the next copy has an empty value.
    static let smallestCut = 1_024

    static func message(for m: KafkaConsumerMessage, reason: String, stage: String) -> KafkaProducerMessage {
        var headers = m.headers.filter { !$0.key.hasPrefix("dlq-") }
        headers += [
            KafkaHeader(key: "dlq-reason", string: String(reason.prefix(2000))),
            KafkaHeader(key: "dlq-stage", string: stage),
            KafkaHeader(key: "dlq-source-topic", string: m.topic),
            KafkaHeader(key: "dlq-source-partition", string: String(m.partition)),
            KafkaHeader(key: "dlq-source-offset", string: String(m.offset)),
        ]
        return KafkaProducerMessage(topic: m.topic + ".dlq", key: m.key, value: m.value, headers: headers)
    }

    /// Whether Kafka refused a message for its size: the producer (before sending it) or the
    /// broker (the message, or the batch it was in).
    static func isRefusedForSize(_ error: KafkaError) -> Bool {
        error.code == KafkaError.messageSizeTooLarge || error.code == KafkaError.recordListTooLarge
    }

    /// The next copy to try after `copy` was refused for its size, or nil when its value was
    /// already empty. A value larger than the producer lets through (`maxMessageBytes` less the
    /// key, the headers and the record's overhead) is cut to that; one the producer let through
    /// (the broker refused it) is cut in half; under ``smallestCut`` bytes it is emptied. Every
    /// cut copy carries `dlq-truncated` with the size of the input's value.
    static func smaller(_ copy: KafkaProducerMessage, maxMessageBytes: Int) -> KafkaProducerMessage? {
        guard let value = copy.value, !value.isEmpty else { return nil }
        let original = copy.headers.string(truncatedHeader).flatMap { Int($0) } ?? value.count
        let headers = copy.headers.filter { $0.key != truncatedHeader } + [KafkaHeader(key: truncatedHeader, string: String(original))]
        let fits = maxMessageBytes - recordOverhead(key: copy.key, headers: headers)
        let budget = value.count > fits ? fits : value.count / 2
        let kept = budget >= smallestCut ? Array(value.prefix(budget)) : []
        return KafkaProducerMessage(topic: copy.topic, partition: copy.partition, key: copy.key, value: kept, headers: headers,
                                    timestampMs: copy.timestampMs)
    }

    /// A generous estimate of what a record takes besides its value: librdkafka counts the key,
    /// each header's name and value with their varint lengths, and at most 36 bytes of framing.
    static func recordOverhead(key: [UInt8]?, headers: [KafkaHeader]) -> Int {
        128 + (key?.count ?? 0) + headers.reduce(0) { $0 + $1.key.utf8.count + ($1.value?.count ?? 0) + 10 }
    }
}
