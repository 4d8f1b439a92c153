import DropflowContract
import DropflowCore
import DropflowJSON
import DropflowKafkaTesting
import DropflowPipeline
import Foundation
import Testing
@testable import DropflowDemo

/// The demo scores the pipeline honestly: every outcome message is read into the outcome it
/// says, the figures count each order once against its true label, and a short run on a real
/// broker brings every order to an outcome.
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

    @Test func aReviewCaseNeverReplacesAFinalOutcome() {
        var state = DemoOutcomes.State()
        let review = DemoOutcome(kind: .review, by: "fraud", score: 0.2, reasons: [])
        let approved = DemoOutcome(kind: .approved, by: "reviewer", score: 0.2, reasons: [])
        state.record("o-1", review)
        state.record("o-1", approved)
        state.record("o-1", review)
        #expect(state.outcomes["o-1"] == approved)
        #expect(state.reviewQueue == ["o-1"], "handed to the reviewer once")
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

    /// A short demo on a broker of the test's own: every order placed reaches an outcome.
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
        #expect(lines.all.contains { $0.hasPrefix("▶ intake and fraud workers ready") })
        #expect(report.outcomes.count == 150, "\(report.outcomes.count) of 150 orders reached an outcome")
        #expect(report.outcomes.values.allSatisfy { $0.kind != .review }, "the reviewer decided every held order")
        let f = report.figures
        #expect(f.frauds + f.legit == 150)
        #expect(f.caught + f.missed + f.pendingFraud <= f.frauds)
        #expect(report.text.contains("━━ against the simulator's truth ━━"))
    }
}
