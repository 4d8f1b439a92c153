import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowKafka
import DropflowSimulator
import DropflowSimulatorLive
import DropflowKafkaTesting
import Foundation
import Testing

/// A live run against a local broker answers each purchase order exactly once, however often
/// the pipeline sends it, and publishes only messages the contract accepts.
@Suite(.serialized) struct LiveSimulationTests {
    @Test func aLiveRunAnswersEachPurchaseOrderExactlyOnce() async throws {
        let cluster = try TestCluster()
        let topics = Contract.inputs.map(\.name) + [SimRecord.Topic.purchaseOrders]
        try await cluster.createTopics(topics, partitions: 3)
        let run = Simulation.run(SimulationConfig(seed: 11, orders: 120, ordersPerDay: 5_000))
        let world = run.world

        // A stand-in pipeline: one purchase order per placed order, every fourth one sent twice.
        let sent = Box<[String: JSONValue]>([:])
        let duplicatesSent = Box(0)
        let pipeline = try StandInPipeline(cluster: cluster, world: world) { po, isDuplicate in
            sent.mutate { $0[po["purchase_order_id"]!.stringValue!] = po }
            if isDuplicate { duplicatesSent.mutate { $0 += 1 } }
        }
        let pipelineTask = Task { try await pipeline.run() }
        try await eventually(.seconds(30), "stand-in pipeline assigned") { pipeline.ready }

        var options = LiveSimulationOptions()
        options.topicPrefix = cluster.prefix
        options.ordersPerSecond = 200
        options.quiet = .seconds(4)
        options.sessionTimeout = .seconds(6)
        options.groupID = uniqueName("sim")
        let published = Box<[SimRecord]>([])
        let summary = try await LiveSimulation(run: run, kafka: cluster.kafka, options: options, logger: makeTestLogger("test.sim"))
            .run { record in published.mutate { $0.append(record) } }
        pipelineTask.cancel()
        _ = try? await pipelineTask.value

        let pos = sent.value
        #expect(pos.count == 120, "one purchase order per order")
        #expect(summary.purchaseOrdersAnswered == pos.count)
        #expect(summary.duplicatesIgnored == duplicatesSent.value)
        #expect(summary.purchaseOrdersReceived == pos.count + duplicatesSent.value)
        #expect(summary.publishedByTopic[SimRecord.Topic.ordersPlaced] == 120)

        // Each purchase order got the supplier's answers once: as many as the world gives it.
        let updates = try await cluster.readAll(SimRecord.Topic.supplierOrderUpdates)
        var byPO: [String: Int] = [:]
        for m in updates {
            let value = try JSONValue.parse(m.value ?? [])
            #expect(ContractSchema.supplierOrderUpdate.validate(value).isEmpty)
            byPO[value["purchase_order_id"]?.stringValue ?? "?", default: 0] += 1
        }
        for (id, po) in pos {
            let expected = world.answer(purchaseOrder: po, at: SimulationConfig.defaultStart).count
            #expect(byPO[id] == expected, "purchase order \(id): \(byPO[id] ?? 0) answers, the world gives \(expected)")
        }
        #expect(Set(byPO.keys) == Set(pos.keys))

        // Every published value is valid under its topic's schema.
        for record in published.value {
            guard let value = record.value, let topic = Contract.topic(named: record.topic) else { continue }
            #expect(try #require(topic.schema).validate(value).isEmpty, "\(record.topic) \(record.key ?? "")")
        }
    }
}

/// Reads `orders.placed` and sends one purchase order per order to a supplier that offers its
/// first line, through that supplier's first carrier; every fourth one twice.
final class StandInPipeline: @unchecked Sendable {
    private let cluster: TestCluster
    private let world: World
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let onSend: @Sendable (JSONValue, Bool) -> Void
    private let isReady = Box(false)
    var ready: Bool { isReady.value }

    init(cluster: TestCluster, world: World, onSend: @escaping @Sendable (JSONValue, Bool) -> Void) throws {
        self.cluster = cluster
        self.world = world
        self.onSend = onSend
        var cc = KafkaConsumerConfiguration(cluster.kafka, groupID: uniqueName("pipeline"))
        cc.commitOnClose = false
        consumer = try KafkaConsumer(configuration: cc, logger: makeTestLogger("test.pipeline"))
        producer = try cluster.producer()
    }

    func run() async throws {
        let topic = cluster.prefix + SimRecord.Topic.ordersPlaced
        try consumer.assign((0..<3).map { KafkaTopicPartitionOffset(KafkaTopicPartition(topic: topic, partition: $0), offset: KafkaOffset.beginning) })
        isReady.mutate { $0 = true }
        defer { Task { try? await consumer.close(); await producer.close() } }
        var n = 0
        for try await m in consumer.messages {
            let order = try JSONValue.parse(m.value ?? [])
            guard let po = purchaseOrder(for: order) else { continue }
            n += 1
            let copies = n % 4 == 0 ? 2 : 1
            for copy in 0..<copies {
                try await producer.send(KafkaProducerMessage(topic: cluster.prefix + SimRecord.Topic.purchaseOrders,
                                                             key: m.key, value: po.serialized()))
                onSend(po, copy > 0)
            }
        }
    }

    private func purchaseOrder(for order: JSONValue) -> JSONValue? {
        guard let orderID = order["order_id"]?.stringValue, let sku = order["lines"]?[0]?["sku"]?.stringValue,
              let supplier = world.suppliers.first(where: { $0.offers.contains { $0.sku == sku } }) else { return nil }
        return [
            "purchase_order_id": .string("po-\(orderID)-1"), "order_id": .string(orderID), "supplier_id": .string(supplier.id),
            "revision": 1, "lines": [["sku": .string(sku), "quantity": 1]], "carrier": .string(supplier.carriers[0]),
            "ship_to": order["shipping_address"]!, "at": order["placed_at"]!,
        ]
    }
}
