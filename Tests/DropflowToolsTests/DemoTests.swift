import DropflowContract
import DropflowCore
import DropflowJSON
import DropflowKafkaTesting
import DropflowPipeline
import Foundation
import Testing
@testable import DropflowDemo

/// The demo scores the pipeline honestly: every outcome message is read into the outcome it
/// says, routing's messages into what routing did (never into the fraud outcome), the figures
/// count each order once against its true label, and a short run on a real broker brings every
/// order to an outcome and most approved ones to a valid routing decision.
@Suite struct DemoTests {
    static let order = ValidatedOrder(order: OrderPlaced.example,
                                      intake: IntakeSummary(orderValue: "64.97", fingerprint: "0123456789abcdef"))
    static let verdict = FraudVerdict(score: 0.0123, action: .approve, reasons: [Reason(code: "c", detail: "a reason", weight: 0.5)],
                                      decidedBy: .model, at: "2026-11-24T10:15:00Z", velocity: [:])

    @Test func outcomeMessagesAreReadIntoOutcomes() throws {
        let approved = ApprovedOrder(order: Self.order, fraud: Self.verdict)
        let a = try #require(DemoOutcome.read(topic: .ordersApproved, value: approved.serialized()))
        #expect(a.orderID == "ord-1001")
        #expect(a.outcome == DemoOutcome(kind: .approved, by: "model", score: 0.0123, reasons: ["a reason (+0.50)"]))

        let rejected = OrderRejected(orderID: "o-2", stage: .intake, reasons: [Reason(code: "x", detail: "bad field")], at: "2026-11-24T10:15:00Z")
        let r = try #require(DemoOutcome.read(topic: .ordersRejected, value: rejected.serialized()))
        #expect(r.orderID == "o-2" && r.outcome.kind == .rejected && r.outcome.by == "intake" && r.outcome.reasons == ["bad field"])

        let reviewCase = ReviewCase(orderID: "o-3", stage: "fraud", fraudScore: 0.2, reasons: [Reason(code: "y", detail: "why", weight: -1)],
                                    at: "2026-11-24T10:15:00Z")
        let c = try #require(DemoOutcome.read(topic: .reviewQueue, value: reviewCase.serialized()))
        #expect(c.outcome == DemoOutcome(kind: .review, by: "fraud", score: 0.2, reasons: ["why (-1.00)"]))

        #expect(DemoOutcome.read(topic: .ordersRejected, value: Array("not json".utf8)) == nil)
        #expect(DemoOutcome.read(topic: .ordersPlaced, value: approved.serialized()) == nil, "not an outcome topic")
    }

    static func decision(_ id: String, suppliers: [String], estimated: Bool = false, revision: Int = 1) -> RoutingDecision {
        let window = DeliveryWindow(earliest: "2026-11-26T10:00:00Z", latest: "2026-11-30T10:00:00Z", confidence: 0.8)
        let assignments = suppliers.map {
            RoutingDecision.Assignment(supplierID: $0, skus: ["SKU-1"], carrier: "dhl", cost: "10.00", deliveryWindow: window,
                                       serviceLevel: .standard, lines: [RoutingDecision.Assignment.Line(sku: "SKU-1", quantity: 1)])
        }
        let chosen: JSONValue = ["plan": .string(suppliers.joined(separator: "+")),
                                 "shipments": .array(suppliers.map { _ in ["lane_estimated": .bool(estimated)] })]
        return RoutingDecision(orderID: id, revision: revision, assignments: assignments, deliveryWindow: window, totalCost: "20.00",
                               expectedMargin: "5.00", currency: "EUR",
                               explanation: RoutingDecision.Explanation(summary: "why \(id)", scores: [chosen]), at: "2026-11-24T10:16:00Z")
    }

    @Test func routingMessagesAreReadIntoWhatRoutingDidAndNeverIntoTheFraudOutcome() throws {
        let routed = Self.decision("o-1", suppliers: ["sup-a"])
        let r = try #require(DemoRoutingEvent.read(topic: .ordersRouted, value: routed.serialized(), source: "dropflow/routing"))
        #expect(r.orderID == "o-1" && r.event == .routed(routed))

        let heldCase = ReviewCase(orderID: "o-2", stage: "routing", reasons: [Reason(code: "out_of_stock", detail: "SKU-1: 0 of 1")],
                                  at: "2026-11-24T10:15:00Z")
        let h = try #require(DemoRoutingEvent.read(topic: .reviewQueue, value: heldCase.serialized(), source: "dropflow/routing"))
        #expect(h.orderID == "o-2" && h.event == .held(heldCase.reasons))
        #expect(DemoOutcome.read(topic: .reviewQueue, value: heldCase.serialized()) == nil, "a routing hold is no fraud case")

        let declined = OrderRejected(orderID: "o-2", stage: .review, reasons: [Reason(code: "declined_by_reviewer", detail: "no")],
                                     at: "2026-11-24T10:15:00Z")
        #expect(DemoRoutingEvent.read(topic: .ordersRejected, value: declined.serialized(), source: "dropflow/routing")?.event == .rejected)
        #expect(DemoOutcome.read(topic: .ordersRejected, value: declined.serialized(), source: "dropflow/routing") == nil)
        #expect(DemoRoutingEvent.read(topic: .ordersRejected, value: declined.serialized(), source: "dropflow/fraud") == nil)
        #expect(DemoOutcome.read(topic: .ordersRejected, value: declined.serialized(), source: "dropflow/fraud")?.outcome.kind == .rejected)

        // Routing's follow-ups on orders.approved are not approvals.
        let approved = ApprovedOrder(order: Self.order, fraud: Self.verdict)
        let retry = approved.json.adding(["routing_retry": ["at": "2026-11-24T11:00:00Z", "cause": "offer sup-a/SKU-1"]])
        #expect(DemoOutcome.read(topic: .ordersApproved, value: retry.serialized()) == nil)

        // A hold goes to the reviewer once, with its reasons; a later decision routes it.
        var state = DemoOutcomes.State()
        state.record("o-2", .held(heldCase.reasons))
        state.record("o-2", .held(heldCase.reasons))
        state.record("o-2", .routed(Self.decision("o-2", suppliers: ["sup-a", "sup-b"])))
        #expect(state.reviewQueue == [DemoReviewCase(orderID: "o-2", stage: "routing", reasonCodes: ["out_of_stock"])])
        #expect(state.routing["o-2"]?.state == .routed && state.routing["o-2"]?.wasHeld == true && state.routing["o-2"]?.isSplit == true)
        // A re-route (a later revision) replaces the decision, whatever order they are read in.
        state.record("o-3", .routed(Self.decision("o-3", suppliers: ["sup-b"], revision: 2)))
        state.record("o-3", .routed(Self.decision("o-3", suppliers: ["sup-a"])))
        #expect(state.routing["o-3"]?.decision?.revision == 2 && state.routing["o-3"]?.decision?.assignments.first?.supplierID == "sup-b")
    }

    @Test func theReviewerCancelsWhatWaitingCannotFillAndLeavesTheRestWaiting() {
        #expect(ReviewerVerdicts.decideHeldByRouting(orderID: "o", reasonCodes: ["out_of_stock"], at: "2026-11-24T10:15:00Z") == nil)
        #expect(ReviewerVerdicts.decideHeldByRouting(orderID: "o", reasonCodes: ["supplier_outage"], at: "2026-11-24T10:15:00Z") == nil)
        #expect(ReviewerVerdicts.decideHeldByRouting(orderID: "o", reasonCodes: ["out_of_stock", "no_offer"], at: "2026-11-24T10:15:00Z")?.decision == .decline)
        let declined = ReviewerVerdicts.decideHeldByRouting(orderID: "o", reasonCodes: ["no_lane"], at: "2026-11-24T10:15:00Z")
        #expect(declined?.decision == .decline && declined?.violations().isEmpty == true)
    }

    @Test func theReportSaysWhatRoutingMadeOfTheApprovedOrders() {
        let approved = DemoOutcome(kind: .approved, by: "model", score: 0.01, reasons: [])
        let outcomes: [String: DemoOutcome] = ["a": approved, "b": approved, "c": approved, "d": approved, "e": approved,
                                               "f": DemoOutcome(kind: .rejected, by: "fraud", score: 0.9, reasons: [])]
        let stock = [Reason(code: "out_of_stock", detail: "SKU-9: 0 of 2 units offered by the suppliers that can ship now")]
        let routing: [String: DemoRouting] = [
            "a": DemoRouting(decision: Self.decision("a", suppliers: ["sup-a"])),
            "b": DemoRouting(decision: Self.decision("b", suppliers: ["sup-a", "sup-b"], estimated: true)),
            "c": DemoRouting(decision: Self.decision("c", suppliers: ["sup-b"], revision: 2), holdReasons: stock),
            "d": DemoRouting(holdReasons: stock),
            "e": DemoRouting(holdReasons: [Reason(code: "no_offer", detail: "no supplier offers SKU-0")], rejected: true),
        ]
        let report = DemoReport(outcomes: outcomes, labels: [:], orders: 6, routing: routing, purchaseOrders: 4,
                                supplierAnswers: ["accepted": 3, "backordered": 1, "shipped": 2])
        let r = report.routingFigures
        #expect(r.approved == 5 && r.routed == 3 && r.routedAfterHold == 1 && r.rerouted == 1 && r.split == 1 && r.estimatedLanes == 1)
        #expect(r.held == 3 && r.stillHeld == 1 && r.rejectedAfterHold == 1 && r.noRoutingYet == 0)
        #expect(r.holdReasons == ["out_of_stock": 2, "no_offer": 1])
        let text = report.text
        #expect(text.contains("━━ routing of the 5 approved orders ━━"))
        #expect(text.contains("routed: 3 (1 after a hold, 1 re-routed); split across suppliers: 1; on an estimated lane (no published rate): 1"))
        #expect(text.contains("held by routing: 3 (no_offer 1, out_of_stock 2); still held: 1; rejected by the reviewer: 1"))
        #expect(text.contains("purchase orders: 4; supplier answers: accepted 3, backordered 1, shipped 2"))
        #expect(text.contains("a: 1 supplier, landed 20.00 EUR, delivery 2026-11-26T10:00:00Z – 2026-11-30T10:00:00Z (80%)"))
        #expect(text.contains("b: 2 suppliers") && text.contains("· why b"))
        #expect(text.contains("d: held, out_of_stock: SKU-9"))
    }

    @Test func aRerouteIsTimedByItsWorkerAndFromItsCauseInEventTime() throws {
        var state = DemoOutcomes.State()
        let backorder = SupplierOrderUpdate(orderID: "o-1", supplierID: "sup-a", purchaseOrderID: "po-o-1-sup-a-1", status: .backordered,
                                            at: "2026-11-24T10:16:00Z")
        state.recordAnswer(backorder.serialized())
        state.recordStatus(SupplierStatus(supplierID: "sup-b", status: .outage, updatedAt: "2026-11-24T10:00:00Z").serialized())
        var first = Self.decision("o-1", suppliers: ["sup-c"], revision: 2)
        first.rerouteReason = "sup-a backordered SKU-1"
        state.recordReroute(first, latencyMs: 250)
        var second = Self.decision("o-2", suppliers: ["sup-c"], revision: 2)
        second.rerouteReason = "sup-b is in outage since 2026-11-24T10:00:00Z"
        state.recordReroute(second, latencyMs: 1_500)
        state.recordReroute(Self.decision("o-3", suppliers: ["sup-c"]), latencyMs: 9)  // a first decision: no re-route
        #expect(state.rerouteLatency.wall == [0.25, 1.5])
        #expect(state.rerouteLatency.event == [0, 960], "dated by the backorder itself; 16 minutes after the outage began")
        let report = DemoReport(outcomes: [:], labels: [:], orders: 0, rerouteLatency: state.rerouteLatency)
        #expect(report.text.contains("from cause to re-route (2 timed): wall clock p50 0.25 s, p99 1.50 s; event time p50 0 s, p99 960 s"))
    }

    @Test func aReviewCaseNeverReplacesAFinalOutcome() {
        var state = DemoOutcomes.State()
        let review = DemoOutcome(kind: .review, by: "fraud", score: 0.2, reasons: [])
        let approved = DemoOutcome(kind: .approved, by: "reviewer", score: 0.2, reasons: [])
        state.record("o-1", review)
        state.record("o-1", approved)
        state.record("o-1", review)
        #expect(state.outcomes["o-1"] == approved)
        #expect(state.reviewQueue == [DemoReviewCase(orderID: "o-1", stage: "fraud", reasonCodes: [])], "handed to the reviewer once")
    }

    @Test func theReportCountsEachOrderAgainstItsLabel() {
        let outcomes: [String: DemoOutcome] = [
            "a": DemoOutcome(kind: .rejected, by: "fraud", score: 0.9, reasons: ["cvv (+2.00)"]),
            "b": DemoOutcome(kind: .approved, by: "model", score: 0.01, reasons: []),
            "c": DemoOutcome(kind: .rejected, by: "fraud", score: 0.3, reasons: ["value (+0.40)"]),
            "d": DemoOutcome(kind: .review, by: "fraud", score: 0.2, reasons: []),
            "e": DemoOutcome(kind: .approved, by: "model", score: 0.01, reasons: []),
        ]
        let labels: [String: (fraud: Bool, pattern: String)] = [
            "a": (true, "stolen_card"), "b": (true, "friendly_fraud"), "c": (false, "legit"), "d": (true, "fraud_ring"), "e": (false, "legit"),
        ]
        let report = DemoReport(outcomes: outcomes, labels: labels, orders: 6)
        let f = report.figures
        #expect(f.frauds == 3 && f.legit == 2)
        #expect(f.caught == 1 && f.missed == 1 && f.pendingFraud == 1 && f.falseDeclines == 1)
        #expect(f.missedPatterns == ["friendly_fraud": 1])
        #expect(f.byOutcome == ["rejected by fraud": 2, "approved by model": 2, "review by fraud": 1])
        let text = report.text
        #expect(text.contains("outcome of 5 of 6 orders"))
        #expect(text.contains("fraudulent orders: 3; caught (rejected): 1; missed (approved): 1; still in review: 1"))
        #expect(text.contains("legitimate orders: 2; wrongly rejected: 1"))
        #expect(text.contains("a: rejected, score 0.900, truth: stolen_card") && text.contains("· cvv (+2.00)"))
    }

    @Test func theReviewerIsRightAsOftenAsItsAccuracySays() {
        var perfect = ReviewerVerdicts(accuracy: 1, seed: 1)
        var contrary = ReviewerVerdicts(accuracy: 0, seed: 1)
        for i in 0..<50 {
            let fraud = i % 3 == 0
            #expect(perfect.decide(orderID: "o-\(i)", isFraud: fraud, at: "2026-11-24T10:15:00Z").decision == (fraud ? .decline : .approve))
            #expect(contrary.decide(orderID: "o-\(i)", isFraud: fraud, at: "2026-11-24T10:15:00Z").decision == (fraud ? .approve : .decline))
        }
        var a = ReviewerVerdicts(accuracy: 0.7, seed: 9), b = ReviewerVerdicts(accuracy: 0.7, seed: 9)
        var right = 0
        for i in 0..<2_000 {
            let da = a.decide(orderID: "o-\(i)", isFraud: false, at: "2026-11-24T10:15:00Z")
            #expect(da == b.decide(orderID: "o-\(i)", isFraud: false, at: "2026-11-24T10:15:00Z"), "same seed, same verdicts")
            #expect(da.violations().isEmpty)
            if da.decision == .approve { right += 1 }
        }
        #expect(abs(Double(right) / 2_000 - 0.7) < 0.05, "\(right) of 2000 right")
    }

    /// A short demo on a broker of the test's own: every order placed reaches an outcome, and
    /// most approved orders are routed by decisions the contract accepts.
    @Test(.timeLimit(.minutes(3))) func aShortRunBringsEveryOrderToAnOutcome() async throws {
        let cluster = try TestCluster()
        var options = Demo.Options()
        options.orders = 150
        options.rate = 100
        options.partitions = 2
        options.settleTimeout = .seconds(60)
        let demo = Demo(options: options, kafka: cluster.kafka, prefix: cluster.prefix, logger: testLogger)
        let lines = Collector<String>()
        let report = try await demo.run { lines.append($0) }
        #expect(lines.all.contains { $0.hasPrefix("▶ intake, fraud and routing workers ready") })
        #expect(report.outcomes.count == 150, "\(report.outcomes.count) of 150 orders reached an outcome")
        #expect(report.outcomes.values.allSatisfy { $0.kind != .review }, "the reviewer decided every held order")
        let f = report.figures
        #expect(f.frauds + f.legit == 150)
        #expect(f.caught + f.missed + f.pendingFraud <= f.frauds)
        #expect(report.text.contains("━━ against the simulator's truth ━━"))

        let r = report.routingFigures
        #expect(r.noRoutingYet == 0, "every approved order routed or held: \(r)")
        #expect(r.approved > 100 && Double(r.routed) >= 0.9 * Double(r.approved), "most approved orders routed: \(r)")
        let decisions = report.routing.values.compactMap(\.decision)
        #expect(decisions.count >= r.routed)
        for d in decisions {
            let problems = ContractSchema.routingDecision.validate(d.json)
            #expect(problems.isEmpty, "\(d.orderID): \(problems.map(\.message))")
        }
        #expect(report.purchaseOrders >= r.routed, "a purchase order per supplier of every routed order")
        #expect(report.text.contains("━━ routing of the \(r.approved) approved orders ━━"))
        #expect(report.text.contains("━━ a few routing decisions ━━"))
    }
}
