import DropflowCore
import DropflowJSON
import DropflowContract

/// What became of a run's orders, from the truth: it reads the records of a run with lifecycles
/// (``MerchantRun``: the orders, the merchant's purchase orders and decisions, the suppliers'
/// answers and the parcels' tracking) and tells, for each order, whether it was delivered in
/// full and by its promise, in how many days, whether its promised window held, and what it
/// cost to land.
///
/// - **In full**: every ordered unit is in a parcel that was delivered (a lost or returned
///   parcel, a line cancelled or rejected, never sent: not in full).
/// - **On time**: the last of them delivered by the promise (``promisedDays`` from placement, by
///   the order's shipping option: what the storefront promises and its customers hold it to).
/// - **The window**: the first `orders.routed` decision's `delivery_window` for the order; a
///   merchant that publishes none is taken to promise what its suppliers and carriers state
///   (placement plus the stated handling and transit medians to their 90th percentiles, the
///   latest shipment's).
/// - **Landed cost**, counted when a supplier ships: the units' cost on the purchase order, what
///   the carrier really charges for the parcel's weight then (``CarrierRateBook/priceCents(lane:weightGrams:at:)``,
///   estimated lanes included), and the import charges of ``duties``. Units never shipped cost
///   nothing.
/// - **Backorders**: lines a supplier answered `backordered` (an oversell: the feed or the
///   merchant promised units that were not there).
public struct FulfilmentTally {
    /// Import charges (duties and fees), cents of the run's currency, for goods worth
    /// `goodsCents` shipped from `origin` to `destination`.
    public typealias Duties = @Sendable (_ origin: String, _ destination: String, _ goodsCents: Int64) -> Int64

    public let world: World
    public let duties: Duties
    /// Days from placement the storefront promises, by shipping option.
    public var promisedDays: [String: Double] = ReactionRates().promisedDays
    /// Whether fraudulent orders (by the truth) are counted.
    public let countsFraud: Bool

    /// One order's fate.
    public struct OrderFate: Sendable {
        public let orderID: String
        public let placedAt: SimInstant
        public let shippingOption: String
        public let destination: String
        /// Units ordered by SKU.
        public let ordered: [String: Int]
        /// Units in delivered parcels by SKU.
        public fileprivate(set) var delivered: [String: Int] = [:]
        /// When the last needed unit was delivered (set once the order is in full).
        public fileprivate(set) var completedAt: SimInstant?
        /// The promised window (earliest, latest), if the merchant published one.
        public fileprivate(set) var window: (earliest: SimInstant, latest: SimInstant)?
        /// The latest shipment's stated window, for a merchant that publishes none.
        public fileprivate(set) var statedWindow: (earliest: SimInstant, latest: SimInstant)?
        /// Purchase orders placed (placements, not cancellations).
        public fileprivate(set) var purchaseOrders = 0
        /// Lines answered `backordered`, `rejected`, and shipped.
        public fileprivate(set) var backorderedLines = 0, rejectedLines = 0
        /// What landing it cost so far, cents: goods, shipping, duties.
        public fileprivate(set) var goodsCents: Int64 = 0, shippingCents: Int64 = 0, dutiesCents: Int64 = 0

        public var landedCents: Int64 { goodsCents + shippingCents + dutiesCents }
        public var sent: Bool { purchaseOrders > 0 }
        public var inFull: Bool { completedAt != nil }
        /// The promise: placement plus the promised days of its shipping option.
        public func promise(_ days: [String: Double]) -> SimInstant { placedAt + .days(days[shippingOption] ?? 9) }
        public func onTime(_ days: [String: Double]) -> Bool { completedAt.map { $0 <= promise(days) } ?? false }
        /// Days from placement to the last unit's delivery.
        public var deliveryDays: Double? { completedAt.map { Double(($0 - placedAt).seconds) / 86_400 } }
        /// The window it is judged by: its own, else the stated one.
        public var promisedWindow: (earliest: SimInstant, latest: SimInstant)? { window ?? statedWindow }
        /// Whether it was delivered in full inside its promised window.
        public var insideWindow: Bool? {
            guard let completedAt, let w = promisedWindow else { return nil }
            return w.earliest <= completedAt && completedAt <= w.latest
        }
    }

    private struct Placed {
        let orderID: String
        let supplier: Supplier
        var lines: [String: (quantity: Int, unitCents: Int64)]
        let carrier: String
        let destination: String
    }

    private struct Parcel {
        let orderID: String
        let units: [String: Int]
    }

    public private(set) var fates: [String: OrderFate] = [:]
    /// Orders in the order they were placed.
    public private(set) var orderIDs: [String] = []
    private var placed: [String: Placed] = [:]
    private var parcels: [String: Parcel] = [:]

    public init(world: World, countsFraud: Bool = false, duties: @escaping Duties = { _, _, _ in 0 }) {
        self.world = world
        self.countsFraud = countsFraud
        self.duties = duties
    }

    /// Reads one record of the run (others than those above are ignored).
    public mutating func observe(_ record: SimRecord) {
        guard let v = record.value else { return }
        switch record.topic {
        case SimRecord.Topic.ordersPlaced:
            observeOrder(v, truth: record.truth)
        case SimRecord.Topic.purchaseOrders:
            observePurchaseOrder(v, at: record.at)
        case "orders.routed":
            guard let id = v["order_id"]?.stringValue, fates[id]?.window == nil,
                  let earliest = v["delivery_window"]?["earliest"]?.stringValue.flatMap(SimInstant.init(rfc3339:)),
                  let latest = v["delivery_window"]?["latest"]?.stringValue.flatMap(SimInstant.init(rfc3339:)) else { return }
            fates[id]?.window = (earliest, latest)
        case SimRecord.Topic.supplierOrderUpdates:
            observeUpdate(v, at: record.at)
        case SimRecord.Topic.shipmentsEvents:
            guard v["status"]?.stringValue == "delivered", let orderID = v["order_id"]?.stringValue,
                  let tracking = v["tracking_number"]?.stringValue,
                  let parcel = parcels.removeValue(forKey: orderID + "/" + tracking), var fate = fates[parcel.orderID] else { return }
            for (sku, units) in parcel.units { fate.delivered[sku, default: 0] += units }
            if fate.completedAt == nil, fate.ordered.allSatisfy({ fate.delivered[$0.key, default: 0] >= $0.value }) {
                fate.completedAt = record.at
            }
            fates[parcel.orderID] = fate
        default:
            return
        }
    }

    private mutating func observeOrder(_ v: JSONValue, truth: JSONValue?) {
        guard countsFraud || truth?["is_fraud"]?.boolValue != true,
              let id = v["order_id"]?.stringValue, fates[id] == nil,
              let placedAt = v["placed_at"]?.stringValue.flatMap(SimInstant.init(rfc3339:)) else { return }
        var ordered: [String: Int] = [:]
        for line in v["lines"]?.arrayValue ?? [] {
            guard let sku = line["sku"]?.stringValue else { continue }
            ordered[sku, default: 0] += Int(line["quantity"]?.int64Value ?? 1)
        }
        fates[id] = OrderFate(orderID: id, placedAt: placedAt, shippingOption: v["shipping_option"]?.stringValue ?? "standard",
                              destination: v["shipping_address"]?["country"]?.stringValue ?? "", ordered: ordered)
        orderIDs.append(id)
    }

    private mutating func observePurchaseOrder(_ v: JSONValue, at: SimInstant) {
        guard let orderID = v["order_id"]?.stringValue, var fate = fates[orderID],
              let poID = v["purchase_order_id"]?.stringValue, v["action"]?.stringValue != "cancel",
              let supplier = v["supplier_id"]?.stringValue.flatMap(world.supplier(id:)) else { return }
        var lines: [String: (Int, Int64)] = [:]
        for line in v["lines"]?.arrayValue ?? [] {
            guard let sku = line["sku"]?.stringValue else { continue }
            let cents = MoneyAmount(line["unit_cost"]).map { ($0.tenThousandths + 50) / 100 } ?? 0
            lines[sku] = (Int(line["quantity"]?.int64Value ?? 1), cents)
        }
        let carrier = v["carrier"]?.stringValue ?? ""
        placed[poID] = Placed(orderID: orderID, supplier: supplier, lines: lines, carrier: carrier, destination: fate.destination)
        fate.purchaseOrders += 1
        if let i = world.network.laneIndex(carrier: carrier, origin: supplier.country, destination: fate.destination) {
            let transit = world.rates.rates[i].statedTransit
            let stated = (earliest: at + .days(supplier.statedHandling.p50 + transit.p50),
                          latest: at + .days(supplier.statedHandling.p90 + transit.p90))
            fate.statedWindow = fate.statedWindow.map { (max($0.earliest, stated.earliest), max($0.latest, stated.latest)) } ?? stated
        }
        fates[orderID] = fate
    }

    private mutating func observeUpdate(_ v: JSONValue, at: SimInstant) {
        guard let poID = v["purchase_order_id"]?.stringValue, let po = placed[poID], var fate = fates[po.orderID] else { return }
        let skus = v["skus"]?.arrayValue?.compactMap(\.stringValue) ?? po.lines.keys.sorted()
        switch v["status"]?.stringValue {
        case "backordered":
            fate.backorderedLines += skus.count
        case "rejected":
            fate.rejectedLines += skus.count
        case "shipped":
            var units: [String: Int] = [:], goods: Int64 = 0, grams = 0
            for sku in skus {
                guard let line = po.lines[sku] else { continue }
                units[sku] = line.quantity
                goods += line.unitCents * Int64(line.quantity)
                grams += line.quantity * (world.catalogue.indexBySKU[sku].map { world.catalogue.products[$0].weightGrams } ?? 500)
            }
            fate.goodsCents += goods
            fate.shippingCents += world.rates.priceCents(carrier: po.carrier, origin: po.supplier.country, destination: po.destination,
                                                         weightGrams: max(1, grams), at: at) ?? 0
            fate.dutiesCents += duties(po.supplier.country, po.destination, goods)
            if let tracking = v["tracking_number"]?.stringValue { parcels[po.orderID + "/" + tracking] = Parcel(orderID: po.orderID, units: units) }
        default:
            break
        }
        fates[po.orderID] = fate
    }

    /// The figures over every counted order.
    public var summary: FulfilmentSummary { FulfilmentSummary(fates: orderIDs.compactMap { fates[$0] }, promisedDays: promisedDays) }
    /// The figures of the orders placed at or after `since` (a run's later part, once what
    /// learns from deliveries has seen some).
    public func summary(placedSince since: SimInstant) -> FulfilmentSummary {
        FulfilmentSummary(fates: orderIDs.compactMap { fates[$0] }.filter { $0.placedAt >= since }, promisedDays: promisedDays)
    }
}

/// A run's fulfilment figures from the truth (``FulfilmentTally``).
public struct FulfilmentSummary: Sendable {
    /// Orders counted, and those the merchant sent to a supplier.
    public let orders: Int, sent: Int
    /// Delivered in full; and in full by the promise (on time in full).
    public let inFull: Int, onTimeInFull: Int
    /// Days from placement to the last unit delivered, over orders delivered in full.
    public let meanDays: Double, p90Days: Double
    /// Landed cost of everything shipped, cents.
    public let landedCents: Int64
    /// Lines answered `backordered`, orders with at least one, and lines sent.
    public let backorderedLines: Int, ordersBackordered: Int
    /// Orders delivered in full with a promised window, and those inside it.
    public let withWindow: Int, insideWindow: Int
    /// Mean width of the promised windows of orders delivered in full, days.
    public let meanWindowDays: Double
    /// By shipping option: orders counted and on time in full.
    public let byOption: [String: (orders: Int, onTimeInFull: Int)]
    /// Orders delivered in full inside, before and after their promised window.
    public let early: Int, late: Int

    init(fates: [FulfilmentTally.OrderFate], promisedDays: [String: Double]) {
        orders = fates.count
        sent = fates.filter(\.sent).count
        let full = fates.filter(\.inFull)
        inFull = full.count
        onTimeInFull = full.filter { $0.onTime(promisedDays) }.count
        let days = full.compactMap(\.deliveryDays).sorted()
        meanDays = days.isEmpty ? 0 : days.reduce(0, +) / Double(days.count)
        p90Days = days.isEmpty ? 0 : days[min(days.count - 1, Int((Double(days.count) * 0.9).rounded(.up)) - 1)]
        landedCents = fates.reduce(0) { $0 + $1.landedCents }
        backorderedLines = fates.reduce(0) { $0 + $1.backorderedLines }
        ordersBackordered = fates.filter { $0.backorderedLines > 0 }.count
        var byOption: [String: (orders: Int, onTimeInFull: Int)] = [:]
        for fate in fates {
            byOption[fate.shippingOption, default: (0, 0)].orders += 1
            if fate.onTime(promisedDays) { byOption[fate.shippingOption, default: (0, 0)].onTimeInFull += 1 }
        }
        self.byOption = byOption
        early = full.filter { f in f.promisedWindow.map { f.completedAt! < $0.earliest } ?? false }.count
        late = full.filter { f in f.promisedWindow.map { f.completedAt! > $0.latest } ?? false }.count
        let judged = full.compactMap(\.insideWindow)
        withWindow = judged.count
        insideWindow = judged.filter { $0 }.count
        let widths = full.compactMap { $0.promisedWindow.map { Double(($0.latest - $0.earliest).seconds) / 86_400 } }
        meanWindowDays = widths.isEmpty ? 0 : widths.reduce(0, +) / Double(widths.count)
    }

    /// Share of counted orders delivered on time and in full.
    public var onTimeInFullShare: Double { orders == 0 ? 0 : Double(onTimeInFull) / Double(orders) }
    /// Landed cost per order sent, cents.
    public var landedPerOrderCents: Double { sent == 0 ? 0 : Double(landedCents) / Double(sent) }
    /// Landed cost of everything per order delivered on time and in full, cents.
    public var landedPerOnTimeOrderCents: Double { onTimeInFull == 0 ? .infinity : Double(landedCents) / Double(onTimeInFull) }
    /// Share of orders delivered in full that arrived inside their promised window.
    public var insideWindowShare: Double { withWindow == 0 ? 0 : Double(insideWindow) / Double(withWindow) }
}
