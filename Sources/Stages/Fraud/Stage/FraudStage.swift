import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowPipeline
import DropflowFraudModel
import DropflowRuntime
import Foundation

/// `dropflow worker fraud`: an explainable, calibrated fraud score for every accepted order,
/// and the human review loop.
///
/// Reads `orders.validated` (keyed by customer) and `review.decisions`; follows `fraud.signals`
/// in full for velocity across customers; replays the compacted `fraud.held` table (orders on
/// hold, by `order_id`), so any worker can act on a reviewer's decision.
///
/// - approve → `orders.approved` (to routing), the order with its `fraud` block;
/// - review → `review.queue` (contract `review-case`: score, reasons, value) and `fraud.held`;
///   also every order intake flagged (unknown SKU) and, per the policy, every order above the
///   review value;
/// - decline → `orders.rejected` (stage `fraud`, reasons with weights, score).
///
/// A `review.decisions` approve releases the held order to `orders.approved`; a decline rejects
/// it (stage `review`); either removes it from `fraud.held`. A decision for an order not held
/// (never held, or already decided) is ignored with a log line.
public enum FraudStage {
    public static let name = "fraud"

    public static func definition(model: FraudModel, policy: FraudPolicy? = nil,
                                  horizonSeconds: Int64 = 30 * 86_400) -> StageDefinition {
        var model = model
        if let policy { model.policy = policy }
        let memory = FraudMemory(horizonSeconds: horizonSeconds)
        let decider = FraudDecider(model: model)
        return StageDefinition(
            name: name,
            inputs: [.jsonObject(.ordersValidated), .contract(.reviewDecisions)],
            outputs: [.ordersApproved, .reviewQueue, .ordersRejected, .fraudHeld],
            tables: [.fraudHeld],
            followed: [FollowedTopic(.fraudSignals) { _, value, _ in
                guard let value, let json = try? JSONValue.parse(value), let signal = OrderSignal(json: json) else { return }
                memory.record(signal)
            }]
        ) { input, context in
            let value = input.json!  // both inputs are JSON topics
            let at = DateTimeFormat.format(context.eventTime)
            if input.topic == .reviewDecisions {
                let orderID = value["order_id"]!.stringValue!
                guard let held = memory.heldRecord(orderID) ?? context.table(.fraudHeld)[orderID],
                      let record = try? JSONValue.parse(held) else {
                    context.logger.notice("review decision for an order that is not held: ignored",
                                          metadata: ["order.id": "\(orderID)", "review.decision": "\(value["decision"]?.stringValue ?? "")"])
                    return []
                }
                memory.release(orderID)
                return FraudMessages.outputs(forReview: value, held: record, at: at)
            }
            guard let orderID = value["order_id"]?.stringValue, let signal = OrderSignal(order: value) else {
                throw StageError.permanent("not an accepted order: no order_id or placed_at")
            }
            let history = memory.history(recording: signal)
            let decision = decider.decide(order: value, history: history)
            context.logger.info("fraud decision", metadata: [
                "order.id": "\(orderID)", "fraud.action": "\(decision.action.rawValue)",
                "fraud.score": "\(FraudMessages.rounded(decision.score.probability))",
                "fraud.reasons": "\(decision.reasons.map(\.code))"])
            let outputs = FraudMessages.outputs(for: decision, history: history, order: value, at: at)
            if decision.action == .review, let held = outputs.first(where: { $0.topic == TopicDeclaration.fraudHeld })?.value {
                memory.hold(orderID, record: held)
            }
            return outputs
        }
    }
}

/// The model's decision plus intake's holds (an order intake flagged is always reviewed).
struct FraudDecider: Sendable {
    let model: FraudModel

    func decide(order: JSONValue, history: OrderHistory) -> FraudDecision {
        var decision = model.decide(order: order, history: history)
        let holds = (order["intake"]?["hold_reasons"]?.arrayValue ?? []).compactMap { r -> FraudReason? in
            guard let code = r["code"]?.stringValue, let detail = r["detail"]?.stringValue else { return nil }
            return FraudReason(code: code, detail: detail, weight: 0)
        }
        if !holds.isEmpty && decision.action == .approve {
            decision.action = .review
        }
        decision.reasons = holds + decision.reasons
        return decision
    }
}
