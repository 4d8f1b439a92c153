import DropflowCore
import DropflowJSON
import DropflowContract

/// Turns a score into a decision, by one of two rules:
///
/// - **`expected_cost`** (what the trainer chooses): approve, review or decline, whichever is
///   expected to cost the merchant least at the order's calibrated probability, value and margin
///   (``FraudCosts``), with ``reviewShadowPrice`` added to each review so that the reviews fit
///   the reviewers' daily capacity, and no decline below the costs' minimum decline probability;
/// - **`thresholds`**: approve below ``reviewAt``, review from ``reviewAt``, decline from
///   ``declineAt`` (an operator who sets `--review-at` or `--decline-at` asks for this rule).
///
/// Under either, an order worth more than ``alwaysReviewAbove`` that would be approved is
/// reviewed instead.
public struct FraudPolicy: Sendable, Hashable {
    /// How a probability becomes an action.
    public enum Rule: String, Sendable, Hashable, CaseIterable {
        case expectedCost = "expected_cost"
        case thresholds
    }

    public var rule: Rule
    /// Probability from which an order is reviewed (rule `thresholds`; under `expected_cost`,
    /// the flag-rate thresholds the trainer also found, kept for comparison).
    public var reviewAt: Double
    /// Probability from which an order is declined (1 means practically never).
    public var declineAt: Double
    /// Order value in minor units of the order's currency above which an order is never
    /// approved unseen; nil for no limit.
    public var alwaysReviewAbove: Double?
    /// The merchant's costs (rule `expected_cost`).
    public var costs: FraudCosts
    /// Added to the cost of each review (in the order's currency) so that the expected reviews
    /// a day fit ``FraudCosts/reviewsPerDay``; found by the trainer.
    public var reviewShadowPrice: Double

    public init(reviewAt: Double, declineAt: Double, alwaysReviewAbove: Double? = nil) {
        precondition(reviewAt <= declineAt, "reviewAt must not exceed declineAt")
        self.rule = .thresholds
        self.reviewAt = reviewAt
        self.declineAt = declineAt
        self.alwaysReviewAbove = alwaysReviewAbove
        self.costs = FraudCosts()
        self.reviewShadowPrice = 0
    }

    /// A policy by expected cost; `reviewAt`/`declineAt` are kept for comparison and for an
    /// operator who switches to thresholds.
    public init(costs: FraudCosts, reviewShadowPrice: Double, reviewAt: Double = 1, declineAt: Double = 1,
                alwaysReviewAbove: Double? = nil) {
        self.init(reviewAt: reviewAt, declineAt: declineAt, alwaysReviewAbove: alwaysReviewAbove)
        self.rule = .expectedCost
        self.costs = costs
        self.reviewShadowPrice = reviewShadowPrice
    }

    /// The action for a probability alone under the thresholds (no value limit, no costs).
    public func action(probability p: Double) -> FraudAction {
        p >= declineAt ? .decline : p >= reviewAt ? .review : .approve
    }

    /// The action for probability `p` on `order` under this policy's rule, and the expected
    /// costs when the rule weighed them. No value limit.
    public func action(probability p: Double, order: OrderEconomics) -> (FraudAction, ExpectedCosts?) {
        switch rule {
        case .thresholds:
            return (action(probability: p), nil)
        case .expectedCost:
            let e = costs.decide(probability: p, order: order, reviewShadowPrice: reviewShadowPrice)
            return (e.action, e)
        }
    }

    /// The decision for `score` on an order worth `orderValue` minor units (thresholds, or
    /// expected costs with the value alone at the default margin).
    public func decide(_ score: FraudScore, orderValue: Double, currency: String? = nil) -> FraudDecision {
        decide(score, order: OrderEconomics(value: orderValue / MoneyAmount.minorUnitsPerUnit(currency: currency)), currency: currency)
    }

    /// The decision for `score` on `order`, in `currency` (for the value limit, in minor units).
    public func decide(_ score: FraudScore, order: OrderEconomics, currency: String?) -> FraudDecision {
        let (action, costs, overLimit) = decision(probability: score.probability, order: order, currency: currency)
        var reasons = score.reasons
        if overLimit, let limit = alwaysReviewAbove {
            let minorValue = order.value * MoneyAmount.minorUnitsPerUnit(currency: currency)
            reasons.insert(FraudReason(code: "order_value_over_review_limit",
                                       detail: "order value " + FraudFeatures.amount(minorValue / 100)
                                           + " is above the review limit " + FraudFeatures.amount(limit / 100),
                                       weight: 0), at: 0)
        }
        if let costs { reasons.append(FraudReason(code: "expected_cost", detail: costs.explanation, weight: 0)) }
        return FraudDecision(action: action, score: score, reasons: reasons, costs: costs)
    }

    /// The action for probability `p` on `order` with the value limit applied, the expected
    /// costs when the rule weighed them (their `action` is the one taken), and whether the limit
    /// turned an approval into a review.
    public func decision(probability p: Double, order: OrderEconomics, currency: String?)
        -> (action: FraudAction, costs: ExpectedCosts?, overLimit: Bool) {
        var (action, costs) = action(probability: p, order: order)
        var overLimit = false
        if action == .approve, let limit = alwaysReviewAbove, order.value * MoneyAmount.minorUnitsPerUnit(currency: currency) > limit {
            action = .review
            overLimit = true
        }
        costs?.action = action
        return (action, costs, overLimit)
    }

    /// `{"rule":..,"review_at":..,"decline_at":..,"always_review_above":..[,"costs":{..},"review_shadow_price":..]}`.
    public var json: JSONValue {
        var o: [String: JSONValue] = ["rule": .string(rule.rawValue), "review_at": .double(reviewAt), "decline_at": .double(declineAt)]
        o["always_review_above"] = alwaysReviewAbove.map(JSONValue.double) ?? .null
        if rule == .expectedCost {
            o["costs"] = costs.json
            o["review_shadow_price"] = .double(reviewShadowPrice)
        }
        return .object(o)
    }

    /// Reads ``json``; a file without `rule` (written before the costs) means `thresholds`.
    init?(json: JSONValue) {
        guard let review = json["review_at"]?.doubleValue, let decline = json["decline_at"]?.doubleValue,
              review <= decline else { return nil }
        self.init(reviewAt: review, declineAt: decline, alwaysReviewAbove: json["always_review_above"]?.doubleValue)
        switch json["rule"]?.stringValue {
        case nil, "thresholds":
            break
        case "expected_cost":
            guard let costs = json["costs"].flatMap(FraudCosts.init(json:)),
                  let shadow = json["review_shadow_price"]?.doubleValue, shadow >= 0 else { return nil }
            rule = .expectedCost
            self.costs = costs
            reviewShadowPrice = shadow
        default:
            return nil
        }
    }
}
