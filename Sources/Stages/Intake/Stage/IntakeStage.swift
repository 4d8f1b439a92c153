import DropflowContract
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
/// rejections to `orders.rejected` (stage `intake`). What it has accepted is recorded in the
/// compacted `intake.seen` table (key `order_id`), which every intake worker replays: a
/// storefront retry is recognised after a restart, or by another worker after a rebalance.
/// Within one worker, its own decisions are remembered at once (the table is read back from
/// Kafka a few milliseconds later).
public enum IntakeStage {
    public static let name = "intake"

    public static func definition(policy: IntakePolicy = IntakePolicy()) -> StageDefinition {
        let decider = IntakeDecider(policy: policy)
        let memory = IntakeMemory()
        return StageDefinition(
            name: name,
            inputs: [InputTopic(.ordersPlaced)],
            outputs: [.ordersValidated, .fraudSignals, .ordersRejected, .intakeSeen],
            tables: [.intakeSeen, .supplierOffers]
        ) { input, context in
            let seenTable = context.table(.intakeSeen)
            let offers = policy.unknownSKU == .allow ? nil : memory.offeredSKUs(context.table(.supplierOffers).values)
            let outcome = decider.decide(
                input.value,
                seenFingerprint: { id in
                    memory.fingerprint(of: id) ?? seenTable[id].flatMap { try? SeenRecord(bytes: $0) }?.fingerprint
                },
                isOffered: offers.map { skus in { skus.contains($0) } })
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
                return [StageOutput(topic: .ordersRejected, key: orderID, json: rejection.json)]
            case .accept(let validated):
                let orderID = validated.orderID
                memory.remember(orderID, fingerprint: validated.intake.fingerprint)
                if !validated.intake.holdReasons.isEmpty {
                    context.logger.info("order flagged for review", metadata: [
                        "order.id": "\(orderID)", "hold.codes": "\(validated.intake.holdReasons.map(\.code))"])
                }
                var outputs = [StageOutput(topic: .intakeSeen, key: orderID,
                                           json: SeenRecord(fingerprint: validated.intake.fingerprint, at: at).json)]
                if let signal = OrderSignal(order: validated.order, computedValue: validated.intake.orderValue) {
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
