import DropflowFraudModel
import Testing

/// Decisions by expected cost: declining a good order and approving a fraud are weighed in the
/// merchant's money, a borderline order goes to a person, and more evidence never softens the
/// decision.
@Suite struct FraudCostsTests {
    let costs = FraudCosts()

    @Test func theIssuesDeclineAtThirteenPercentCostsMoreThanApprovingOrAPerson() {
        // 120.80 USD of electronics at p = 0.132: the shipped model declined it.
        let margin = costs.margin(valueByCategory: ["electronics": 120.8])
        let e = costs.decide(probability: 0.132, orderValue: 120.8, margin: margin)
        #expect(e.action != .decline, "\(e.explanation)")
        #expect(e.decline > e.approve, "declining a 13 % risk loses more than approving it: \(e.explanation)")
    }

    @Test func strongEvidenceOnADearOrderIsDeclinedAndALowRiskIsApproved() {
        let dear = costs.decide(probability: 0.9, orderValue: 900, margin: 0.15)
        #expect(dear.action == .decline, "\(dear.explanation)")
        let clean = costs.decide(probability: 0.002, orderValue: 60, margin: 0.3)
        #expect(clean.action == .approve, "\(clean.explanation)")
        #expect(clean.chosen == min(clean.approve, clean.review, clean.decline))
    }

    @Test func aBorderlineOrderGoesToAPersonNotToADecline() {
        // Below the minimum decline probability the arithmetic may favour declining a cheap,
        // thin-margin order; the policy sends it to a person instead.
        let e = costs.decide(probability: 0.4, orderValue: 300, margin: 0.1)
        #expect(e.decline < e.approve, "declining is cheaper on paper: \(e.explanation)")
        #expect(e.action == .review, "\(e.explanation)")
    }

    @Test func moreEvidenceNeverSoftensTheDecision() {
        let rank: [FraudAction: Int] = [.approve: 0, .review: 1, .decline: 2]
        for value in [10.0, 50, 120, 300, 1_000, 5_000] {
            for margin in [0.1, 0.3, 0.6] {
                var last = 0
                for step in 0...1_000 {
                    let r = rank[costs.decide(probability: Double(step) / 1_000, orderValue: value, margin: margin).action]!
                    #expect(r >= last, "value \(value) margin \(margin): softer at p = \(Double(step) / 1_000)")
                    last = r
                }
            }
        }
    }

    @Test func approvingAndDecliningCostTheSameAtTheBreakEven() {
        let p = costs.breakEven(orderValue: 250, margin: 0.2)
        let e = costs.decide(probability: p, orderValue: 250, margin: 0.2)
        #expect(abs(e.approve - e.decline) < 1e-9)
        #expect(p > 0 && p < 1)
    }

    @Test func aShadowPriceOnReviewsSendsFewerOrdersToAPerson() {
        let probabilities = (0...200).map { Double($0) / 1_000 }
        func reviews(_ price: Double) -> Int {
            probabilities.filter { costs.decide(probability: $0, orderValue: 150, margin: 0.3, reviewShadowPrice: price).action == .review }.count
        }
        #expect(reviews(0) > 0)
        #expect(reviews(5) < reviews(0))
    }

    @Test func anOrdersMarginIsItsCategoriesWeightedByValue() {
        #expect(abs(costs.margin(valueByCategory: ["electronics": 100, "apparel": 100]) - 0.30) < 1e-12)
        #expect(costs.margin(valueByCategory: [:]) == costs.defaultMargin)
        #expect(costs.margin(valueByCategory: ["garden": 10]) == costs.defaultMargin)
    }

    @Test func theExplanationNamesEveryCostAndTheChoice() {
        let e = ExpectedCosts(approve: 3.205, review: 4.02, decline: 97.1, action: .approve)
        #expect(e.explanation == "expected cost: approve 3.21, review 4.02, decline 97.10 (approve)")
    }
}
