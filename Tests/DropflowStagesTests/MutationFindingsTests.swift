import DropflowContract
import DropflowCore
import DropflowIntake
import DropflowJSON
import DropflowKafka
import DropflowKafkaTesting
import DropflowPipeline
import DropflowRuntime
import DropflowRuntimeTesting
import Foundation
import Testing
@testable import DropflowStages

/// What the mutation tests (``MutationTests``) found in the workers, each as a focused test.
/// Both are fixed: the first by cutting a refused dead-letter copy to fit, the second by
/// dead-lettering an order whose order_id no rejection can carry.
@Suite(.serialized) struct MutationFindingsTests {

    /// The contract: "only where the broker refuses the copy for its size, the value is cut to
    /// fit and `dlq-truncated` gives the original size in bytes". A broker takes messages up to
    /// its `max.message.bytes` (1,048,588 by default in Kafka), a worker's producer sends at most
    /// its `message.max.bytes` (1,000,000): an input between the two that is dead-lettered makes
    /// a copy librdkafka refuses (MSG_SIZE_TOO_LARGE, not retriable). Here the storefront's
    /// producer allows 2 MB and the mock cluster takes anything.
    @Test
    func aDeadLetterCopyTooLargeForKafkaIsCutToFit() async throws {
        let cluster = try TestCluster(.mock)
        let topic = TopicDeclaration.ordersPlaced.name
        try await cluster.createTopics([topic, topic + ".dlq", TopicDeclaration.ordersValidated.name, TopicDeclaration.fraudSignals.name,
                                        TopicDeclaration.ordersRejected.name, TopicDeclaration.intakeSeen.name,
                                        TopicDeclaration.supplierOffers.name], partitions: 1)
        let group = uniqueName("finding")
        let worker = RunningWorker(IntakeStage.definition(), cluster.workerConfiguration { $0.groupID = group })
        try await worker.waitReady()
        let big = Array(repeating: UInt8(ascii: "x"), count: 1_040_000)  // not JSON: dead-lettered
        let producer = try cluster.producer { $0.common.properties["message.max.bytes"] = "2000000" }
        try await producer.send(KafkaProducerMessage(topic: cluster.prefix + topic, key: Array("big".utf8), value: big))
        try await producer.send(KafkaProducerMessage(topic: cluster.prefix + topic, key: Array("after".utf8), value: Array("[]".utf8)))
        await producer.close()

        let dead = try await cluster.waitForKeys(topic + ".dlq", count: 2, within: .seconds(30))
        let copy = try #require(dead.first { $0.keyString == "big" })
        #expect(copy.headers.string(DLQHeader.truncated) == String(big.count), "the original size")
        #expect(copy.value.map { big.starts(with: $0) } == true, "the value cut, not changed")
        #expect(!(copy.headers.string(DLQHeader.reason) ?? "").isEmpty)
        try await cluster.waitCommitted(group: group, topic: topic, within: .seconds(30))
        _ = await worker.stop()
    }

    /// The contract: an object with a string `order_id` that does not validate is answered on
    /// `orders.rejected`; and `orders.rejected` messages carry an `order_id` of 1 to 128
    /// characters. For an `order_id` of 0 or more than 128 characters both cannot hold: intake
    /// publishes a rejection that breaks `order-rejected` (12 of the 10,000 mutants of
    /// `orders.placed` in `MutationTests`). Whatever the fix (cut the id, dead-letter the order,
    /// or widen the contract), what intake publishes must satisfy the contract.
    @Test
    func anOrderIDOutsideOneTo128CharactersGetsNoRejectionThatBreaksTheContract() {
        for id in ["", String(repeating: "o", count: 129), String(repeating: "ö", count: 10_000)] {
            let order = ContractExample.orderPlaced.value.replacing([.key("order_id")], with: .string(id))
            switch IntakeDecider().decide(order.serialized(), seenFingerprint: { _ in nil }, isOffered: nil) {
            case .reject(let orderID, let reasons):
                let rejection = OrderRejected(orderID: orderID, stage: .intake, reasons: reasons, at: "2026-11-24T10:15:00Z")
                #expect(ContractSchema.orderRejected.validate(rejection.json).isEmpty,
                        "a rejection for an order_id of \(id.count) characters: \(ContractSchema.orderRejected.validate(rejection.json).map(\.message))")
            case .deadLetter:
                break  // not answered: acceptable
            case let other:
                Issue.record("an order_id of \(id.count) characters was \(other)")
            }
        }
    }
}
