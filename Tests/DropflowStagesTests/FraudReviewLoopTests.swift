import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowPipeline
import DropflowFraudModel
import DropflowKafka
import DropflowRuntime
import DropflowKafkaTesting
import DropflowRuntimeTesting
import Foundation
import Testing
@testable import DropflowStages

/// The shipped fraud model, as `dropflow worker fraud` finds it.
func shippedFraudModel() throws -> FraudModel {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return try FraudModel.load(path: url.appendingPathComponent("models/fraud-model.json").path)
}

/// The review loop on a real broker: intake and fraud workers hold orders for a person, a
/// reviewer's approve releases an order to routing and a decline rejects it, a decision for an
/// order never held goes to the dead-letter topic and one for a hold that ended is left, and
/// velocity survives a fraud worker's restart.
@Suite(.serialized) struct FraudReviewLoopTests {
    static let topics = [TopicDeclaration.ordersPlaced.name, TopicDeclaration.ordersValidated.name, TopicDeclaration.fraudSignals.name,
                         TopicDeclaration.ordersRejected.name, TopicDeclaration.intakeSeen.name, TopicDeclaration.supplierOffers.name,
                         TopicDeclaration.reviewDecisions.name, TopicDeclaration.reviewQueue.name, TopicDeclaration.ordersApproved.name,
                         TopicDeclaration.fraudHeld.name, TopicDeclaration.fraudDecisions.name, TopicDeclaration.fraudReviews.name,
                         TopicDeclaration.routingHeld.name,
                         TopicDeclaration.ordersPlaced.name + ".dlq", TopicDeclaration.ordersValidated.name + ".dlq",
                         TopicDeclaration.reviewDecisions.name + ".dlq"]

    @Test func reviewersReleaseOrRejectHeldOrdersAndVelocitySurvivesARestart() async throws {
        let cluster = try TestCluster()
        try await cluster.createTopics(Self.topics, partitions: 3)
        let model = try shippedFraudModel()
        // Only value decides here (the model's thresholds are tested elsewhere): everything worth
        // more than 50.00 is reviewed, the rest approved.
        let policy = FraudPolicy(reviewAt: 1.0, declineAt: 1.01, alwaysReviewAbove: 5_000)
        let intake = RunningWorker(IntakeStage.definition(), cluster.workerConfiguration())
        var fraud = RunningWorker(FraudStage.definition(model: model, policy: policy), cluster.workerConfiguration())
        try await intake.waitReady()
        try await fraud.waitReady()

        let example = try exampleOrder()
        func order(_ id: String, small: Bool = false) -> JSONValue {
            var o = example.setting(["order_id"], .string(id))
            if small {
                o = o.setting(["lines"], [["sku": "BULB-E27-WW", "quantity": 1, "unit_price": "7.49"]]).setting(["payment", "amount"], "7.49")
            }
            return o
        }
        let producer = try cluster.producer()
        func send(_ topic: String, _ key: String, _ value: JSONValue) async throws {
            try await producer.send(KafkaProducerMessage(topic: cluster.prefix + topic, key: Array(key.utf8), value: value.serialized()))
        }
        try await send(TopicDeclaration.ordersPlaced.name, "o-1", order("o-1"))
        try await send(TopicDeclaration.ordersPlaced.name, "o-2", order("o-2"))
        try await send(TopicDeclaration.ordersPlaced.name, "o-3", order("o-3", small: true))
        let cases = try await cluster.waitForKeys(TopicDeclaration.reviewQueue.name, count: 2)
        for m in cases {
            let v = try JSONValue.parse(m.value ?? [])
            #expect(ContractSchema.reviewCase.validate(v).isEmpty)
            let codes = v["reasons"]?.arrayValue?.compactMap { $0["code"]?.stringValue } ?? []
            #expect(codes.contains("order_value_over_review_limit"), "the reviewer is told why: \(codes)")
            #expect(v["order_value"]?.stringValue == "64.97")
        }
        _ = try await cluster.waitForKeys(TopicDeclaration.ordersApproved.name, count: 1)

        let at: JSONValue = "2026-11-24T12:00:00Z"
        try await send(TopicDeclaration.reviewDecisions.name, "o-1", ["order_id": "o-1", "decision": "approve", "reviewer": "ana", "at": at])
        try await send(TopicDeclaration.reviewDecisions.name, "o-2", ["order_id": "o-2", "decision": "decline", "reviewer": "ana",
                                                              "note": "card reported stolen", "at": at])
        try await send(TopicDeclaration.reviewDecisions.name, "o-9", ["order_id": "o-9", "decision": "approve", "reviewer": "ana", "at": at])
        // An order routing held and then routed (its hold ended) before the person answered.
        let routingHeld = cluster.prefix + TopicDeclaration.routingHeld.name
        try await producer.send(KafkaProducerMessage(topic: routingHeld, key: Array("o-r".utf8), value: Array(#"{"held_at":"x"}"#.utf8)))
        try await producer.send(KafkaProducerMessage(topic: routingHeld, key: Array("o-r".utf8), value: nil))
        try await send(TopicDeclaration.reviewDecisions.name, "o-r", ["order_id": "o-r", "decision": "decline", "reviewer": "ana", "at": at])
        _ = try await cluster.waitForKeys(TopicDeclaration.ordersApproved.name, count: 2)
        _ = try await cluster.waitForKeys(TopicDeclaration.ordersRejected.name, count: 1)
        // Only the verdict on an order nobody ever held is dead-lettered, with the reason; the late one is left.
        let dead = try await cluster.waitForKeys(TopicDeclaration.reviewDecisions.name + ".dlq", count: 1)
        #expect(dead.map(\.keyString) == ["o-9"])
        #expect(dead.first?.headers.string(DLQHeader.reason)?.contains("no order o-9 is held for review") == true)

        // Same card, same customer, after a restart: the new worker still counts the first three.
        _ = await fraud.stop()
        fraud = RunningWorker(FraudStage.definition(model: model, policy: policy), cluster.workerConfiguration())
        try await fraud.waitReady()
        try await send(TopicDeclaration.ordersPlaced.name, "o-4", order("o-4", small: true))
        let approved = try await cluster.waitForKeys(TopicDeclaration.ordersApproved.name, count: 3)
        try await Task.sleep(for: .seconds(1))
        _ = await fraud.stop()
        _ = await intake.stop()
        await producer.close()

        var byOrder: [String: JSONValue] = [:]
        for m in approved { byOrder[m.keyString ?? ""] = try JSONValue.parse(m.value ?? []) }
        #expect(Set(byOrder.keys) == ["o-1", "o-3", "o-4"])
        #expect(byOrder["o-1"]?["fraud"]?["decided_by"]?.stringValue == "reviewer")
        #expect(byOrder["o-1"]?["fraud"]?["reviewer"]?.stringValue == "ana")
        #expect(byOrder["o-3"]?["fraud"]?["decided_by"]?.stringValue == "model")
        #expect(byOrder["o-4"]?["fraud"]?["velocity"]?["card_24h"]?.intValue == 3, "o-1..o-3 share the card")
        for (_, v) in byOrder { #expect(ContractSchema.orderPlaced.validate(v).isEmpty) }

        let rejected = try await cluster.readAll(TopicDeclaration.ordersRejected.name)
        #expect(rejected.count == 1, "the late decline of o-r rejects nothing")
        #expect(try await cluster.readAll(TopicDeclaration.reviewDecisions.name + ".dlq").count == 1)
        let r = try JSONValue.parse(rejected[0].value ?? [])
        #expect(ContractSchema.orderRejected.validate(r).isEmpty)
        #expect(r["order_id"]?.stringValue == "o-2")
        #expect(r["stage"]?.stringValue == "review")
        #expect(r["reasons"]?[0]?["detail"]?.stringValue?.contains("card reported stolen") == true)

        // Both held orders were taken off hold.
        let held = try await cluster.readAll(TopicDeclaration.fraudHeld.name)
        var last: [String: Bool] = [:]
        for m in held { last[m.keyString ?? ""] = m.value != nil }
        #expect(last == ["o-1": false, "o-2": false])
    }
}
