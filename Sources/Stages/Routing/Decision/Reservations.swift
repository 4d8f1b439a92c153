import DropflowContract
import DropflowCore
import Foundation

/// Units routing has sent purchase orders for that a supplier's stock feed cannot show yet: what
/// every routing worker subtracts from the feed's `available_qty`.
///
/// A purchase order's line holds its units from the moment it is placed:
/// - until the supplier answers that it will not take them (backordered, rejected, cancelled),
///   or routing withdraws them (a purchase order with `action: cancel`);
/// - once the supplier took them (accepted or shipped at `t`), until the feed counts stock again
///   after `t` (an offer whose `updated_at` is later): from then on the feed's own number is
///   short of them, and subtracting them again would count them twice;
/// - an unanswered hold lapses after ``expirySeconds`` of event time (a supplier that never
///   answers does not lock its stock away for ever); a taken one after ``takenLimitSeconds``
///   (a feed that never refreshes).
///
/// Built from `purchase-orders` and `supplier.order-updates`, which every routing worker follows,
/// so every worker subtracts the same holds; the one routing worker that owns a supplier's
/// partition of `routing.reservations` also counts what it granted and has not seen come back
/// yet (``merging(_:)``), and no purchase order reaches a supplier except through it.
public struct Reservations: Sendable {
    public struct Hold: Sendable, Hashable {
        public var purchaseOrderID: String
        public var orderID: String
        public var supplierID: String
        public var sku: String
        public var quantity: Int
        /// When the purchase order was placed (event time, seconds).
        public var at: Int64
        /// When the supplier said it took the units (accepted or shipped), if it has.
        public var takenAt: Int64?

        public init(purchaseOrderID: String, orderID: String, supplierID: String, sku: String, quantity: Int, at: Int64,
                    takenAt: Int64? = nil) {
            self.purchaseOrderID = purchaseOrderID
            self.orderID = orderID
            self.supplierID = supplierID
            self.sku = sku
            self.quantity = quantity
            self.at = at
            self.takenAt = takenAt
        }

        /// Whether the hold still keeps units from other orders at `now`, given the feed's last
        /// stock count of its SKU.
        public func counts(at now: Int64, feedUpdatedAt: Int64?, expiry: Int64, takenLimit: Int64) -> Bool {
            if let taken = takenAt {
                if let feed = feedUpdatedAt, feed > taken { return false }
                return now - taken < takenLimit
            }
            return now - at < expiry
        }
    }

    /// An unanswered purchase order's units are free again after this long (event time).
    public var expirySeconds: Int64
    /// A taken hold stops counting after this long even if the feed never counts stock again.
    public var takenLimitSeconds: Int64
    /// `supplier/sku` → purchase order id → its hold.
    private var holds: [String: [String: Hold]] = [:]
    /// Purchase order id → the `supplier/sku` keys it holds (an answer may name no SKU).
    private var keysByOrder: [String: [String]] = [:]
    /// The latest time seen, and when holds were last swept.
    private var latest: Int64 = 0
    private var swept: Int64 = 0

    public init(expirySeconds: Int64 = 3 * 86_400, takenLimitSeconds: Int64 = 7 * 86_400) {
        self.expirySeconds = expirySeconds
        self.takenLimitSeconds = takenLimitSeconds
    }

    static func key(_ supplier: String, _ sku: String) -> String { supplier + "/" + sku }

    // MARK: What happens to holds

    /// A purchase order routing sent: a placement holds its lines; a cancellation frees the lines it names.
    public mutating func apply(_ po: PurchaseOrder, at seconds: Int64) {
        if po.action == .cancel {
            release(po.purchaseOrderID, skus: Set(po.lines.map(\.sku)))
            return
        }
        for line in po.lines where line.quantity > 0 {
            insert(Hold(purchaseOrderID: po.purchaseOrderID, orderID: po.orderID, supplierID: po.supplierID, sku: line.sku,
                        quantity: line.quantity, at: seconds))
        }
        sweep(at: seconds)
    }

    /// A supplier's answer: units taken (accepted, shipped) or never to be taken (the rest).
    public mutating func apply(_ update: SupplierOrderUpdate, at seconds: Int64) {
        guard let id = update.purchaseOrderID, let keys = keysByOrder[id] else { return }
        let named = update.skus.map(Set.init)
        switch update.status {
        case .accepted, .shipped:
            for key in keys {
                guard var hold = holds[key]?[id], named?.contains(hold.sku) ?? true, hold.takenAt == nil else { continue }
                hold.takenAt = seconds
                holds[key]![id] = hold
            }
        case .backordered, .rejected, .cancelled:
            release(id, skus: named)
        }
        latest = max(latest, seconds)
    }

    /// Adds `hold` (the same purchase order's line again replaces it).
    public mutating func insert(_ hold: Hold) {
        let key = Self.key(hold.supplierID, hold.sku)
        if holds[key]?[hold.purchaseOrderID] == nil { keysByOrder[hold.purchaseOrderID, default: []].append(key) }
        holds[key, default: [:]][hold.purchaseOrderID] = hold
        latest = max(latest, hold.at)
    }

    /// Frees the lines `skus` (all when nil) of purchase order `id`.
    public mutating func release(_ id: String, skus: Set<String>?) {
        guard let keys = keysByOrder[id] else { return }
        var left: [String] = []
        for key in keys {
            guard let hold = holds[key]?[id] else { continue }
            if skus?.contains(hold.sku) ?? true {
                holds[key]![id] = nil
                if holds[key]!.isEmpty { holds[key] = nil }
            } else {
                left.append(key)
            }
        }
        keysByOrder[id] = left.isEmpty ? nil : left
    }

    /// Drops holds too old to count whatever happens next, at most once an hour of event time.
    private mutating func sweep(at seconds: Int64) {
        latest = max(latest, seconds)
        guard latest - swept >= 3_600 else { return }
        swept = latest
        let horizon = latest - max(expirySeconds, takenLimitSeconds)
        for (key, byOrder) in holds {
            for (id, hold) in byOrder where max(hold.at, hold.takenAt ?? hold.at) < horizon {
                holds[key]![id] = nil
                keysByOrder[id]?.removeAll { $0 == key }
                if keysByOrder[id]?.isEmpty ?? false { keysByOrder[id] = nil }
            }
            if holds[key]!.isEmpty { holds[key] = nil }
        }
    }

    // MARK: Lookups

    /// Whether purchase order `id` holds anything here.
    public func holds(purchaseOrder id: String) -> Bool { keysByOrder[id] != nil }

    /// The holds on `sku` at `supplier` that count at `now`, given the feed's last stock count.
    public func counting(supplier: String, sku: String, feedUpdatedAt: Int64?, at now: Int64) -> [Hold] {
        (holds[Self.key(supplier, sku)] ?? [:]).values
            .filter { $0.counts(at: now, feedUpdatedAt: feedUpdatedAt, expiry: expirySeconds, takenLimit: takenLimitSeconds) }
            .sorted { $0.purchaseOrderID < $1.purchaseOrderID }
    }

    /// Units of `sku` at `supplier` held at `now` by purchase orders the feed cannot show yet.
    public func reserved(supplier: String, sku: String, feedUpdatedAt: Int64?, at now: Int64) -> Int {
        counting(supplier: supplier, sku: sku, feedUpdatedAt: feedUpdatedAt, at: now).reduce(0) { $0 + $1.quantity }
    }

    /// Every hold that counts at `now`, for operators (`feedUpdatedAt` gives the feed's count of a `supplier/sku`).
    public func totalReserved(at now: Int64, feedUpdatedAt: (String, String) -> Int64?) -> Int {
        var total = 0
        for byOrder in holds.values {
            for hold in byOrder.values where hold.counts(at: now, feedUpdatedAt: feedUpdatedAt(hold.supplierID, hold.sku),
                                                         expiry: expirySeconds, takenLimit: takenLimitSeconds) {
                total += hold.quantity
            }
        }
        return total
    }

    /// These holds and `grants` (what a supplier's ledger granted) that these do not know yet.
    public func merging(_ grants: [Hold]) -> Reservations {
        var merged = self
        for grant in grants where !merged.holds(purchaseOrder: grant.purchaseOrderID) { merged.insert(grant) }
        return merged
    }
}

/// How fast a supplier's stated stock of a SKU falls between two counts (other buyers), learned
/// from its feed: units lost per day, each interval weighing less as it ages (a half-life of
/// ``halfLifeDays``). An interval in which the stock rose (a restock) says nothing about demand
/// and is skipped.
public struct StockDepletion: Sendable {
    public static let halfLifeDays = 7.0

    struct Track: Sendable {
        var quantity: Int
        var at: Int64
        var units = 0.0
        var days = 0.0
    }

    /// `supplier/sku` → what its feed showed last, and the decayed units lost and days watched.
    private var tracks: [String: Track] = [:]

    public init() {}

    /// A count of `quantity` units of `sku` at `supplier` made at `at`.
    public mutating func observe(supplier: String, sku: String, quantity: Int, at: Int64) {
        let key = Reservations.key(supplier, sku)
        guard var track = tracks[key] else {
            tracks[key] = Track(quantity: quantity, at: at)
            return
        }
        guard at > track.at else { return }
        let days = Double(at - track.at) / 86_400
        let decay = pow(0.5, days / Self.halfLifeDays)
        track.units *= decay
        track.days *= decay
        if quantity <= track.quantity {
            track.units += Double(track.quantity - quantity)
            track.days += days
        }
        track.quantity = quantity
        track.at = at
        tracks[key] = track
    }

    /// Units of `sku` at `supplier` others take per day; 0 before the feed has shown any fall.
    public func perDay(supplier: String, sku: String) -> Double {
        guard let track = tracks[Reservations.key(supplier, sku)], track.days > 0 else { return 0 }
        return track.units / track.days
    }
}

/// P(the supplier can fill a line): the feed's units, less the holds of orders in flight and a
/// safety buffer, must outlast what other buyers take while the feed is stale (a Poisson count
/// at the SKU's learned depletion rate over the feed's age).
public struct StockOdds: Sendable, Hashable {
    /// The feed's `available_qty`.
    public var stated: Int
    /// Units held by routing's purchase orders the feed cannot show yet.
    public var reserved: Int
    /// Units kept back (``RoutingConfig/safetyStockUnits``).
    public var buffer: Int
    /// Units others are expected to have taken since the feed counted.
    public var expectedDemand: Double

    /// What routing may promise: the stated units less the reserved ones and the buffer.
    public var usable: Int { max(0, stated - reserved - buffer) }

    /// P(at least `quantity` units are still there).
    public func probability(_ quantity: Int) -> Double {
        let slack = usable - quantity
        guard slack >= 0 else { return 0 }
        return Self.poissonCDF(slack, mean: expectedDemand)
    }

    /// P(N ≤ k) for N ~ Poisson(mean).
    static func poissonCDF(_ k: Int, mean: Double) -> Double {
        guard mean > 0 else { return 1 }
        if Double(k) > mean + 12 * mean.squareRoot() + 12 { return 1 }
        if mean > 500 {
            // The normal approximation with a continuity correction (exp(-mean) underflows).
            let z = (Double(k) + 0.5 - mean) / mean.squareRoot()
            return 0.5 * erfc(-z / 2.0.squareRoot())
        }
        var term = exp(-mean), sum = term
        if k > 0 {
            for i in 1...k {
                term *= mean / Double(i)
                sum += term
            }
        }
        return min(1, sum)
    }
}
