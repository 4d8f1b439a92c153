import DropflowContract
import DropflowCore
import DropflowFraud
import DropflowFraudModel
import DropflowJSON
import DropflowPipeline
import DropflowRuntime
import Foundation

/// `dropflow worker fraud`: an explainable, calibrated fraud score for every accepted order,
/// and the human review loop. The decisions are `FraudDecider`'s and `FraudMessages`'
/// (`Stages/Fraud/Decision`, model in `Stages/Fraud/Model`); this adapter wires them to topics.
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
/// Each decision is recorded before its outputs go out: about an order in ``decisions``
/// (partitioned like `orders.validated`), about a reviewer's verdict in ``reviews``
/// (partitioned like `review.decisions`, so every verdict on one order is seen by one worker,
/// in order). An order decided once is not decided again (a redelivered copy from intake changes
/// nothing); a verdict on an order already decided by a person is ignored, so one order is
/// never both approved and rejected. A verdict on an order whose hold ended (routing routed it
/// once the picture allowed) is noted and left. A verdict on an order not (yet) held waits for
/// the table to catch up, is retried, and goes to the dead-letter topic if no such order is ever held.
public enum FraudStage {
    public static let name = "fraud"

    /// Order id → `{action, at}` of the fraud decision about it.
    public static let decisions = StateStore(changelog: .fraudDecisions, partitionedLike: .ordersValidated, horizon: Topology.horizon)
    /// Order id → `{decision, reviewer, at}` of the reviewer's verdict acted on.
    public static let reviews = StateStore(changelog: .fraudReviews, partitionedLike: .reviewDecisions, horizon: Topology.horizon)

    public static func definition(model: FraudModel, policy: FraudPolicy? = nil,
                                  horizonSeconds: Int64 = Int64(Topology.horizon.components.seconds)) -> StageDefinition {
        var model = model
        if let policy { model.policy = policy }
        let memory = FraudMemory(horizonSeconds: horizonSeconds)
        let decider = FraudDecider(model: model)
        return StageDefinition(
            name: name,
            inputs: [.jsonObject(.ordersValidated), .contract(.reviewDecisions)],
            outputs: [.ordersApproved, .reviewQueue, .ordersRejected, .fraudHeld],
            tables: [.fraudHeld, .routingHeld],
            followed: [FollowedTopic(.fraudSignals) { _, value, _ in
                guard let value, let json = try? JSONValue.parse(value), let signal = OrderSignal(json: json) else { return }
                memory.record(signal)
            }],
            stores: [decisions, reviews]
        ) { input, context in
            let value = input.json!  // both inputs are JSON topics
            let at = DateTimeFormat.format(context.eventTime)
            if input.topic == .reviewDecisions {
                let decision = try StageError.decode(ReviewDecision.self, value, as: "a review decision")
                let orderID = decision.orderID
                let acted = context.store(reviews)
                if acted[orderID] != nil {
                    context.logger.notice("review decision for an order a person already decided: ignored",
                                          metadata: ["order.id": "\(orderID)", "review.decision": "\(decision.decision.rawValue)"])
                    return []
                }
                func held() -> HeldOrder? { context.table(.fraudHeld)[orderID].flatMap { try? HeldOrder(bytes: $0) } }
                var found = held()
                if found == nil {
                    // The hold is written before the case reaches a person: read the table to its end.
                    try await context.catchUpWithTables()
                    found = held()
                }
                guard let found else {
                    if context.table(.routingHeld)[orderID] != nil {
                        return []  // held by routing: its verdict is the routing stage's
                    }
                    // Read to the end, nobody holds it. A hold that ended meanwhile (routing routed the
                    // order once the picture allowed, or a first verdict settled it): the late verdict is
                    // noted and left. An order never held (a hold still on its way gets a retry) is a
                    // verdict nobody can act on: the dead-letter topic, with the reason.
                    if context.table(.routingHeld).departed(orderID) || context.table(.fraudHeld).departed(orderID) {
                        context.logger.notice("review decision for an order nobody holds any more: ignored",
                                              metadata: ["order.id": "\(orderID)", "review.decision": "\(decision.decision.rawValue)"])
                        return []
                    }
                    throw StageError.retriable("no order \(orderID) is held for review")
                }
                let record: JSONValue = ["decision": .string(decision.decision.rawValue), "reviewer": .string(decision.reviewer), "at": .string(at)]
                return [.record(reviews, key: orderID, state: record.serialized())]
                    + outputs(FraudMessages.publications(forReview: decision, held: found, at: at))
            }
            let order = try StageError.decode(ValidatedOrder.self, value, as: "an accepted order")
            if context.store(decisions)[order.orderID] != nil {
                context.logger.info("accepted order already decided (a copy): ignored", metadata: ["order.id": "\(order.orderID)"])
                return []
            }
            guard var signal = OrderSignal(order: order.order, computedValue: order.intake.orderValue) else {
                throw StageError.permanent("not an accepted order: placed_at is not a date-time")
            }
            // As intake's signal: an order dated far ahead counts at the clamp (intake held it for a person).
            signal.at = min(signal.at, context.time.latestPlausibleMs / 1000)
            let history = memory.history(recording: signal)
            let decision = decider.decide(order: order, history: history)
            context.logger.info("fraud decision", metadata: [
                "order.id": "\(order.orderID)", "fraud.action": "\(decision.action.rawValue)",
                "fraud.score": "\(FraudMessages.rounded(decision.score.probability))",
                "fraud.reasons": "\(decision.reasons.map(\.code))"])
            let publications = FraudMessages.publications(for: decision, history: history, order: order, at: at)
            let record: JSONValue = ["action": .string(decision.action.rawValue), "at": .string(at)]
            return [.record(decisions, key: order.orderID, state: record.serialized())] + outputs(publications)
        }
    }

    /// The messages for what the fraud stage decided, each on its topic.
    public static func outputs(_ publications: [FraudPublication]) -> [StageOutput] {
        publications.map { publication in
            switch publication {
            case .approve(let approved): StageOutput(topic: .ordersApproved, key: approved.orderID, json: approved.json)
            case .reject(let rejection): StageOutput(topic: .ordersRejected, key: rejection.orderID, json: rejection.json)
            case .hold(let held): StageOutput(topic: .fraudHeld, key: held.order.orderID, json: held.json)
            case .reviewCase(let reviewCase): StageOutput(topic: .reviewQueue, key: reviewCase.orderID, json: reviewCase.json)
            case .release(let orderID): .tombstone(.fraudHeld, key: orderID)
            }
        }
    }
}

extension FraudStage {
    /// The fraud stage's own options: the model file, the merchant's costs the expected-cost rule
    /// weighs, and the thresholds an operator may impose instead.
    public enum Settings {
        public static let model = Setting<String?>.optionalText(
            "fraud-model", valueName: "path", defaultText: "models/fraud-model.json",
            help: "the model file (without it: models/fraud-model.json here, beside the executable, or in /usr/share/dropflow/models)")
        public static let fraudRate = Setting<Double?>.optionalNumber(
            "fraud-rate", environment: "DROPFLOW_FRAUD_RATE", valueName: "share", defaultText: "the model file's calibration",
            help: "your storefront's share of fraudulent orders (chargebacks included), to move the model's probabilities to it")
        public static let chargebackFee = Setting<Double?>.optionalNumber(
            "chargeback-fee", environment: "DROPFLOW_FRAUD_CHARGEBACK_FEE", valueName: "amount", defaultText: "the model file's (25)",
            help: "fee paid per chargeback, in the order's currency")
        public static let shippingCost = Setting<Double?>.optionalNumber(
            "shipping-cost", environment: "DROPFLOW_FRAUD_SHIPPING_COST", valueName: "amount", defaultText: "the model file's (8)",
            help: "shipping paid on an order, lost with the goods when it is fraud")
        public static let margins = Setting<String?>.optionalText(
            "margins", environment: "DROPFLOW_FRAUD_MARGINS", valueName: "category=share,...",
            defaultText: "the model file's (electronics=0.15, apparel=0.45, ..., *=0.30)",
            help: "gross margin per product category, * for the rest (a good order declined loses it)")
        public static let customerValueLost = Setting<Double?>.optionalNumber(
            "customer-value-lost", environment: "DROPFLOW_FRAUD_CUSTOMER_VALUE_LOST", valueName: "amount", defaultText: "the model file's (20)",
            help: "future margin a good customer wrongly declined takes away")
        public static let reviewCost = Setting<Double?>.optionalNumber(
            "review-cost", environment: "DROPFLOW_FRAUD_REVIEW_COST", valueName: "amount", defaultText: "the model file's (3)",
            help: "cost of a person looking at one order")
        public static let heldCustomerLoss = Setting<Double?>.optionalNumber(
            "held-customer-loss", environment: "DROPFLOW_FRAUD_HELD_CUSTOMER_LOSS", valueName: "share", defaultText: "the model file's (0.02)",
            help: "share of good customers whose order is held for a person who cancel or do not come back")
        public static let reviewShadowPrice = Setting<Double?>.optionalNumber(
            "review-shadow-price", environment: "DROPFLOW_FRAUD_REVIEW_SHADOW_PRICE", valueName: "amount", defaultText: "the model file's",
            help: "added to each review's cost so that reviews fit the reviewers' capacity (the trainer finds it)")
        public static let minimumDeclineProbability = Setting<Double?>.optionalNumber(
            "min-decline-probability", environment: "DROPFLOW_FRAUD_MIN_DECLINE_PROBABILITY", valueName: "probability",
            defaultText: "the model file's (0.5)", help: "no order is declined below this probability; it goes to a person")
        public static let reviewAt = Setting<Double?>.optionalNumber(
            "review-at", environment: "DROPFLOW_FRAUD_REVIEW_AT", valueName: "probability", defaultText: "by expected cost",
            help: "decide by thresholds instead: probability from which an order goes to a person")
        public static let declineAt = Setting<Double?>.optionalNumber(
            "decline-at", environment: "DROPFLOW_FRAUD_DECLINE_AT", valueName: "probability", defaultText: "by expected cost",
            help: "decide by thresholds instead: probability from which an order is declined")
        public static let alwaysReviewAbove = Setting<Double?>.optionalNumber(
            "always-review-above", valueName: "amount", defaultText: "the model file's",
            help: "order value, in the order's currency, above which an order always goes to a person")

        public static var all: [SettingDescription] {
            [model.declaration, fraudRate.declaration, chargebackFee.declaration, shippingCost.declaration, margins.declaration, customerValueLost.declaration,
             reviewCost.declaration, heldCustomerLoss.declaration, reviewShadowPrice.declaration, minimumDeclineProbability.declaration, reviewAt.declaration,
             declineAt.declaration, alwaysReviewAbove.declaration]
        }

        /// The model the values name, with the policy they override.
        public static func definition(_ values: SettingValues) throws -> StageDefinition {
            let model = try self.model(values)
            return FraudStage.definition(model: model, policy: try policy(values, from: model.policy))
        }

        /// The model file the values name, moved to the storefront's `--fraud-rate` when given.
        public static func model(_ values: SettingValues) throws -> FraudModel {
            let model = try FraudModelLocator.load(explicit: values[Settings.model])
            guard let rate = values[fraudRate] else { return model }
            guard rate > 0, rate < 1 else { throw SettingError("--fraud-rate must be between 0 and 1 (exclusive)") }
            guard let shifted = model.shifted(toFraudRate: rate) else {
                throw SettingError("--fraud-rate needs a model file that records its calibration's fraud rate; retrain it")
            }
            return shifted
        }

        /// `base` with what the values override: any cost; thresholds switch the rule to thresholds.
        public static func policy(_ values: SettingValues, from base: FraudPolicy) throws -> FraudPolicy {
            var policy = base
            func amount(_ setting: Setting<Double?>, _ apply: (Double) -> Void) throws {
                guard let v = values[setting] else { return }
                guard v.isFinite, v >= 0 else { throw SettingError("--\(setting.name) must be a number >= 0") }
                apply(v)
            }
            try amount(chargebackFee) { policy.costs.chargebackFee = $0 }
            try amount(shippingCost) { policy.costs.shippingCost = $0 }
            try amount(customerValueLost) { policy.costs.customerValueLost = $0 }
            try amount(reviewCost) { policy.costs.reviewCost = $0 }
            try amount(reviewShadowPrice) { policy.reviewShadowPrice = $0 }
            try amount(heldCustomerLoss) { policy.costs.heldCustomerLoss = $0 }
            try amount(minimumDeclineProbability) { policy.costs.minimumDeclineProbability = $0 }
            if let text = values[margins] {
                let (byCategory, rest) = try parseMargins(text)
                policy.costs.marginByCategory.merge(byCategory) { _, new in new }
                if let rest { policy.costs.defaultMargin = rest }
            }
            if let reviewAt = values[reviewAt] { policy.reviewAt = reviewAt; policy.rule = .thresholds }
            if let declineAt = values[declineAt] { policy.declineAt = declineAt; policy.rule = .thresholds }
            if let above = values[alwaysReviewAbove] { policy.alwaysReviewAbove = above * 100 }
            guard (0...1).contains(policy.reviewAt), (0...1).contains(policy.declineAt), policy.reviewAt <= policy.declineAt else {
                throw SettingError("thresholds must satisfy 0 <= review-at <= decline-at <= 1")
            }
            guard (0...1).contains(policy.costs.minimumDeclineProbability), (0...1).contains(policy.costs.heldCustomerLoss) else {
                throw SettingError("--min-decline-probability and --held-customer-loss must be between 0 and 1")
            }
            return policy
        }

        /// `electronics=0.15,apparel=0.45,*=0.3` → margins by category and the rest's.
        static func parseMargins(_ text: String) throws -> ([String: Double], Double?) {
            var byCategory: [String: Double] = [:]
            var rest: Double?
            for item in text.split(separator: ",") {
                let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, !parts[0].isEmpty, let share = Double(parts[1]), (0...1).contains(share) else {
                    throw SettingError("--margins wants category=share pairs with shares between 0 and 1, got \"\(item)\"")
                }
                if parts[0] == "*" { rest = share } else { byCategory[parts[0].lowercased()] = share }
            }
            return (byCategory, rest)
        }
    }

    /// How the executable runs fraud workers.
    public static let entry = StageEntry(
        name: name, summary: "An explainable, calibrated fraud score for every accepted order, and the human review loop.",
        settings: Settings.all, makeDefinition: Settings.definition)
}
