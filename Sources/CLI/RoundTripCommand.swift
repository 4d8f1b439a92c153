import DropflowCore
import ArgumentParser
import DropflowKafka
import Foundation
import Logging

struct RoundTripCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roundtrip",
        abstract: "Send orders like the contract's example through Kafka and read them back, visibly.",
        discussion: """
        Creates a topic, sends N keyed orders with CloudEvents headers, reads them back as a
        consumer group and checks every byte. Without --bootstrap-servers it starts a local
        Tansu broker for the run and stops it afterwards.
        """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "How many orders to send.")
    var orders: Int = 5

    @Option(help: "Topic prefix of the deployment.")
    var topicPrefix: String = "dropflow."

    func run() async throws {
        let logger = connection.logger("dropflow.roundtrip")
        let (common, broker) = try connection.connect(logger: logger)
        defer { broker?.stop() }
        let topic = "\(topicPrefix)demo.roundtrip"
        let admin = try KafkaAdmin(configuration: common, logger: logger)
        try await admin.createTopics([KafkaTopicSpec(name: topic, partitions: 3)])
        await admin.close()

        let runID = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(common), logger: logger)
        var sent: [String: KafkaProducerMessage] = [:]
        for i in 0..<orders {
            let orderID = "ord-\(runID)-\(i + 1)"
            let value = Array(exampleOrder(orderID: orderID).utf8)
            let message = KafkaProducerMessage(topic: topic, key: Array(orderID.utf8), value: value, headers: [
                KafkaHeader(key: "ce_specversion", string: "1.0"),
                KafkaHeader(key: "ce_id", string: "roundtrip-\(orderID)"),
                KafkaHeader(key: "ce_type", string: "dropflow.order.placed"),
                KafkaHeader(key: "ce_source", string: "dropflow/roundtrip"),
                KafkaHeader(key: "ce_time", string: ISO8601DateFormatter().string(from: Date())),
                KafkaHeader(key: "content-type", string: "application/json"),
            ])
            let report = try await producer.send(message)
            sent[orderID] = message
            print("→ sent     \(orderID) (\(value.count) bytes) to \(topic)[\(report.partition)] at offset \(report.offset)")
        }
        await producer.close()

        var consumerConfig = KafkaConsumerConfiguration(common, groupID: "dropflow.roundtrip.\(runID)")
        consumerConfig.sessionTimeout = .seconds(6)
        consumerConfig.maxPollInterval = .seconds(6)
        let consumer = try KafkaConsumer(configuration: consumerConfig, logger: logger)
        try consumer.subscribe(topics: [topic])
        let expected = sent, count = orders
        let reader = Task { () throws -> (received: Int, mismatches: Int) in
            var received = 0, mismatches = 0
            for try await m in consumer.messages {
                guard let key = m.keyString, let original = expected[key] else { continue } // earlier runs' orders
                let same = m.value == original.value && m.headers == original.headers
                if !same { mismatches += 1 }
                received += 1
                print("← received \(key) from \(m.topic)[\(m.partition)] at offset \(m.offset): \(same ? "byte-exact" : "DIFFERENT"), ce_type=\(m.headers.string("ce_type") ?? "-")")
                try consumer.storeOffset(m)
                if received == count { break }
            }
            return (received, mismatches)
        }
        // Give up after a minute rather than wait forever on a broken cluster.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(60))
            reader.cancel()
        }
        let (received, mismatches) = try await reader.value
        watchdog.cancel()
        try await consumer.close()
        print("\(received)/\(orders) orders came back, \(mismatches) differed.")
        guard received == orders, mismatches == 0 else { throw ExitCode.failure }
    }
}

/// The contract's example order (shared/contract/examples/order-placed.json) under another id.
func exampleOrder(orderID: String) -> String {
    """
    {"order_id":"\(orderID)","placed_at":"2026-11-24T10:15:00Z","channel":"shopify",\
    "customer":{"id":"cus-42","email":"maria.lopez@example.com","account_created_at":"2024-03-02T08:00:00Z","previous_orders":6,"language":"es"},\
    "shipping_address":{"name":"Maria Lopez","line1":"Calle Mayor 5","city":"Madrid","postal_code":"28013","country":"ES"},\
    "billing_address":{"name":"Maria Lopez","line1":"Calle Mayor 5","city":"Madrid","postal_code":"28013","country":"ES"},\
    "payment":{"method":"card","card_bin":"454313","card_last4":"4242","card_country":"ES","avs_result":"Y","cvv_result":"M","ip_address":"198.51.100.7","ip_country":"ES","amount":"64.97"},\
    "lines":[{"sku":"LAMP-ARC-BLK","quantity":1,"unit_price":"49.99","title":"Arc floor lamp","category":"home"},{"sku":"BULB-E27-WW","quantity":2,"unit_price":"7.49","category":"home"}],\
    "currency":"EUR","shipping_option":"standard","shipping_paid":"0.00","merchant_priority":"balanced"}
    """
}
