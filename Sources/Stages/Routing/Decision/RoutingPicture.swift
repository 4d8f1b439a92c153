import DropflowContract
import DropflowCore
import Foundation

/// What a routing worker knows of the world when it decides: the latest offer per supplier and
/// SKU (a tombstone withdraws one), each supplier's status, the latest carrier rate per lane, and
/// each supplier's track record of filling purchase orders. Built from the feeds in the order they
/// arrive; every routing worker holds its own.
public struct RoutingPicture: Sendable {
    /// Supplier id → SKU → its offer.
    public private(set) var offers: [String: [String: SupplierOffer]] = [:]
    /// SKU → suppliers offering it (sorted, so choices never depend on dictionary order).
    public private(set) var suppliersBySKU: [String: [String]] = [:]
    public private(set) var status: [String: SupplierStatus] = [:]
    /// `carrier/level/origin/destination` → rate.
    public private(set) var rates: [String: CarrierRate] = [:]
    /// `origin/destination` → the rates of that lane, in key order (kept sorted as rates come,
    /// since every plan looks its lanes up).
    private var ratesByLane: [String: [(key: String, rate: CarrierRate)]] = [:]
    /// Carrier → the service levels it has published rates for anywhere.
    public private(set) var carrierLevels: [String: Set<ServiceLevel>] = [:]
    /// Supplier id → what its answers to purchase orders were.
    public private(set) var records: [String: SupplierRecord] = [:]
    /// Bumped at every change that can make an order routable (an offer, a status, a rate).
    public private(set) var version = 0
    /// Lead times learned from purchase orders, suppliers' answers and parcels' tracking.
    public private(set) var learned: LeadTimeLearner
    /// Units routing's purchase orders hold that the feeds cannot show yet.
    public private(set) var reservations: Reservations
    /// How fast each offer's stated stock falls between counts.
    public private(set) var depletion = StockDepletion()
    /// Supplier id → its latest stock count: the latest `updated_at` of any of its offers (a feed
    /// publishes only the offers a count changed, so an unchanged offer was counted then too).
    public private(set) var countedAt: [String: Int64] = [:]

    public init(learning: LeadTimeLearner.Settings = LeadTimeLearner.Settings(), reservations: Reservations = Reservations()) {
        learned = LeadTimeLearner(settings: learning)
        self.reservations = reservations
    }

    // MARK: Feeds

    /// `supplier.offers`: the value at `key` (`supplier/sku`), or a tombstone (nil).
    public mutating func apply(offerKey key: String, _ offer: SupplierOffer?) {
        let (supplier, sku): (String, String)
        if let offer {
            (supplier, sku) = (offer.supplierID, offer.sku)
        } else {
            guard let slash = key.firstIndex(of: "/") else { return }
            (supplier, sku) = (String(key[..<slash]), String(key[key.index(after: slash)...]))
        }
        if let offer {
            if let held = offers[supplier]?[sku], Self.isNewer(held.updatedAt, than: offer.updatedAt) { return }
            offers[supplier, default: [:]][sku] = offer
            if let at = DateTimeFormat.epochSeconds(offer.updatedAt) {
                depletion.observe(supplier: supplier, sku: sku, quantity: offer.availableQty, at: at)
                countedAt[supplier] = max(countedAt[supplier] ?? at, at)
            }
            var list = suppliersBySKU[sku] ?? []
            if !list.contains(supplier) {
                list.append(supplier)
                list.sort()
                suppliersBySKU[sku] = list
            }
        } else {
            offers[supplier]?[sku] = nil
            suppliersBySKU[sku]?.removeAll { $0 == supplier }
        }
        version += 1
    }

    /// `supplier.status`.
    public mutating func apply(_ status: SupplierStatus) {
        if let held = self.status[status.supplierID], Self.isNewer(held.updatedAt, than: status.updatedAt) { return }
        self.status[status.supplierID] = status
        version += 1
    }

    /// `carrier.rates`: the value at `key`, or a tombstone (nil).
    public mutating func apply(rateKey key: String, _ rate: CarrierRate?) {
        if let rate, let held = rates[key], Self.isNewer(held.updatedAt, than: rate.updatedAt) { return }
        if let old = rates[key] { ratesByLane[old.originCountry + "/" + old.destinationCountry]?.removeAll { $0.key == key } }
        rates[key] = rate
        if let rate {
            let lane = rate.originCountry + "/" + rate.destinationCountry
            var list = ratesByLane[lane] ?? []
            list.insert((key, rate), at: list.firstIndex { $0.key > key } ?? list.count)
            ratesByLane[lane] = list
        }
        if let rate { carrierLevels[rate.carrier, default: []].insert(rate.serviceLevel) }
        version += 1
    }

    /// `supplier.order-updates`: what a supplier answered.
    public mutating func apply(_ update: SupplierOrderUpdate, at seconds: Int64) {
        records[update.supplierID, default: SupplierRecord()].record(update.status, at: seconds)
        reservations.apply(update, at: seconds)
        learned.observe(update)
    }

    /// `purchase-orders`: one of routing's own. Its lines hold their units (``Reservations``);
    /// and, when `learning`, its supplier's answer and its parcels can be timed (the origin is
    /// where the supplier's offer of its first line ships from).
    public mutating func apply(_ po: PurchaseOrder, learning: Bool = true) {
        guard let at = DateTimeFormat.epochSeconds(po.at) else { return }
        reservations.apply(po, at: at)
        guard learning, let sku = po.lines.first?.sku, let origin = offer(supplier: po.supplierID, sku: sku)?.shipsFrom else { return }
        learned.placed(po, origin: origin, at: at)
    }

    /// `orders.routed`: what routing predicted for each purchase order, to calibrate its windows by.
    public mutating func apply(_ decision: RoutingDecision) {
        learned.observe(decision)
    }

    /// `shipments.events`: a parcel's tracking.
    public mutating func apply(_ event: ShipmentEvent) {
        learned.observe(event)
    }

    /// Whether `a` is a later time than `b` (a feed message seen twice, or out of order, never
    /// takes the picture back).
    static func isNewer(_ a: String, than b: String) -> Bool {
        guard let x = DateTimeFormat.epochSeconds(a), let y = DateTimeFormat.epochSeconds(b) else { return false }
        return x > y
    }

    /// The `carrier.rates` key of `rate`.
    public static func key(of rate: CarrierRate) -> String {
        [rate.carrier, rate.serviceLevel.rawValue, rate.originCountry, rate.destinationCountry].joined(separator: "/")
    }

    // MARK: Lookups

    public func offer(supplier: String, sku: String) -> SupplierOffer? { offers[supplier]?[sku] }

    /// The rates published for the lane from `origin` to `destination`.
    public func rates(from origin: String, to destination: String) -> [CarrierRate] {
        (ratesByLane[origin + "/" + destination] ?? []).map(\.rate)
    }

    public func statusOf(_ supplier: String) -> SupplierStatus.Status {
        status[supplier]?.status ?? .ok
    }

    /// What `supplier`'s stock of `sku` allows at `seconds`: its feed's units, less what routing's
    /// purchase orders hold (``Reservations``) and `buffer`, against what other buyers take while
    /// the feed is stale. Nil when it offers none.
    public func stock(supplier: String, sku: String, at seconds: Int64, buffer: Int) -> StockOdds? {
        guard let offer = offer(supplier: supplier, sku: sku) else { return nil }
        let counted = lastCount(supplier: supplier, sku: sku)
        let age = max(0, Double(seconds - (counted ?? seconds))) / 86_400
        return StockOdds(stated: offer.availableQty,
                         reserved: reservations.reserved(supplier: supplier, sku: sku, feedUpdatedAt: counted, at: seconds),
                         buffer: buffer, expectedDemand: depletion.perDay(supplier: supplier, sku: sku) * age)
    }

    /// When `supplier` last counted its stock of `sku`, as far as its feed shows: the offer's own
    /// `updated_at`, or a later count of the supplier's that left this offer unchanged.
    public func lastCount(supplier: String, sku: String) -> Int64? {
        let own = offer(supplier: supplier, sku: sku).flatMap { DateTimeFormat.epochSeconds($0.updatedAt) }
        guard let any = countedAt[supplier] else { return own }
        return max(own ?? any, any)
    }

    /// The picture with `grants` (a supplier ledger's, not seen on `purchase-orders` yet) held too.
    public func holding(_ grants: [Reservations.Hold]) -> RoutingPicture {
        var copy = self
        copy.reservations = reservations.merging(grants)
        return copy
    }
}

/// A supplier's answers to purchase orders, each weighing less as it ages (a half-life of
/// ``halfLifeDays`` of event time), so a supplier that failed last month can earn trust back.
public struct SupplierRecord: Sendable, Hashable {
    public static let halfLifeDays = 14.0
    /// Decayed counts of purchase orders accepted and of those backordered or rejected.
    public private(set) var filled = 0.0
    public private(set) var failed = 0.0
    /// Undecayed counts, for the explanation.
    public private(set) var backorders = 0, rejections = 0
    private var at: Int64 = 0

    public init() {}

    mutating func record(_ status: SupplierOrderUpdate.Status, at seconds: Int64) {
        decay(to: seconds)
        switch status {
        case .accepted: filled += 1
        case .backordered: failed += 1; backorders += 1
        case .rejected: failed += 1; rejections += 1
        case .shipped, .cancelled: break
        }
    }

    private mutating func decay(to seconds: Int64) {
        if seconds > at {
            let factor = pow(0.5, Double(seconds - at) / (Self.halfLifeDays * 86_400))
            filled *= factor
            failed *= factor
            at = seconds
        }
    }

    /// The chance this supplier fills a purchase order: the prior's answers and its own.
    public func fillRate(prior: Double, priorAnswers: Double) -> Double {
        (prior * priorAnswers + filled) / (priorAnswers + filled + failed)
    }
}

/// A ``RoutingPicture`` that the feed handlers and the deciding handler share (one lock).
public final class RoutingMemory: @unchecked Sendable {
    private let lock = NSLock()
    private var picture: RoutingPicture

    public init(_ picture: RoutingPicture = RoutingPicture()) {
        self.picture = picture
    }

    /// Changes the picture.
    public func update(_ change: (inout RoutingPicture) -> Void) {
        lock.withLock { change(&picture) }
    }

    /// The picture as it is now (a copy: deciding does not hold the lock).
    public var current: RoutingPicture { lock.withLock { picture } }
}
