import DropflowCore
import DropflowKafka
import Foundation
import Logging

/// `dropflow roundtrip`: orders like the contract's example through Kafka and back, visibly.
/// Creates a topic, sends N keyed orders with CloudEvents headers, reads them back as a
/// consumer group and checks every byte.
public struct RoundTrip: Sendable {
    public var orders = 5
    public var topicPrefix = "dropflow."
    public let kafka: KafkaConfiguration
    public let logger: Logger

    public init(kafka: KafkaConfiguration, logger: Logger) {
        self.kafka = kafka
        self.logger = logger
    }

    /// Orders that came back, and how many of them differed from what was sent.
    public struct Outcome: Sendable, Hashable {
        public var received: Int
        public var mismatches: Int
    }

    public func run(say: @escaping @Sendable (String) -> Void = { print($0) }) async throws -> Outcome {
        let topic = "\(topicPrefix)demo.roundtrip"
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        try await admin.createTopics([KafkaTopicSpec(name: topic, partitions: 3)])
        await admin.close()

        let runID = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(kafka), logger: logger)
        var sent: [String: KafkaProducerMessage] = [:]
        for i in 0..<orders {
            let orderID = "ord-\(runID)-\(i + 1)"
            let value = ExampleOrder.bytes(orderID: orderID)
            let message = KafkaProducerMessage(topic: topic, key: Array(orderID.utf8), value: value, headers: [
                KafkaHeader(key: "ce_specversion", string: "1.0"),
                KafkaHeader(key: "ce_id", string: "roundtrip-\(orderID)"),
                KafkaHeader(key: "ce_type", string: "dropflow.order.placed"),
                KafkaHeader(key: "ce_source", string: "dropflow/roundtrip"),
                KafkaHeader(key: "ce_time", string: DateTimeFormat.format(Date())),
                KafkaHeader(key: "content-type", string: "application/json"),
            ])
            let report = try await producer.send(message)
            sent[orderID] = message
            say("→ sent     \(orderID) (\(value.count) bytes) to \(topic)[\(report.partition)] at offset \(report.offset)")
        }
        await producer.close()

        var consumerConfig = KafkaConsumerConfiguration(kafka, groupID: "dropflow.roundtrip.\(runID)")
        consumerConfig.sessionTimeout = .seconds(6)
        consumerConfig.maxPollInterval = .seconds(6)
        let consumer = try KafkaConsumer(configuration: consumerConfig, logger: logger)
        try consumer.subscribe(topics: [topic])
        let expected = sent, count = orders
        let reader = Task { () throws -> Outcome in
            var outcome = Outcome(received: 0, mismatches: 0)
            for try await m in consumer.messages {
                guard let key = m.keyString, let original = expected[key] else { continue } // earlier runs' orders
                let same = m.value == original.value && m.headers == original.headers
                if !same { outcome.mismatches += 1 }
                outcome.received += 1
                say("← received \(key) from \(m.topic)[\(m.partition)] at offset \(m.offset): \(same ? "byte-exact" : "DIFFERENT"), ce_type=\(m.headers.string("ce_type") ?? "-")")
                try consumer.storeOffset(m)
                if outcome.received == count { break }
            }
            return outcome
        }
        // Give up after a minute rather than wait forever on a broken cluster.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(60))
            reader.cancel()
        }
        let outcome = try await reader.value
        watchdog.cancel()
        try await consumer.close()
        say("\(outcome.received)/\(orders) orders came back, \(outcome.mismatches) differed.")
        return outcome
    }
}
