import DropflowContract
import Foundation
import DropflowCore
import DropflowFraudModel
import DropflowIntake
import DropflowPipeline
import DropflowRuntime

/// `dropflow worker intake`: validated, normalized, de-duplicated orders for the fraud stage.
/// The decisions are `IntakeDecider`'s (`Stages/Intake/Decision`); this adapter only wires them
/// to topics.
///
/// Reads `orders.placed`; publishes accepted orders to `orders.validated` (keyed by customer,
/// so one fraud worker keeps each customer's history), a small signal per accepted order to
/// `fraud.signals` (every fraud worker follows all of it, for velocity across customers), and
/// rejections to `orders.rejected` (stage `intake`).
///
/// What it decided about each order id is recorded in its store ``seen`` (changelog
/// `intake.seen`, partitioned like `orders.placed`) before anything is sent: a storefront retry
/// (the same order at another offset) is recognised by the worker owning the partition, after
/// a restart or a rebalance too, and a redelivered input gets its recorded outputs again.
public enum IntakeStage {
    public static let name = "intake"

    /// Order id → ``SeenRecord`` of the order accepted under it (absent: none accepted yet).
    public static let seen = StateStore(changelog: .intakeSeen, partitionedLike: .ordersPlaced, horizon: Topology.horizon)

    public static func definition(policy: IntakePolicy = IntakePolicy()) -> StageDefinition {
        let decider = IntakeDecider(policy: policy)
        let memory = IntakeMemory()
        return StageDefinition(
            name: name,
            inputs: [InputTopic(.ordersPlaced)],
            outputs: [.ordersValidated, .fraudSignals, .ordersRejected],
            tables: [.supplierOffers],
            stores: [seen]
        ) { input, context in
            let store = context.store(seen)
            let offers = context.table(.supplierOffers)
            let skus = policy.unknownSKU == .allow ? nil : memory.offeredSKUs(version: offers.version) { offers.keys }
            let outcome = decider.decide(
                input.value,
                seenFingerprint: { id in store[id].flatMap { try? SeenRecord(bytes: $0) }?.fingerprint },
                isOffered: skus.map { skus in { skus.contains($0) } },
                latestPlausible: context.time.latestPlausibleMs / 1000)
            let at = DateTimeFormat.format(context.eventTime)
            switch outcome {
            case .deadLetter(let reason):
                throw StageError.permanent(reason)
            case .duplicate(let orderID):
                context.logger.info("storefront retry of an order already accepted: dropped", metadata: ["order.id": "\(orderID)"])
                return []
            case .reject(let orderID, let reasons):
                context.logger.info("order rejected", metadata: ["order.id": "\(orderID)", "reject.codes": "\(reasons.map(\.code))"])
                let rejection = OrderRejected(orderID: orderID, stage: .intake, reasons: reasons, at: at)
                // Recorded (the order's state unchanged), so a redelivery answers the same.
                return [.record(seen, key: orderID, state: store[orderID]),
                        StageOutput(topic: .ordersRejected, key: orderID, json: rejection.json)]
            case .accept(let validated):
                let orderID = validated.orderID
                if !validated.intake.holdReasons.isEmpty {
                    context.logger.info("order flagged for review", metadata: [
                        "order.id": "\(orderID)", "hold.codes": "\(validated.intake.holdReasons.map(\.code))"])
                }
                // Kept by the order's own time (its input's is the storefront's sending time).
                let placed = DateTimeFormat.epochSeconds(validated.order.placedAt).map { min($0, context.time.latestPlausibleMs / 1000) }
                var outputs = [StageOutput.record(seen, key: orderID,
                                                  state: SeenRecord(fingerprint: validated.intake.fingerprint, at: at).json.serialized(),
                                                  at: placed.map { Date(timeIntervalSince1970: Double($0)) })]
                if var signal = OrderSignal(order: validated.order, computedValue: validated.intake.orderValue) {
                    // An order dated far ahead counts in the windows at the clamp, not at its date.
                    signal.at = min(signal.at, context.time.latestPlausibleMs / 1000)
                    outputs.append(StageOutput(topic: .fraudSignals, key: orderID, json: signal.json))
                }
                outputs.append(StageOutput(topic: .ordersValidated, key: validated.order.customer.id, json: validated.json))
                return outputs
            }
        }
    }
}

extension IntakeStage {
    /// Intake's own options: the merchant's business limits and what to do with unknown SKUs.
    public enum Settings {
        static let defaults = IntakePolicy()
        public static let maxQuantityPerLine = Setting<Int>.integer(
            "max-quantity-per-line", default: Int(defaults.maxQuantityPerLine), help: "most units of one order line")
        public static let maxLines = Setting<Int>.integer("max-lines", default: defaults.maxLines, help: "most lines in one order")
        public static let maxOrderValue = Setting<MoneyAmount>(
            "max-order-value", default: defaults.maxOrderValue, valueName: "amount",
            help: "largest order value accepted, in the order's currency (rejected above it)") { text in
                MoneyAmount(text).map { .success($0) } ?? .failure(SettingError.Problem("wants a decimal amount like 2500.00, got \(text)"))
            }
        public static let unknownSKU = Setting<String>.choice(
            "unknown-sku", default: defaults.unknownSKU.rawValue, choices: IntakePolicy.UnknownSKUAction.allCases.map(\.rawValue),
            help: "an order with a SKU no supplier offers is held for review, rejected, or allowed")

        public static var all: [SettingDescription] {
            [maxQuantityPerLine.declaration, maxLines.declaration, maxOrderValue.declaration, unknownSKU.declaration]
        }

        /// The intake rules the values describe.
        public static func policy(_ values: SettingValues) -> IntakePolicy {
            var policy = IntakePolicy()
            policy.maxQuantityPerLine = Int64(values[maxQuantityPerLine])
            policy.maxLines = values[maxLines]
            policy.maxOrderValue = values[maxOrderValue]
            policy.unknownSKU = IntakePolicy.UnknownSKUAction(rawValue: values[unknownSKU]) ?? policy.unknownSKU
            return policy
        }
    }

    /// How the executable runs intake workers.
    public static let entry = StageEntry(
        name: name, summary: "Validated, normalized, de-duplicated orders for the fraud stage.", settings: Settings.all
    ) { values in definition(policy: Settings.policy(values)) }
}
