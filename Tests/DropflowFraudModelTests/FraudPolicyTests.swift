import DropflowJSON
import Testing
@testable import DropflowFraudModel

/// The expected-cost policy as the stage and the trainer use it: the cheapest action with its
/// costs as a reason, the value limit on top, the model file's form of it, what a decision cost
/// once the truth is known, the price per review that fits the reviewers' capacity, and the
/// reliability table.
@Suite struct FraudPolicyTests {
    let costs = FraudCosts()

    func score(_ p: Double) -> FraudScore { FraudScore(probability: p, logOdds: 0, reasons: []) }

    @Test func theExpectedCostRuleTakesTheCheapestActionAndSaysWhy() {
        let policy = FraudPolicy(costs: costs, reviewShadowPrice: 0)
        let order = OrderEconomics(value: 120.8, valueByCategory: ["electronics": 120.8])
        for p in [0.001, 0.05, 0.132, 0.6, 0.95] {
            let d = policy.decide(score(p), order: order, currency: "USD")
            let e = try! #require(d.costs)
            #expect(d.action == e.action)
            #expect(e.chosen == min(e.approve, e.review, e.decline) || (p < costs.minimumDeclineProbability && d.action != .decline))
            #expect(d.reasons.last?.code == "expected_cost" && d.reasons.last!.detail.hasSuffix("(\(d.action.rawValue))"),
                    "\(d.reasons)")
        }
        // The merchant's report: 13 % on 120.80 of electronics was declined; not any more.
        #expect(policy.decide(score(0.132), order: order, currency: "USD").action != .decline)
    }

    @Test func theValueLimitSendsAnApprovalToAPersonAndLeadsTheReasons() {
        let policy = FraudPolicy(costs: costs, reviewShadowPrice: 0, alwaysReviewAbove: 100_000)  // 1,000.00
        let dear = policy.decide(score(0.0001), order: OrderEconomics(value: 1_200), currency: "EUR")
        #expect(dear.action == .review)
        #expect(dear.reasons.first?.code == "order_value_over_review_limit")
        #expect(dear.costs?.action == .review, "the costs say what was done")
        #expect(policy.decide(score(0.0001), order: OrderEconomics(value: 900), currency: "EUR").action == .approve)
        // Zero-decimal currencies: the limit is in minor units, which for JPY are yen.
        #expect(policy.decide(score(0.0001), order: OrderEconomics(value: 120_000), currency: "JPY").action == .review)
    }

    @Test func aShadowPriceAndCustomersWhoWalkAwayMakeReviewsDearer() {
        let order = OrderEconomics(value: 100, valueByCategory: ["home": 100])
        let plain = FraudPolicy(costs: costs, reviewShadowPrice: 0).decide(score(0.06), order: order, currency: "EUR")
        let priced = FraudPolicy(costs: costs, reviewShadowPrice: 5).decide(score(0.06), order: order, currency: "EUR")
        #expect(priced.costs!.review == plain.costs!.review + 5)
        var patient = costs
        patient.heldCustomerLoss = 0
        var impatient = costs
        impatient.heldCustomerLoss = 0.2
        #expect(impatient.decide(probability: 0.06, order: order).review > patient.decide(probability: 0.06, order: order).review)
    }

    @Test func thePolicyTravelsInTheModelFileAndAnOlderFileMeansThresholds() throws {
        var c = costs
        c.chargebackFee = 15
        c.marginByCategory = ["toys": 0.4]
        c.heldCustomerLoss = 0.03
        let policy = FraudPolicy(costs: c, reviewShadowPrice: 2.5, reviewAt: 0.05, declineAt: 0.3, alwaysReviewAbove: 200_000)
        let read = try #require(FraudPolicy(json: policy.json))
        #expect(read == policy)
        let older: JSONValue = ["review_at": 0.08, "decline_at": 0.9, "always_review_above": .null]
        let thresholds = try #require(FraudPolicy(json: older))
        #expect(thresholds.rule == .thresholds && thresholds.reviewAt == 0.08)
        #expect(thresholds.decide(score(0.1), orderValue: 5_000).action == .review)
        #expect(thresholds.decide(score(0.1), orderValue: 5_000).costs == nil)
        var unknown = policy.json
        if case .object(var o) = unknown { o["rule"] = "coin_flip"; unknown = .object(o) }
        #expect(FraudPolicy(json: unknown) == nil)
        var badMargin = policy.json
        if case .object(var o) = badMargin { o["costs"] = ["margin_by_category": ["toys": 1.5]]; badMargin = .object(o) }
        #expect(FraudPolicy(json: badMargin) == nil, "a margin above 1 is refused")
    }

    @Test func whatADecisionCostOnceTheTruthIsKnown() {
        let order = OrderEconomics(value: 100, valueByCategory: ["apparel": 100])  // margin 0.45
        let fraudLoss = 100 * 0.55 + costs.shippingCost + costs.chargebackFee
        let goodLoss = 100 * 0.45 + costs.customerValueLost
        #expect(costs.realized(.approve, isFraud: true, order: order) == fraudLoss)
        #expect(costs.realized(.approve, isFraud: false, order: order) == 0)
        #expect(costs.realized(.decline, isFraud: false, order: order) == goodLoss)
        #expect(costs.realized(.decline, isFraud: true, order: order) == 0)
        #expect(abs(costs.realized(.review, isFraud: true, order: order) - (costs.reviewCost + 0.1 * fraudLoss)) < 1e-9)
        #expect(abs(costs.realized(.review, isFraud: false, order: order) - (costs.reviewCost + costs.goodHoldLoss * goodLoss)) < 1e-9)
    }

    static func row(_ p: Double, fraud: Bool, hour: Int64, value: Double = 100, pattern: String? = nil) -> FeatureReplay.Row {
        FeatureReplay.Row(features: FraudFeatures(), isFraud: fraud, at: 1_795_478_400 + hour * 3_600, value: value * 100,
                          economics: OrderEconomics(value: value, valueByCategory: ["home": value]), pattern: pattern, currency: "EUR")
    }

    @Test func anOutcomeCountsCatchesHoldsCostAndReviewsADay() {
        let rows = [Self.row(0.9, fraud: true, hour: 0, pattern: "stolen_card"), Self.row(0.9, fraud: true, hour: 1, pattern: "friendly_fraud"),
                    Self.row(0.1, fraud: false, hour: 2), Self.row(0.1, fraud: false, hour: 3), Self.row(0.1, fraud: false, hour: 48)]
        let o = PolicyOutcome(name: "t", actions: [.decline, .approve, .review, .approve, .decline], rows: rows, costs: costs)
        #expect(o.frauds == 2 && o.fraudCaught == 1 && o.recall == 0.5)
        #expect(o.detectableRecall == 1, "stolen cards are detectable, friendly fraud is not")
        #expect(o.recall(patterns: ["friendly_fraud"]) == 0)
        #expect(o.goodReviewed == 1 && o.goodDeclined == 1 && abs(o.goodHoldRate - 2.0 / 3) < 1e-9)
        #expect(o.days == 2 && o.reviewsPerDay == 0.5)
        let expected = rows.indices.reduce(0.0) { sum, i in
            sum + costs.realized([.decline, .approve, .review, .approve, .decline][i], isFraud: rows[i].isFraud, order: rows[i].economics)
        }
        #expect(abs(o.cost - expected) < 1e-9 && abs(o.costPerOrder - expected / 5) < 1e-9)
        #expect(PolicyOutcome(name: "t", actions: [.review], rows: [rows[0]], costs: costs, days: 4).reviewsPerDay == 0.25)
    }

    @Test func theShadowPriceIsTheLeastThatFitsTheReviewsIntoTheCapacity() {
        // Two days of 100-unit orders at 8 % (a person is cheaper than approving them): 40 a day.
        var rows: [FeatureReplay.Row] = []
        var probabilities: [Double] = []
        for i in 0..<80 {
            rows.append(Self.row(0.08, fraud: i % 12 == 0, hour: Int64(i) * 48 / 80))
            probabilities.append(i < 60 ? 0.08 : 0.2)
        }
        var c = costs
        c.reviewsPerDay = 1_000
        #expect(FraudTrainer.reviewShadowPrice(probabilities: probabilities, rows: rows, costs: c, alwaysReviewAbove: nil) == 0,
                "reviews within capacity cost nothing extra")
        c.reviewsPerDay = 12
        let price = FraudTrainer.reviewShadowPrice(probabilities: probabilities, rows: rows, costs: c, alwaysReviewAbove: nil)
        func reviewsPerDay(_ s: Double) -> Double {
            PolicyOutcome(name: "", policy: FraudPolicy(costs: c, reviewShadowPrice: s), probabilities: probabilities, rows: rows).reviewsPerDay
        }
        #expect(price > 0 && reviewsPerDay(price) <= 12, "price \(price): \(reviewsPerDay(price)) a day")
        #expect(reviewsPerDay(max(0, price - 0.02)) > 12, "a cent or two less would not fit")
        #expect(reviewsPerDay(price) >= 10, "the riskier orders still go to a person")
    }

    @Test func theReliabilityTableBinsPredictionsAndMeasuresTheGap() {
        let probabilities = [0.001, 0.002, 0.004, 0.03, 0.04, 0.6, 0.9, 1.0]
        let labels = [false, false, false, false, true, true, true, true]
        let t = ReliabilityTable(probabilities: probabilities, labels: labels)
        #expect(t.orders == 8)
        #expect(t.bins[0].orders == 3 && t.bins[0].frauds == 0)
        let bin = t.bins.first { $0.lower == 0.02 }!
        #expect(bin.orders == 2 && bin.observed == 0.5 && abs(bin.meanPredicted - 0.035) < 1e-12)
        #expect(t.bins.last!.orders == 3 && t.bins.last!.observed == 1, "1.0 falls in the last, closed bin")
        let gaps = t.bins.reduce(0.0) { $0 + Double($1.orders) / 8 * abs($1.meanPredicted - $1.observed) }
        #expect(abs(t.expectedCalibrationError - gaps) < 1e-12 && t.expectedCalibrationError > 0)
        #expect(t.text.contains("expected calibration error"))
    }
}
