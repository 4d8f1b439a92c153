import DropflowCore
import DropflowJSON
import DropflowContract

/// Turns a score into a decision: approve below ``reviewAt``, review from ``reviewAt``, decline
/// from ``declineAt``; and review any order worth more than ``alwaysReviewAbove`` that would
/// otherwise be approved.
public struct FraudPolicy: Sendable, Hashable {
    /// Probability from which an order is reviewed.
    public var reviewAt: Double
    /// Probability from which an order is declined (1 means practically never).
    public var declineAt: Double
    /// Order value in minor units of the order's currency above which an order is never
    /// approved unseen; nil for no limit.
    public var alwaysReviewAbove: Double?

    public init(reviewAt: Double, declineAt: Double, alwaysReviewAbove: Double? = nil) {
        precondition(reviewAt <= declineAt, "reviewAt must not exceed declineAt")
        self.reviewAt = reviewAt
        self.declineAt = declineAt
        self.alwaysReviewAbove = alwaysReviewAbove
    }

    /// The action for a probability alone (no value limit).
    public func action(probability p: Double) -> FraudAction {
        p >= declineAt ? .decline : p >= reviewAt ? .review : .approve
    }

    /// The decision for `score` on an order worth `orderValue` minor units.
    public func decide(_ score: FraudScore, orderValue: Double) -> FraudDecision {
        var action = action(probability: score.probability)
        var reasons = score.reasons
        if action == .approve, let limit = alwaysReviewAbove, orderValue > limit {
            action = .review
            reasons.insert(FraudReason(code: "order_value_over_review_limit",
                                       detail: "order value " + FraudFeatures.amount(orderValue / 100)
                                           + " is above the review limit " + FraudFeatures.amount(limit / 100),
                                       weight: 0), at: 0)
        }
        return FraudDecision(action: action, score: score, reasons: reasons)
    }

    /// `{"review_at":..,"decline_at":..,"always_review_above":..}`.
    public var json: JSONValue {
        var o: [String: JSONValue] = ["review_at": .double(reviewAt), "decline_at": .double(declineAt)]
        o["always_review_above"] = alwaysReviewAbove.map(JSONValue.double) ?? .null
        return .object(o)
    }

    init?(json: JSONValue) {
        guard let review = json["review_at"]?.doubleValue, let decline = json["decline_at"]?.doubleValue,
              review <= decline else { return nil }
        self.init(reviewAt: review, declineAt: decline, alwaysReviewAbove: json["always_review_above"]?.doubleValue)
    }
}
