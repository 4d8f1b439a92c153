import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowPipeline
import DropflowKafka
import DropflowRuntime
import DropflowKafkaTesting
import DropflowRuntimeTesting
import Foundation
import Testing
@testable import DropflowStages

/// Intake on a real broker: every order placed ends in exactly one of accepted (to the fraud
/// stage) or rejected, a storefront retry is dropped even after the worker restarts, and
/// what is not an order goes to the dead-letter topic.
@Suite(.serialized) struct IntakeWorkerTests {
    @Test func ordersAreSortedOutOnceAcrossARestart() async throws {
        let cluster = try TestCluster()
        try await cluster.createTopics([TopicDeclaration.ordersPlaced.name, TopicDeclaration.ordersPlaced.name + ".dlq", TopicDeclaration.ordersValidated.name,
                                        TopicDeclaration.fraudSignals.name, TopicDeclaration.ordersRejected.name, TopicDeclaration.intakeSeen.name,
                                        TopicDeclaration.supplierOffers.name], partitions: 3)
        let example = try exampleOrder()
        func order(_ id: String) -> JSONValue { example.setting(["order_id"], .string(id)).setting(["customer", "id"], .string("cus-\(id)")) }
        let producer = try cluster.producer()
        func place(_ key: String, _ value: [UInt8]) async throws {
            try await producer.send(KafkaProducerMessage(topic: cluster.prefix + TopicDeclaration.ordersPlaced.name, key: Array(key.utf8), value: value))
        }

        var worker = RunningWorker(IntakeStage.definition(), cluster.workerConfiguration())
        try await worker.waitReady()
        try await place("o-1", order("o-1").serialized())
        try await place("o-1", order("o-1").setting(["customer", "email"], " MARIA.lopez@example.com").serialized())  // retry, messier
        try await place("o-2", order("o-2").setting(["lines", "0", "quantity"], 0).serialized())                     // invalid
        try await place("o-3", order("o-3").serialized())
        try await place("o-3", order("o-3").setting(["lines", "1", "quantity"], 5).serialized())                    // conflict
        try await place("junk", Array("not an order".utf8))
        _ = try await cluster.waitForKeys(TopicDeclaration.ordersRejected.name, count: 2)
        _ = try await cluster.waitForKeys(TopicDeclaration.intakeSeen.name, count: 3)  // o-1, o-3 accepted; o-2 rejected
        _ = await worker.stop()

        // A new worker (as after a crash or a deploy) still knows o-1.
        worker = RunningWorker(IntakeStage.definition(), cluster.workerConfiguration())
        try await worker.waitReady()
        try await place("o-1", order("o-1").serialized())
        try await place("o-4", order("o-4").serialized())
        _ = try await cluster.waitForKeys(TopicDeclaration.ordersValidated.name, count: 3)
        try await Task.sleep(for: .seconds(1))
        _ = await worker.stop()
        await producer.close()

        let validated = try await cluster.readAll(TopicDeclaration.ordersValidated.name)
        #expect(validated.compactMap(\.keyString).sorted() == ["cus-o-1", "cus-o-3", "cus-o-4"], "each accepted once, keyed by customer")
        for m in validated {
            let v = try JSONValue.parse(m.value ?? [])
            #expect(ContractSchema.orderPlaced.validate(v).isEmpty)
            #expect(v["intake"]?["order_value"]?.stringValue == "64.97")
        }
        let signals = try await cluster.readAll(TopicDeclaration.fraudSignals.name)
        #expect(signals.compactMap(\.keyString).sorted() == ["o-1", "o-3", "o-4"])

        let rejected = try await cluster.readAll(TopicDeclaration.ordersRejected.name)
        var codes: [String: [String]] = [:]
        for m in rejected {
            let v = try JSONValue.parse(m.value ?? [])
            #expect(ContractSchema.orderRejected.validate(v).isEmpty)
            #expect(v["stage"]?.stringValue == "intake")
            codes[v["order_id"]!.stringValue!, default: []] += v["reasons"]!.arrayValue!.map { $0["code"]!.stringValue! }
        }
        #expect(codes == ["o-2": ["out_of_range"], "o-3": ["duplicate_conflict"]])

        let dead = try await cluster.readAll(TopicDeclaration.ordersPlaced.name + ".dlq")
        #expect(dead.compactMap(\.keyString) == ["junk"])
        #expect(dead.first?.value == Array("not an order".utf8), "the bytes are kept unchanged")
        #expect(dead.first?.headers.string(DLQHeader.reason)?.contains("not JSON") == true)
    }
}
