import DropflowContract
import DropflowCore
import DropflowJSON

/// What each fraud decision costs a merchant, and the decision with the least expected cost for
/// an order's calibrated fraud probability (the rule of ``FraudPolicy``'s `expected_cost`).
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
    public var marginByCategory: [String: Double] = [
        "electronics": 0.15, "gift_cards": 0.05, "apparel": 0.45, "beauty": 0.55, "home": 0.35, "kitchen": 0.35, "toys": 0.35,
        "sports": 0.35, "pets": 0.35,
    ]
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
    /// Share of good customers whose order is held for a person who cancel or do not come
    /// back: a hold delays an order that already travels for days, and the customer notices.
    public var heldCustomerLoss = 0.02
    /// No decline below this probability, whatever the arithmetic says.
    public var minimumDeclineProbability = 0.5

    public init() {}

    /// The order's gross margin: the categories' margins weighted by the value in each.
    public func margin(valueByCategory: [String: Double]) -> Double {
        let total = valueByCategory.values.reduce(0, +)
        guard total > 0 else { return defaultMargin }
        return valueByCategory.reduce(0) { $0 + $1.value / total * (marginByCategory[$1.key] ?? defaultMargin) }
    }

    /// The gross margin of an order.
    public func margin(of order: OrderEconomics) -> Double { margin(valueByCategory: order.valueByCategory) }

    /// The expected costs of deciding `order` at probability `p`.
    public func decide(probability p: Double, order: OrderEconomics, reviewShadowPrice: Double = 0) -> ExpectedCosts {
        decide(probability: p, orderValue: order.value, margin: margin(of: order), reviewShadowPrice: reviewShadowPrice)
    }

    /// What an action cost once the truth is known: approving a fraud loses the goods, shipping
    /// and fee; declining a good order its margin and the customer; a review costs the person's
    /// time and, at the reviewers' error rates, the expected loss of what they get wrong.
    public func realized(_ action: FraudAction, isFraud: Bool, order: OrderEconomics) -> Double {
        let m = margin(of: order)
        let fraud = fraudLoss(orderValue: order.value, margin: m), good = goodLoss(orderValue: order.value, margin: m)
        switch action {
        case .approve: return isFraud ? fraud : 0
        case .decline: return isFraud ? 0 : good
        case .review: return reviewCost + (isFraud ? (1 - reviewerCatchRate) * fraud : goodHoldLoss * good)
        }
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
        let review = reviewCost + reviewShadowPrice + p * (1 - reviewerCatchRate) * fraud + (1 - p) * goodHoldLoss * good
        var action: FraudAction = review < approve ? .review : .approve
        if p >= minimumDeclineProbability, decline < min(approve, review) { action = .decline }
        return ExpectedCosts(approve: approve, review: review, decline: decline, action: action)
    }

    /// The costs as the model file keeps them (`thresholds.costs`), sorted keys.
    public var json: JSONValue {
        var margins: [String: JSONValue] = [:]
        for (k, v) in marginByCategory { margins[k] = .double(v) }
        return [
            "chargeback_fee": .double(chargebackFee), "shipping_cost": .double(shippingCost),
            "margin_by_category": .object(margins), "default_margin": .double(defaultMargin),
            "customer_value_lost": .double(customerValueLost), "review_cost": .double(reviewCost),
            "reviews_per_day": .integer(Int64(reviewsPerDay)), "reviewer_catch_rate": .double(reviewerCatchRate),
            "reviewer_release_rate": .double(reviewerReleaseRate), "minimum_decline_probability": .double(minimumDeclineProbability),
            "held_customer_loss": .double(heldCustomerLoss),
        ]
    }

    /// Reads ``json``; a missing member keeps its default, a malformed one fails.
    public init?(json: JSONValue) {
        guard json.objectValue != nil else { return nil }
        self.init()
        func number(_ key: String, _ into: inout Double) -> Bool {
            guard let v = json[key], !v.isNull else { return true }
            guard let d = v.doubleValue, d.isFinite, d >= 0 else { return false }
            into = d
            return true
        }
        var perDay = Double(reviewsPerDay)
        guard number("chargeback_fee", &chargebackFee), number("shipping_cost", &shippingCost),
              number("default_margin", &defaultMargin), number("customer_value_lost", &customerValueLost),
              number("review_cost", &reviewCost), number("reviews_per_day", &perDay),
              number("reviewer_catch_rate", &reviewerCatchRate), number("reviewer_release_rate", &reviewerReleaseRate),
              number("minimum_decline_probability", &minimumDeclineProbability),
              number("held_customer_loss", &heldCustomerLoss) else { return nil }
        reviewsPerDay = Int(perDay)
        if let margins = json["margin_by_category"]?.objectValue {
            var read: [String: Double] = [:]
            for (k, v) in margins {
                guard let d = v.doubleValue, (0...1).contains(d) else { return nil }
                read[k] = d
            }
            marginByCategory = read
        }
        guard (0...1).contains(defaultMargin), (0...1).contains(reviewerCatchRate), (0...1).contains(reviewerReleaseRate),
              (0...1).contains(heldCustomerLoss),
              (0...1).contains(minimumDeclineProbability) else { return nil }
    }

    /// Share of a good order's loss (margin and customer) that holding it for a person costs:
    /// the reviewer declines it by mistake, or the customer walks away while it waits.
    public var goodHoldLoss: Double { min(1, (1 - reviewerReleaseRate) + heldCustomerLoss) }

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
