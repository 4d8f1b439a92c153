import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowPipeline
import DropflowRuntime
import Foundation

/// `dropflow worker intake`: validated, normalized, de-duplicated orders for the fraud stage.
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
            let offers = policy.unknownSKU == .allow ? nil : memory.offeredSKUs(context.table(.supplierOffers))
            let outcome = decider.decide(
                input.value,
                seenFingerprint: { id in memory.fingerprint(of: id) ?? SeenRecord(seenTable[id])?.fingerprint },
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
                return [OrderRejection(orderID: orderID, stage: "intake", reasons: reasons, at: at).output()]
            case .accept(let order, let fingerprint, let holdReasons):
                let orderID = order["order_id"]!.stringValue!
                memory.remember(orderID, fingerprint: fingerprint)
                if !holdReasons.isEmpty {
                    context.logger.info("order flagged for review", metadata: ["order.id": "\(orderID)", "hold.codes": "\(holdReasons.map(\.code))"])
                }
                let customer = order["customer"]?["id"]?.stringValue ?? orderID
                var outputs = [StageOutput(topic: .intakeSeen, key: orderID,
                                           value: SeenRecord(fingerprint: fingerprint, at: at).json.serialized())]
                if let signal = FraudSignalRecord.make(from: order) {
                    outputs.append(StageOutput(topic: .fraudSignals, key: orderID, value: signal.serialized()))
                }
                outputs.append(StageOutput(topic: .ordersValidated, key: customer, value: order.serialized()))
                return outputs
            }
        }
    }
}

/// What `intake.seen` records per accepted order.
struct SeenRecord {
    var fingerprint: String
    var at: String

    init(fingerprint: String, at: String) {
        self.fingerprint = fingerprint
        self.at = at
    }

    init?(_ bytes: [UInt8]?) {
        guard let bytes, let v = try? JSONValue.parse(bytes), let f = v["fingerprint"]?.stringValue else { return nil }
        fingerprint = f
        at = v["at"]?.stringValue ?? ""
    }

    var json: JSONValue { ["fingerprint": .string(fingerprint), "at": .string(at)] }
}

/// A worker's own recent decisions and its cached view of which SKUs suppliers offer.
final class IntakeMemory: @unchecked Sendable {
    private let lock = NSLock()
    private var fingerprints: [String: String] = [:]
    private var order: [String] = []
    private var head = 0
    private let capacity: Int
    private var skus: Set<String> = []
    private var skusBuiltAt: ContinuousClock.Instant?
    private var skusBuiltFrom = -1

    init(capacity: Int = 200_000) { self.capacity = capacity }

    func fingerprint(of orderID: String) -> String? { lock.withLock { fingerprints[orderID] } }

    /// Remembers an accepted order, forgetting the oldest beyond `capacity` (the table has them).
    func remember(_ orderID: String, fingerprint: String) {
        lock.withLock {
            if fingerprints.updateValue(fingerprint, forKey: orderID) == nil { order.append(orderID) }
            if order.count - head > capacity {
                fingerprints[order[head]] = nil
                head += 1
                if head > capacity { order.removeFirst(head); head = 0 }
            }
        }
    }

    /// SKUs with at least one offer in `supplier.offers` (`<supplier_id>/<sku>` keys), rebuilt at
    /// most once a second; nil while no offer is known (nothing to check against).
    func offeredSKUs(_ offers: TableSnapshot) -> Set<String>? {
        lock.withLock {
            let stale = skusBuiltAt.map { ContinuousClock.now - $0 > .seconds(1) } ?? true
            if stale || offers.count != skusBuiltFrom {
                var set = Set<String>()
                for key in offers.values.keys {
                    if let slash = key.firstIndex(of: "/") { set.insert(String(key[key.index(after: slash)...])) }
                }
                skus = set
                skusBuiltAt = .now
                skusBuiltFrom = offers.count
            }
            return skus.isEmpty ? nil : skus
        }
    }
}
