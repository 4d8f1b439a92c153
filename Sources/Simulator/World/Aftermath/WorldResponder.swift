import DropflowCore
import DropflowJSON
import DropflowContract

/// The world's side of the pipeline's purchase orders: the supplier's answers, the carrier's
/// tracking events for what ships, and the customers' inquiries and returns.
///
/// Not thread-safe: use one responder from one thread (or one actor/task) at a time. It
/// remembers the orders it observed (a few facts each; ``forget(orderID:)`` drops them) and
/// the purchase orders (id and revision) it answered, so a redelivered purchase order is
/// answered once.
public final class WorldResponder {
    public let world: World
    public let reactions: CustomerReactions
    /// Purchase orders answered (distinct id and revision).
    public private(set) var answered = 0
    /// Purchase orders ignored because that id and revision was answered before.
    public private(set) var duplicatesIgnored = 0

    private var orders: [String: OrderFacts] = [:]
    private var answeredKeys: Set<String> = []
    private var placementReacted: Set<String> = []

    public convenience init(world: World) {
        self.init(world: world, rates: ReactionRates())
    }

    public init(world: World, rates: ReactionRates) {
        self.world = world
        reactions = CustomerReactions(world: world, rates: rates)
    }

    /// Remembers an `orders.placed` record and its truth (other records are ignored).
    public func observe(_ record: SimRecord) {
        guard let facts = OrderFacts(orderRecord: record) else { return }
        orders[facts.orderID] = facts
    }

    /// Drops what was remembered of `orderID` (its customers will not react to later purchase orders).
    public func forget(orderID: String) {
        orders[orderID] = nil
        placementReacted.remove(orderID)
    }

    /// How many orders it remembers.
    public var rememberedOrders: Int { orders.count }

    /// Everything that follows `po` (a `purchase-orders` value) received at `receivedAt`, in time
    /// order, none before `receivedAt`: the supplier's answers, a parcel journey for each
    /// `shipped` answer, and, for an observed order, its customer's reactions. Empty for a
    /// purchase order (id and revision) answered before.
    public func respond(toPurchaseOrder po: JSONValue, receivedAt: SimInstant) -> [SimRecord] {
        let orderID = po["order_id"]?.stringValue ?? ""
        let supplierID = po["supplier_id"]?.stringValue ?? ""
        let poID = po["purchase_order_id"]?.stringValue ?? (orderID + "/" + supplierID)
        let key = poID + "#" + String(po["revision"]?.int64Value ?? 1)
        guard answeredKeys.insert(key).inserted else {
            duplicatesIgnored += 1
            return []
        }
        answered += 1

        var out = world.answer(purchaseOrder: po, at: receivedAt)
        let facts = orders[orderID]
        if let facts, placementReacted.insert(orderID).inserted {
            out += reactions.afterPlacement(facts)
        }
        let origin = world.supplier(id: supplierID)?.country
        let destination = po["ship_to"]?["country"]?.stringValue
        let poSKUs = po["lines"]?.arrayValue?.compactMap { $0["sku"]?.stringValue } ?? []
        var firstShipped: SimInstant?
        for (k, update) in out.enumerated() where update.topic == SimRecord.Topic.supplierOrderUpdates {
            guard let v = update.value, v["status"] == "shipped", let origin, let destination else { continue }
            firstShipped = min(firstShipped ?? update.at, update.at)
            let carrier = v["carrier"]?.stringValue ?? ""
            let tracking = v["tracking_number"]?.stringValue ?? (poID + "-" + String(k))
            let journey = world.journey(orderID: orderID, supplierID: supplierID, carrier: carrier, trackingNumber: tracking,
                                        origin: origin, destination: destination, shippedAt: update.at,
                                        seedKey: poID + "/" + tracking)
            out += journey.records
            if let facts {
                let skus = v["skus"]?.arrayValue?.compactMap(\.stringValue) ?? poSKUs
                out += reactions.afterShipment(facts, skus: skus, journey: journey, trackingNumber: tracking)
            }
        }
        if let facts, origin != nil {
            out += reactions.beforeShipment(facts, supplierID: supplierID, shippedAt: firstShipped)
        }
        return out.map { $0.at < receivedAt ? Self.retimed($0, to: receivedAt) : $0 }
            .enumerated().sorted { $0.element.at != $1.element.at ? $0.element.at < $1.element.at : $0.offset < $1.offset }
            .map(\.element)
    }

    /// `record` moved to `t` (its value's time field too): a customer who wrote before the
    /// pipeline's purchase order arrived is heard when it does.
    static func retimed(_ record: SimRecord, to t: SimInstant) -> SimRecord {
        guard var v = record.value?.objectValue else { return record }
        for field in ["at", "requested_at"] where v[field] != nil { v[field] = .string(t.rfc3339) }
        return SimRecord(topic: record.topic, key: record.key, value: .object(v), truth: record.truth, at: t)
    }
}
