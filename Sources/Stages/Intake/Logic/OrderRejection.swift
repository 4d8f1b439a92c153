import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowPipeline
import DropflowRuntime

/// An `orders.rejected` message (contract schema `order-rejected`).
struct OrderRejection {
    var orderID: String
    /// intake, fraud, routing or review.
    var stage: String
    var reasons: [Reason]
    var fraudScore: Double?
    var at: String

    var json: JSONValue {
        var o: [String: JSONValue] = [
            "order_id": .string(orderID), "stage": .string(stage), "reasons": .array(reasons.map(\.json)), "at": .string(at),
        ]
        if let fraudScore { o["fraud_score"] = .double(fraudScore) }
        return .object(o)
    }

    func output() -> StageOutput {
        StageOutput(topic: .ordersRejected, key: orderID, value: json.serialized())
    }
}
