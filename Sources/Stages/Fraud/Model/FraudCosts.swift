import DropflowContract
import DropflowCore

/// What each fraud decision costs a merchant, and the decision with the least expected cost for
/// an order's calibrated fraud probability (issue 12's policy; the trainer and the stage do not
/// use it yet, `FraudPolicy`'s thresholds still decide).
///
/// Amounts are in the order's currency, in major units. With `p` the probability that the order
/// is fraud, `V` its value and `m` its gross margin:
/// - **approve** loses, if it is fraud, the goods and the shipping (the landed cost,
///   `V·(1 − m) + shipping`) and the chargeback fee: `p · fraudLoss`;
/// - **decline** loses, if it is a good order, its margin and what the turned-away customer
///   would have brought: `(1 − p) · (V·m + customerValueLost)`;
/// - **review** costs a person's time and what the person gets wrong:
///   `reviewCost + p·(1 − catchRate)·fraudLoss + (1 − p)·(1 − releaseRate)·goodLoss`, plus a
///   shadow price per review that the trainer raises until the expected reviews fit the
///   reviewers' daily capacity.
///
/// Declining needs strong evidence on top of the arithmetic: below `minimumDeclineProbability`
/// the choice is between approving and a person, so a borderline order goes to a person.
public struct FraudCosts: Sendable, Hashable {
    /// Paid to the card network for each chargeback.
    public var chargebackFee = 25.0
    /// Shipping paid on an order, lost with the goods when it is fraud.
    public var shippingCost = 8.0
    /// Gross margin by product category (share of the price); `defaultMargin` for the rest.
    /// The fraud stage reads no offers, so margins come from configuration.
    public var marginByCategory: [String: Double] = ["electronics": 0.15, "apparel": 0.45, "beauty": 0.55, "home": 0.35, "toys": 0.35]
    public var defaultMargin = 0.30
    /// What a good customer wrongly turned away is expected to take with them (future margin).
    public var customerValueLost = 20.0
    /// A person's look at one order.
    public var reviewCost = 3.0
    /// Reviews the merchant's people can do in a day.
    public var reviewsPerDay = 200
    /// Share of the frauds a reviewer declines, and of the good orders a reviewer releases.
    public var reviewerCatchRate = 0.9
    public var reviewerReleaseRate = 0.97
    /// No decline below this probability, whatever the arithmetic says.
    public var minimumDeclineProbability = 0.5

    public init() {}

    /// The order's gross margin: the categories' margins weighted by the value in each.
    public func margin(valueByCategory: [String: Double]) -> Double {
        let total = valueByCategory.values.reduce(0, +)
        guard total > 0 else { return defaultMargin }
        return valueByCategory.reduce(0) { $0 + $1.value / total * (marginByCategory[$1.key] ?? defaultMargin) }
    }

    /// Lost when a fraud is let through: the goods at their landed cost, shipping, the fee.
    public func fraudLoss(orderValue: Double, margin: Double) -> Double {
        orderValue * (1 - margin) + shippingCost + chargebackFee
    }

    /// Lost when a good order is declined: its margin and the customer's expected future value.
    public func goodLoss(orderValue: Double, margin: Double) -> Double {
        orderValue * margin + customerValueLost
    }

    /// The expected cost of each action, and the one to take.
    public func decide(probability p: Double, orderValue: Double, margin: Double, reviewShadowPrice: Double = 0) -> ExpectedCosts {
        let fraud = fraudLoss(orderValue: orderValue, margin: margin), good = goodLoss(orderValue: orderValue, margin: margin)
        let approve = p * fraud
        let decline = (1 - p) * good
        let review = reviewCost + reviewShadowPrice + p * (1 - reviewerCatchRate) * fraud + (1 - p) * (1 - reviewerReleaseRate) * good
        var action: FraudAction = review < approve ? .review : .approve
        if p >= minimumDeclineProbability, decline < min(approve, review) { action = .decline }
        return ExpectedCosts(approve: approve, review: review, decline: decline, action: action)
    }

    /// The probability at which approving and declining cost the same: declining pays above it.
    public func breakEven(orderValue: Double, margin: Double) -> Double {
        let fraud = fraudLoss(orderValue: orderValue, margin: margin), good = goodLoss(orderValue: orderValue, margin: margin)
        return good / (good + fraud)
    }
}

/// The expected cost of approving, reviewing and declining one order, and the action chosen.
public struct ExpectedCosts: Sendable, Hashable {
    public var approve: Double
    public var review: Double
    public var decline: Double
    public var action: FraudAction

    public init(approve: Double, review: Double, decline: Double, action: FraudAction) {
        self.approve = approve
        self.review = review
        self.decline = decline
        self.action = action
    }

    /// The chosen action's expected cost.
    public var chosen: Double {
        switch action {
        case .approve: approve
        case .review: review
        case .decline: decline
        }
    }

    /// For a reviewer: "expected cost: approve 3.21, review 4.02, decline 97.10 (approved)".
    public var explanation: String {
        "expected cost: approve " + Self.amount(approve) + ", review " + Self.amount(review) + ", decline " + Self.amount(decline)
            + " (" + action.rawValue + ")"
    }

    static func amount(_ x: Double) -> String { MoneyAmount(cents: Int64((x * 100).rounded())).description }
}
