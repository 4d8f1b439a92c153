import DropflowCore
import DropflowKafka

/// Dead-letter messages: the input's key and bytes unchanged, its headers, and
/// the contract's `dlq-*` headers saying why and where it came from.
enum DeadLetter {
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
}
