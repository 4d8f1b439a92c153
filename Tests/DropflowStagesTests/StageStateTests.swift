import DropflowContract
import DropflowCore
import DropflowFraudModel
import DropflowJSON
import DropflowKafka
import DropflowKafkaTesting
import DropflowPipeline
import DropflowRuntime
import DropflowRuntimeTesting
import Foundation
import Testing
@testable import DropflowStages

/// The review of the runtime's state, scenario by scenario, on a real broker: nothing lost when
/// a dedupe record got out and its order did not, and never two outcomes for one order.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct StageStateTests {
    static let all = Topology.all.filter { $0.role != .output || [.ordersRejected, .reviewQueue].contains($0) }
    static func names(except: Set<String> = []) -> [String] {
        all.map(\.name).filter { !except.contains($0) } + all.filter(\.isDeadLettered).map { $0.name + ".dlq" }
    }

    @Test("an order whose dedupe record was written but whose outputs were not still reaches fraud after a restart")
    func aRecordedButUnsentOrderIsNotLost() async throws {
        let cluster = try TestCluster()
        // No orders.validated yet: intake can record its decision but cannot hand the order on.
        try await cluster.createTopics(Self.names(except: [TopicDeclaration.ordersValidated.name]), partitions: 2)
        let producer = try cluster.producer()
        let order = try exampleOrder().setting(["order_id"], "o-lost").setting(["customer", "id"], "cus-lost")
        let quick = cluster.workerConfiguration { $0.shutdownTimeout = .seconds(1); $0.messageTimeout = .seconds(2) }
        let first = RunningWorker(IntakeStage.definition(), quick)
        try await first.waitReady()
        try await producer.send(KafkaProducerMessage(topic: cluster.prefix + TopicDeclaration.ordersPlaced.name, key: Array("o-lost".utf8),
                                                     value: order.serialized()))
        _ = try await cluster.waitForKeys(TopicDeclaration.intakeSeen.name, count: 1)
        _ = await first.stop()

        try await cluster.createTopics([TopicDeclaration.ordersValidated.name], partitions: 2)
        let second = RunningWorker(IntakeStage.definition(), cluster.workerConfiguration())
        try await second.waitReady()
        let validated = try await cluster.waitForKeys(TopicDeclaration.ordersValidated.name, count: 1, within: .seconds(60))
        // A storefront retry (another offset) is still a duplicate.
        try await producer.send(KafkaProducerMessage(topic: cluster.prefix + TopicDeclaration.ordersPlaced.name, key: Array("o-lost".utf8),
                                                     value: order.serialized()))
        try await cluster.waitCommitted(group: "dropflow.intake", topic: TopicDeclaration.ordersPlaced.name)
        try await Task.sleep(for: .seconds(2))
        _ = await second.stop()
        await producer.close()
        #expect(validated.compactMap(\.keyString) == ["cus-lost"])
        #expect(try await cluster.readAll(TopicDeclaration.ordersValidated.name).count == 1, "the retry is not passed on again")
        #expect(try await cluster.readAll(TopicDeclaration.ordersRejected.name).isEmpty)
    }

    @Test("approve then decline of one held order, back to back, releases it once; a later verdict, after a restart, changes nothing")
    func oneOutcomePerHeldOrder() async throws {
        let cluster = try TestCluster()
        try await cluster.createTopics(Self.names(), partitions: 2)
        let model = try shippedFraudModel()
        let policy = FraudPolicy(reviewAt: 1.0, declineAt: 1.01, alwaysReviewAbove: 5_000)
        let intake = RunningWorker(IntakeStage.definition(), cluster.workerConfiguration())
        var fraud = RunningWorker(FraudStage.definition(model: model, policy: policy), cluster.workerConfiguration())
        try await intake.waitReady()
        try await fraud.waitReady()
        let producer = try cluster.producer()
        func send(_ topic: TopicDeclaration, _ key: String, _ value: JSONValue) async throws {
            try await producer.send(KafkaProducerMessage(topic: cluster.prefix + topic.name, key: Array(key.utf8), value: value.serialized()))
        }
        try await send(.ordersPlaced, "o-held", try exampleOrder().setting(["order_id"], "o-held"))
        _ = try await cluster.waitForKeys(TopicDeclaration.reviewQueue.name, count: 1)
        let at: JSONValue = "2026-11-24T12:00:00Z"
        try await send(.reviewDecisions, "o-held", ["order_id": "o-held", "decision": "approve", "reviewer": "ana", "at": at])
        try await send(.reviewDecisions, "o-held", ["order_id": "o-held", "decision": "decline", "reviewer": "ben", "at": at])
        _ = try await cluster.waitForKeys(TopicDeclaration.ordersApproved.name, count: 1)
        try await cluster.waitCommitted(group: "dropflow.fraud", topic: TopicDeclaration.reviewDecisions.name)

        _ = await fraud.stop()
        fraud = RunningWorker(FraudStage.definition(model: model, policy: policy), cluster.workerConfiguration())
        try await fraud.waitReady()
        try await send(.reviewDecisions, "o-held", ["order_id": "o-held", "decision": "decline", "reviewer": "cy", "at": at])
        try await Task.sleep(for: .seconds(3))
        _ = await fraud.stop()
        _ = await intake.stop()
        await producer.close()

        let approved = try await cluster.readAll(TopicDeclaration.ordersApproved.name)
        let rejected = try await cluster.readAll(TopicDeclaration.ordersRejected.name)
        #expect(approved.count == 1)
        #expect(rejected.isEmpty, "one order, one outcome: \(rejected.map { String(decoding: $0.value ?? [], as: UTF8.self) })")
        #expect(try await cluster.readAll(TopicDeclaration.reviewDecisions.name + ".dlq").isEmpty, "a verdict on a decided order is no error")
    }

    @Test("an order dated in 2999 is held for a person and counts in the velocity windows at the clock's bound, not at its date")
    func aFarFutureOrderDoesNotBecomeNow() async throws {
        let cluster = try TestCluster()
        try await cluster.createTopics(Self.names(), partitions: 2)
        let model = try shippedFraudModel()
        let intake = RunningWorker(IntakeStage.definition(), cluster.workerConfiguration())
        let fraud = RunningWorker(FraudStage.definition(model: model), cluster.workerConfiguration())
        try await intake.waitReady()
        try await fraud.waitReady()
        let producer = try cluster.producer()
        let future = try exampleOrder().setting(["order_id"], "o-2999").setting(["placed_at"], "2999-01-01T00:00:00Z")
        try await producer.send(KafkaProducerMessage(topic: cluster.prefix + TopicDeclaration.ordersPlaced.name, key: Array("o-2999".utf8),
                                                     value: future.serialized()))
        let cases = try await cluster.waitForKeys(TopicDeclaration.reviewQueue.name, count: 1)
        let signals = try await cluster.waitForKeys(TopicDeclaration.fraudSignals.name, count: 1)
        _ = await fraud.stop()
        _ = await intake.stop()
        await producer.close()

        let reviewCase = try JSONValue.parse(cases[0].value ?? [])
        let codes = reviewCase["reasons"]?.arrayValue?.compactMap { $0["code"]?.stringValue } ?? []
        #expect(codes.first == "placed_at_ahead_of_clock", "the reviewer is told why: \(codes)")
        let signal = try JSONValue.parse(signals[0].value ?? [])
        let at = try #require(signal["at"]?.stringValue.flatMap(DateTimeFormat.epochSeconds))
        #expect(at < Int64(Date().timeIntervalSince1970) + 2 * 86_400, "counted at the clock's bound: \(at)")
    }
}
