import DropflowCore
import DropflowJSON
import DropflowContract

/// A record the world will publish, with the ticket a later cancellation may withdraw it by.
public struct ScheduledRecord: Sendable, Hashable {
    public let record: SimRecord
    /// 0: it happens whatever comes later. Otherwise the records of one shipment (the supplier's
    /// `shipped`, the parcel's tracking, the customer's reactions to it) or of one backordered
    /// line's own cancellation share a ticket, which a cancellation may withdraw.
    public let ticket: Int

    public init(record: SimRecord, ticket: Int) {
        self.record = record
        self.ticket = ticket
    }
}

/// What the world does about one `purchase-orders` message.
public struct WorldResponse: Sendable {
    /// New records, in time order, none before the message was received.
    public var records: [ScheduledRecord] = []
    /// Tickets of records scheduled before that will not happen any more (a cancelled purchase
    /// order's shipments): a holder drops those it has not published. All of them lie after the
    /// moment the cancellation took effect, so none was due yet.
    public var withdrawn: [Int] = []

    public init(records: [ScheduledRecord] = [], withdrawn: [Int] = []) {
        self.records = records
        self.withdrawn = withdrawn
    }
}

/// The world's side of the pipeline's purchase orders: the supplier's answers (from its true
/// stock), the carrier's tracking events for what ships, and the customers' inquiries and
/// returns.
///
/// Not thread-safe: use one responder from one thread (or one actor/task) at a time. It
/// remembers the orders it observed (a few facts each; ``forget(orderID:)`` drops them), the
/// purchase orders (id and revision) it answered, so a redelivered purchase order is answered
/// once, what each one took from stock (``ledger``) and what became of its lines (for a later
/// `action: cancel`). Same world, same purchase orders in the same order: same answers.
public final class WorldResponder {
    public let world: World
    public let reactions: CustomerReactions
    /// Suppliers' true stock over time (the run's feeds, replayed).
    public let stock: StockTimeline
    /// The units this run's purchase orders took from stock.
    public private(set) var ledger: StockLedger
    /// Purchase-order messages answered (distinct id and revision, placements and cancellations).
    public private(set) var answered = 0
    /// Messages ignored because that id and revision (and action) was answered before.
    public private(set) var duplicatesIgnored = 0
    /// Cancellations that cancelled something (the others found every line shipped or ended).
    public private(set) var cancellationsHonoured = 0

    private var orders: [String: OrderFacts] = [:]
    private var answeredKeys: Set<String> = []
    private var placementReacted: Set<String> = []
    /// What became of each placed purchase order's lines, by purchase_order_id (the latest
    /// revision), with the ticket of each of its answer's groups.
    private var placed: [String: (answer: SupplierAnswer, tickets: [Int])] = [:]
    private var placedByOrder: [String: [String]] = [:]
    private var nextTicket = 1

    public convenience init(world: World) {
        self.init(world: world, rates: ReactionRates())
    }

    /// A responder for `world`; `stockPolicy` says until when a purchase order's units are
    /// missing from the true stock (``StockLedger/Policy``).
    public init(world: World, rates: ReactionRates, stockPolicy: StockLedger.Policy = .untilStockCount) {
        self.world = world
        reactions = CustomerReactions(world: world, rates: rates)
        stock = StockTimeline(world: world)
        ledger = StockLedger(policy: stockPolicy)
    }

    /// Remembers an `orders.placed` record and its truth (other records are ignored).
    public func observe(_ record: SimRecord) {
        guard let facts = OrderFacts(orderRecord: record) else { return }
        orders[facts.orderID] = facts
    }

    /// Drops what was remembered of `orderID`: its customers will not react to later purchase
    /// orders, and a later cancellation of its purchase orders finds nothing to cancel.
    public func forget(orderID: String) {
        orders[orderID] = nil
        placementReacted.remove(orderID)
        for id in placedByOrder.removeValue(forKey: orderID) ?? [] { placed[id] = nil }
    }

    /// How many orders it remembers.
    public var rememberedOrders: Int { orders.count }

    /// What `supplierID` can ship of `sku` at `t`: its true stock less what this run's purchase
    /// orders took since its last restock; nil when it does not offer `sku`.
    public func availableQuantity(supplierID: String, sku: String, at t: SimInstant) -> Int? {
        guard let s = world.suppliers.firstIndex(where: { $0.id == supplierID }),
              let o = world.suppliers[s].offers.firstIndex(where: { $0.sku == sku }) else { return nil }
        return ledger.available(supplier: s, offer: o, at: t, stock: stock)
    }

    /// The records of ``handle(purchaseOrder:receivedAt:)``, without their tickets: enough for a
    /// caller that never cancels (a cancellation's withdrawals are lost).
    public func respond(toPurchaseOrder po: JSONValue, receivedAt: SimInstant) -> [SimRecord] {
        handle(purchaseOrder: po, receivedAt: receivedAt).records.map(\.record)
    }

    /// Everything that follows `po` (a `purchase-orders` value) received at `receivedAt`.
    ///
    /// A placement (`action` absent or `place`): the supplier's answers, a parcel journey for
    /// each `shipped` answer, and, for an observed order, its customer's reactions, in time
    /// order, none before `receivedAt`. A cancellation (`action: cancel`, same
    /// `purchase_order_id`): see ``World/cancellation(of:cancel:at:ledger:)``: a `cancelled`
    /// update for the lines not shipped by then, their units back in stock and their shipments
    /// withdrawn; nothing for a purchase order it never answered or one whose lines all shipped.
    /// Empty for a message (id, revision and action) answered before.
    public func handle(purchaseOrder po: JSONValue, receivedAt: SimInstant) -> WorldResponse {
        let orderID = po["order_id"]?.stringValue ?? ""
        let supplierID = po["supplier_id"]?.stringValue ?? ""
        let poID = po["purchase_order_id"]?.stringValue ?? (orderID + "/" + supplierID)
        let cancel = po["action"]?.stringValue == "cancel"
        let key = poID + "#" + String(po["revision"]?.int64Value ?? 1) + (cancel ? "#cancel" : "")
        guard answeredKeys.insert(key).inserted else {
            duplicatesIgnored += 1
            return WorldResponse()
        }
        answered += 1
        if cancel {
            guard var prior = placed[poID] else { return WorldResponse() }
            let (records, groups) = world.cancellation(of: &prior.answer, cancel: po, at: receivedAt, ledger: &ledger)
            placed[poID] = prior
            if !records.isEmpty { cancellationsHonoured += 1 }
            return WorldResponse(records: records.map { ScheduledRecord(record: $0, ticket: 0) },
                                 withdrawn: groups.map { prior.tickets[$0] })
        }

        let answer = world.supplierAnswer(purchaseOrder: po, at: receivedAt, stock: stock, ledger: &ledger)
        let tickets: [Int] = (0..<answer.groupCount).map { _ in
            defer { nextTicket += 1 }
            return nextTicket
        }
        if !answer.lines.isEmpty {
            var kept = answer
            kept.records = []
            if placed.updateValue((kept, tickets), forKey: poID) == nil { placedByOrder[orderID, default: []].append(poID) }
        }
        var out = answer.records.map { ScheduledRecord(record: $0.record, ticket: $0.group.map { tickets[$0] } ?? 0) }
        let facts = orders[orderID]
        if let facts, placementReacted.insert(orderID).inserted {
            out += reactions.afterPlacement(facts).map { ScheduledRecord(record: $0, ticket: 0) }
        }
        let origin = world.supplier(id: supplierID)?.country
        let destination = po["ship_to"]?["country"]?.stringValue
        let poSKUs = po["lines"]?.arrayValue?.compactMap { $0["sku"]?.stringValue } ?? []
        var firstShipped: SimInstant?
        for (k, scheduled) in answer.records.enumerated() {
            let update = scheduled.record
            guard let v = update.value, v["status"] == "shipped", let origin, let destination else { continue }
            let ticket = scheduled.group.map { tickets[$0] } ?? 0
            firstShipped = min(firstShipped ?? update.at, update.at)
            let carrier = v["carrier"]?.stringValue ?? ""
            let tracking = v["tracking_number"]?.stringValue ?? (poID + "-" + String(k))
            let journey = world.journey(orderID: orderID, supplierID: supplierID, carrier: carrier, trackingNumber: tracking,
                                        origin: origin, destination: destination, shippedAt: update.at,
                                        seedKey: poID + "/" + tracking)
            out += journey.records.map { ScheduledRecord(record: $0, ticket: ticket) }
            if let facts {
                let skus = v["skus"]?.arrayValue?.compactMap(\.stringValue) ?? poSKUs
                out += reactions.afterShipment(facts, skus: skus, journey: journey, trackingNumber: tracking)
                    .map { ScheduledRecord(record: $0, ticket: ticket) }
            }
        }
        if let facts, origin != nil {
            out += reactions.beforeShipment(facts, supplierID: supplierID, shippedAt: firstShipped)
                .map { ScheduledRecord(record: $0, ticket: 0) }
        }
        let records = out.map {
            $0.record.at < receivedAt ? ScheduledRecord(record: Self.retimed($0.record, to: receivedAt), ticket: $0.ticket) : $0
        }
        return WorldResponse(records: records.enumerated()
            .sorted { $0.element.record.at != $1.element.record.at ? $0.element.record.at < $1.element.record.at : $0.offset < $1.offset }
            .map(\.element))
    }

    /// `record` moved to `t` (its value's time field too): a customer who wrote before the
    /// pipeline's purchase order arrived is heard when it does.
    static func retimed(_ record: SimRecord, to t: SimInstant) -> SimRecord {
        guard var v = record.value?.objectValue else { return record }
        for field in ["at", "requested_at"] where v[field] != nil { v[field] = .string(t.rfc3339) }
        return SimRecord(topic: record.topic, key: record.key, value: .object(v), truth: record.truth, at: t)
    }
}

/// Records waiting for their time, in time order (ties in scheduling order), with the tickets a
/// cancellation withdraws: what ``FulfilledRun`` and the live simulation keep of the world's
/// future.
public struct WorldAgenda {
    private var queue = EventQueue<ScheduledRecord>()
    private var withdrawn: Set<Int> = []

    public init() {}

    /// Schedules a response's records and drops those it withdraws.
    public mutating func add(_ response: WorldResponse) {
        withdrawn.formUnion(response.withdrawn)
        for scheduled in response.records { queue.push(scheduled, at: scheduled.record.at.seconds) }
    }

    /// Schedules one record that nothing withdraws.
    public mutating func add(_ record: SimRecord) {
        queue.push(ScheduledRecord(record: record, ticket: 0), at: record.at.seconds)
    }

    /// When the earliest record still to come is due (seconds), if any.
    public mutating func firstAt() -> Int64? {
        dropWithdrawn()
        return queue.firstAt
    }

    /// The earliest record still to come.
    public mutating func pop() -> SimRecord? {
        dropWithdrawn()
        return queue.pop()?.event.record
    }

    /// Records waiting (withdrawn ones not yet dropped included).
    public var count: Int { queue.count }

    private mutating func dropWithdrawn() {
        guard !withdrawn.isEmpty else { return }
        while let top = queue.peek(), top.ticket != 0, withdrawn.contains(top.ticket) { _ = queue.pop() }
    }
}
