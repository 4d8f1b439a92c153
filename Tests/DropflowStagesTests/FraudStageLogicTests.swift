import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowPipeline
import DropflowFraudModel
import DropflowRuntime
import Foundation
import Testing
import DropflowFraud
import DropflowIntake
import DropflowPipeline
@testable import DropflowStages

/// The fraud stage's decisions and messages without Kafka: every message satisfies the
/// contract, intake's holds always reach a person, and a reviewer's verdict releases or rejects.
@Suite struct FraudStageLogicTests {
    func accepted(_ order: JSONValue) throws -> ValidatedOrder {
        guard case .accept(let o) = IntakeDecider().decide(order.serialized(), seenFingerprint: { _ in nil }, isOffered: nil) else {
            throw StageError.permanent("not accepted")
        }
        return o
    }

    func features(_ o: ValidatedOrder) -> FraudFeatures {
        FraudFeatures(order: o.order, computedValue: o.intake.orderValue, history: OrderHistory())
    }

    @Test func everyActionPublishesContractValidMessages() throws {
        let model = try shippedFraudModel()
        let order = try accepted(try exampleOrder())
        let score = model.score(features(order))
        for action in FraudAction.allCases {
            let decision = FraudDecision(action: action, score: score, reasons: score.reasons)
            let outputs = FraudStage.outputs(FraudMessages.publications(for: decision, history: OrderHistory(), order: order,
                                                                        at: "2026-11-24T10:15:00Z"))
            for out in outputs {
                let v = try JSONValue.parse(out.value ?? [])
                switch out.topic {
                case TopicDeclaration.ordersApproved: #expect(ContractSchema.orderPlaced.validate(v).isEmpty)
                case TopicDeclaration.reviewQueue: #expect(ContractSchema.reviewCase.validate(v).isEmpty)
                case TopicDeclaration.ordersRejected:
                    #expect(ContractSchema.orderRejected.validate(v).isEmpty)
                    #expect(v["stage"]?.stringValue == "fraud")
                case TopicDeclaration.fraudHeld: #expect(v["order"]?["order_id"]?.stringValue == "ord-1001")
                default: Issue.record("unexpected topic \(out.topic)")
                }
            }
            let topics = Set(outputs.map(\.topic))
            switch action {
            case .approve: #expect(topics == [TopicDeclaration.ordersApproved])
            case .review: #expect(topics == [TopicDeclaration.reviewQueue, TopicDeclaration.fraudHeld])
            case .decline: #expect(topics == [TopicDeclaration.ordersRejected])
            }
        }
    }

    @Test func anOrderIntakeFlaggedIsReviewedWithIntakesReasonFirst() throws {
        let model = try shippedFraudModel()
        let offered: Set<String> = ["LAMP-ARC-BLK"]
        guard case .accept(let order) = IntakeDecider().decide(try exampleOrder().serialized(), seenFingerprint: { _ in nil },
                                                                     isOffered: { offered.contains($0) }) else {
            Issue.record("not accepted"); return
        }
        let decision = FraudDecider(model: model).decide(order: order, history: OrderHistory())
        #expect(decision.action != .approve)
        #expect(decision.reasons.first?.code == "unknown_sku")
    }

    @Test func aReviewersVerdictReleasesOrRejectsTheHeldOrder() throws {
        let model = try shippedFraudModel()
        let order = try accepted(try exampleOrder())
        let score = model.score(features(order))
        let outputs = FraudStage.outputs(FraudMessages.publications(for: FraudDecision(action: .review, score: score, reasons: score.reasons),
                                                                    history: OrderHistory(), order: order, at: "2026-11-24T10:15:00Z"))
        let held = try HeldOrder(bytes: outputs.first { $0.topic == TopicDeclaration.fraudHeld }!.value!)

        let approve = FraudStage.outputs(FraudMessages.publications(
            forReview: ReviewDecision(orderID: "ord-1001", decision: .approve, reviewer: "ana", at: "2026-11-24T11:00:00Z"),
            held: held, at: "2026-11-24T11:00:01Z"))
        #expect(approve.map(\.topic) == [TopicDeclaration.ordersApproved, TopicDeclaration.fraudHeld])
        #expect(approve[1].value == nil, "taken off hold with a tombstone")
        let released = try JSONValue.parse(approve[0].value!)
        #expect(released["fraud"]?["decided_by"]?.stringValue == "reviewer")
        #expect(ContractSchema.orderPlaced.validate(released).isEmpty)

        let decline = FraudStage.outputs(FraudMessages.publications(
            forReview: ReviewDecision(orderID: "ord-1001", decision: .decline, reviewer: "ana", at: "2026-11-24T11:00:00Z"),
            held: held, at: "2026-11-24T11:00:01Z"))
        let rejection = try JSONValue.parse(decline[0].value!)
        #expect(decline[0].topic == TopicDeclaration.ordersRejected)
        #expect(rejection["stage"]?.stringValue == "review")
        #expect(ContractSchema.orderRejected.validate(rejection).isEmpty)
    }

    @Test func aRestartedWorkerRebuildsTheSameVelocityFromTheSignals() throws {
        let base = try accepted(try exampleOrder())
        let signals = (0..<6).map { i -> OrderSignal in
            var o = base
            o.order.orderID = "o-\(i)"
            o.order.placedAt = "2026-11-24T10:\(10 + i * 5):00Z"
            o.order.customer.id = "cus-\(i % 3)"
            return OrderSignal(order: o.order, computedValue: o.intake.orderValue)!
        }
        let before = FraudMemory(horizonSeconds: 86_400 * 30)
        for s in signals.dropLast() { before.record(s) }
        let a = before.history(recording: signals.last!)
        // After a restart: the signals topic replayed, in another order, with a redelivery.
        let after = FraudMemory(horizonSeconds: 86_400 * 30)
        for s in signals.dropLast().reversed() + [signals[0]] { after.record(s) }
        let b = after.history(recording: signals.last!)
        #expect(a == b)
        #expect(a.card1h == 5 && a.cardCustomers24h == 2, "five earlier orders on the card, from two other customers")
    }

    @Test func theShippedModelLoadsAndExplainsARiskyOrder() throws {
        let model = try shippedFraudModel()
        let risky = try accepted(try exampleOrder()
            .setting(["payment", "avs_result"], "N").setting(["payment", "cvv_result"], "N")
            .setting(["payment", "card_country"], "NG").setting(["payment", "ip_country"], "RU")
            .setting(["customer", "previous_orders"], 0).setting(["customer", "account_created_at"], "2026-11-24T10:00:00Z"))
        let safe = model.score(features(try accepted(try exampleOrder())))
        let score = model.score(features(risky))
        #expect(score.probability > safe.probability * 5, "\(score.probability) vs \(safe.probability)")
        let codes = score.reasons.map(\.code)
        #expect(!codes.isEmpty && score.reasons.allSatisfy { !$0.detail.isEmpty })
        #expect(codes.contains { $0.contains("cvv") || $0.contains("avs") || $0.contains("country") }, "\(codes)")
    }
}
