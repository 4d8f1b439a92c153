import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowPipeline
import DropflowFraudModel
import DropflowRuntime
import Foundation

/// The messages the fraud stage publishes, built from its decisions.
enum FraudMessages {
    /// Scores are published with 4 decimals: enough for a reviewer, stable across platforms.
    static func rounded(_ p: Double) -> Double { (p * 10_000).rounded() / 10_000 }

    static func reasonsJSON(_ reasons: [FraudReason]) -> JSONValue {
        .array(reasons.map { r in
            ["code": .string(r.code), "detail": .string(r.detail), "weight": .double((r.weight * 1_000).rounded() / 1_000)]
        })
    }

    /// What the model decided, as it travels with the order.
    static func fraudBlock(_ decision: FraudDecision, history: OrderHistory, decidedBy: String, at: String) -> JSONValue {
        ["score": .double(rounded(decision.score.probability)), "action": .string(decision.action.rawValue),
         "reasons": reasonsJSON(decision.reasons), "decided_by": .string(decidedBy), "at": .string(at),
         "velocity": velocityJSON(history)]
    }

    /// The counts the score saw, for audits and reviewers.
    static func velocityJSON(_ h: OrderHistory) -> JSONValue {
        let counts: [(String, Int)] = [
            ("customer_1h", h.customer1h), ("email_1h", h.email1h), ("card_1h", h.card1h), ("address_1h", h.address1h), ("ip_1h", h.ip1h),
            ("customer_24h", h.customer24h), ("email_24h", h.email24h), ("card_24h", h.card24h), ("address_24h", h.address24h),
            ("ip_24h", h.ip24h), ("card_customers_24h", h.cardCustomers24h), ("address_customers_24h", h.addressCustomers24h),
            ("ip_customers_24h", h.ipCustomers24h), ("customer_orders", h.customerOrders),
        ]
        var o: [String: JSONValue] = [:]
        for (k, v) in counts { o[k] = .integer(Int64(v)) }
        return .object(o)
    }

    static func outputs(for decision: FraudDecision, history: OrderHistory, order: JSONValue, at: String) -> [StageOutput] {
        let orderID = order["order_id"]!.stringValue!
        let block = fraudBlock(decision, history: history, decidedBy: "model", at: at)
        switch decision.action {
        case .approve:
            return [approved(order, fraud: block)]
        case .decline:
            var reasons = decision.reasons.map { Reason(code: $0.code, detail: $0.detail, weight: $0.weight) }
            if reasons.isEmpty { reasons = [Reason(code: "fraud_score", detail: "fraud score above the decline threshold")] }
            return [OrderRejection(orderID: orderID, stage: "fraud", reasons: reasons,
                                   fraudScore: rounded(decision.score.probability), at: at).output()]
        case .review:
            var reasons = decision.reasons
            if reasons.isEmpty {
                reasons = [FraudReason(code: "fraud_score", detail: "fraud score in the review band", weight: 0)]
            }
            var case_: [String: JSONValue] = [
                "order_id": .string(orderID), "stage": "fraud", "fraud_score": .double(rounded(decision.score.probability)),
                "reasons": reasonsJSON(reasons), "at": .string(at),
            ]
            if let value = order["intake"]?["order_value"]?.stringValue { case_["order_value"] = .string(value) }
            if let currency = order["currency"]?.stringValue { case_["currency"] = .string(currency) }
            let held: JSONValue = ["order": order, "fraud": block, "held_at": .string(at)]
            return [
                StageOutput(topic: .fraudHeld, key: orderID, value: held.serialized()),
                StageOutput(topic: .reviewQueue, key: orderID, value: JSONValue.object(case_).serialized()),
            ]
        }
    }

    /// A reviewer's decision on a held order: release it to routing or reject it, and take it
    /// off hold.
    static func outputs(forReview decision: JSONValue, held: JSONValue, at: String) -> [StageOutput] {
        let orderID = decision["order_id"]!.stringValue!
        let reviewer = decision["reviewer"]?.stringValue ?? ""
        let note = decision["note"]?.stringValue
        let release = StageOutput(topic: .fraudHeld, key: Array(orderID.utf8), value: nil)
        if decision["decision"]?.stringValue == "approve" {
            var block = held["fraud"]?.objectValue ?? [:]
            block["decided_by"] = "reviewer"
            block["action"] = "approve"
            block["reviewer"] = .string(reviewer)
            if let note { block["review_note"] = .string(note) }
            block["at"] = .string(at)
            return [approved(held["order"] ?? .object([:]), fraud: .object(block)), release]
        }
        let detail = "declined by reviewer \(reviewer)" + (note.map { ": \($0)" } ?? "")
        return [OrderRejection(orderID: orderID, stage: "review", reasons: [Reason(code: "declined_by_reviewer", detail: detail)],
                               fraudScore: held["fraud"]?["score"]?.doubleValue, at: at).output(), release]
    }

    static func approved(_ order: JSONValue, fraud: JSONValue) -> StageOutput {
        var o = order.objectValue ?? [:]
        o["fraud"] = fraud
        let orderID = o["order_id"]?.stringValue ?? ""
        return StageOutput(topic: .ordersApproved, key: orderID, value: JSONValue.object(o).serialized())
    }
}
