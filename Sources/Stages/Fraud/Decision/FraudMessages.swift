import DropflowContract
import DropflowFraudModel
import DropflowPipeline

/// What the fraud stage publishes about one order: each case is one message on one topic
/// (the stage's adapter names the topics).
public enum FraudPublication: Sendable, Hashable {
    /// To routing (`orders.approved`).
    case approve(ApprovedOrder)
    /// Not fulfilled (`orders.rejected`, stage `fraud` or `review`).
    case reject(OrderRejected)
    /// Held while a person decides (`fraud.held`).
    case hold(HeldOrder)
    /// What the person sees (`review.queue`).
    case reviewCase(ReviewCase)
    /// Off hold (a tombstone on `fraud.held`).
    case release(orderID: String)
}

/// The messages the fraud stage publishes, built from its decisions.
public enum FraudMessages {
    /// Scores are published with 4 decimals: enough for a reviewer, stable across platforms.
    public static func rounded(_ p: Double) -> Double { (p * 10_000).rounded() / 10_000 }

    /// What the model decided, as it travels with the order.
    public static func verdict(_ decision: FraudDecision, history: OrderHistory, at: String) -> FraudVerdict {
        FraudVerdict(score: rounded(decision.score.probability), action: FraudVerdict.Action(decision.action),
                     reasons: decision.reasons.map(\.reason), decidedBy: .model, at: at, velocity: velocity(history))
    }

    /// The counts the score saw, for audits and reviewers.
    public static func velocity(_ h: OrderHistory) -> [String: Int] {
        [
            "customer_1h": h.customer1h, "email_1h": h.email1h, "card_1h": h.card1h, "address_1h": h.address1h, "ip_1h": h.ip1h,
            "customer_24h": h.customer24h, "email_24h": h.email24h, "card_24h": h.card24h, "address_24h": h.address24h,
            "ip_24h": h.ip24h, "card_customers_24h": h.cardCustomers24h, "address_customers_24h": h.addressCustomers24h,
            "ip_customers_24h": h.ipCustomers24h, "customer_orders": h.customerOrders,
        ]
    }

    /// What to publish for the model's decision on `order`.
    public static func publications(for decision: FraudDecision, history: OrderHistory, order: ValidatedOrder,
                                    at: String) -> [FraudPublication] {
        let orderID = order.orderID
        let verdict = verdict(decision, history: history, at: at)
        switch decision.action {
        case .approve:
            return [.approve(ApprovedOrder(order: order, fraud: verdict))]
        case .decline:
            // Rejections carry the weights unrounded (review cases and the verdict round them).
            var reasons = decision.reasons.map { Reason(code: $0.code, detail: $0.detail, weight: $0.weight) }
            if reasons.isEmpty { reasons = [Reason(code: "fraud_score", detail: "fraud score above the decline threshold")] }
            return [.reject(OrderRejected(orderID: orderID, stage: .fraud, reasons: reasons,
                                          fraudScore: rounded(decision.score.probability), at: at))]
        case .review:
            var reasons = decision.reasons.map(\.reason)
            if reasons.isEmpty { reasons = [Reason(code: "fraud_score", detail: "fraud score in the review band", weight: 0)] }
            let reviewCase = ReviewCase(orderID: orderID, stage: "fraud", fraudScore: rounded(decision.score.probability),
                                        reasons: reasons, orderValue: order.intake.orderValue, currency: order.order.currency, at: at)
            return [.hold(HeldOrder(order: order, fraud: verdict, heldAt: at)), .reviewCase(reviewCase)]
        }
    }

    /// A reviewer's decision on a held order: release it to routing or reject it, and take it
    /// off hold.
    public static func publications(forReview decision: ReviewDecision, held: HeldOrder, at: String) -> [FraudPublication] {
        let orderID = decision.orderID
        switch decision.decision {
        case .approve:
            var verdict = held.fraud
            verdict.decidedBy = .reviewer
            verdict.action = .approve
            verdict.reviewer = decision.reviewer
            if let note = decision.note { verdict.reviewNote = note }
            verdict.at = at
            return [.approve(ApprovedOrder(order: held.order, fraud: verdict)), .release(orderID: orderID)]
        case .decline:
            let detail = "declined by reviewer \(decision.reviewer)" + (decision.note.map { ": \($0)" } ?? "")
            return [.reject(OrderRejected(orderID: orderID, stage: .review, reasons: [Reason(code: "declined_by_reviewer", detail: detail)],
                                          fraudScore: held.fraud.score, at: at)),
                    .release(orderID: orderID)]
        }
    }
}

extension FraudVerdict.Action {
    /// The verdict's action for the model's.
    public init(_ action: FraudAction) {
        switch action {
        case .approve: self = .approve
        case .review: self = .review
        case .decline: self = .decline
        }
    }
}

/// The model's decision plus intake's holds (an order intake flagged is always reviewed).
public struct FraudDecider: Sendable {
    public let model: FraudModel

    public init(model: FraudModel) { self.model = model }

    public func decide(order: ValidatedOrder, history: OrderHistory) -> FraudDecision {
        var decision = model.decide(order: order.order, computedValue: order.intake.orderValue, history: history)
        let holds = order.intake.holdReasons.map { FraudReason(code: $0.code, detail: $0.detail, weight: 0) }
        if !holds.isEmpty && decision.action == .approve {
            decision.action = .review
        }
        decision.reasons = holds + decision.reasons
        return decision
    }
}
