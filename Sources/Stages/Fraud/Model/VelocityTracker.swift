/// Recent orders by customer, email, card, shipping address and IP, for velocity features.
///
/// A value type: copy it to branch, e.g. to try a what-if. ``record(_:)`` is idempotent by
/// order ID (a redelivered signal counts once), and ``history(for:at:)`` counts only other
/// orders placed at or before the instant asked about, so several workers that saw the same
/// signals in different orders give the same answers. Entries older than ``horizon`` seconds
/// before the newest signal are evicted as time moves on, so memory stays bounded; a signal that
/// arrives older than that is ignored.
///
/// Keys are 64-bit FNV-1a hashes of the normalized fingerprints (see ``OrderSignal``).
public struct VelocityTracker: Sendable {
    /// One order as filed under one key. Fingerprints are hashes.
    struct Entry: Sendable {
        var at: Int64
        var order: UInt64
        var customer: UInt64
        var email: UInt64
        var card: UInt64
        var address: UInt64
        var ip: UInt64
        var value: Double
    }

    /// The kinds of key, as hash salts.
    enum Kind: UInt8, CaseIterable {
        case customer = 1, email, card, address, ip, order
    }

    /// How long entries are kept, in seconds (default 30 days).
    public let horizon: Int64
    /// How far apart eviction sweeps are, in seconds of signal time.
    let sweepInterval: Int64
    /// Entries per key hash, sorted by time (ties by arrival).
    private var byKey: [UInt64: [Entry]] = [:]
    /// Order hash → its time, for idempotence and self-exclusion.
    private var orders: [UInt64: Int64] = [:]
    /// Chargeback instants per customer and per card hash.
    private var chargebacks: [UInt64: [Int64]] = [:]
    /// The newest signal time seen.
    public private(set) var newest: Int64 = .min
    private var lastSweep: Int64 = .min

    /// Hash of an absent fingerprint.
    static let none: UInt64 = 0

    public init(horizonSeconds: Int64 = 30 * 86_400) {
        precondition(horizonSeconds > 0)
        horizon = horizonSeconds
        sweepInterval = max(60, horizonSeconds / 30)
    }

    /// Orders currently held.
    public var count: Int { orders.count }

    static func key(_ s: String?, _ kind: Kind) -> UInt64 {
        guard let s else { return none }
        let h = StableHash.hash(s, kind: kind.rawValue)
        return h == none ? 1 : h
    }

    /// Files `signal` under each of its keys. Returns false (and changes nothing) when the order
    /// was already recorded, or is older than the horizon.
    @discardableResult
    public mutating func record(_ signal: OrderSignal) -> Bool {
        let orderKey = Self.key(signal.orderID, .order)
        guard orders[orderKey] == nil else { return false }
        if newest != .min, signal.at < newest - horizon { return false }
        orders[orderKey] = signal.at
        let entry = Entry(at: signal.at, order: orderKey, customer: Self.key(signal.customerID, .customer),
                          email: Self.key(signal.email, .email), card: Self.key(signal.card, .card),
                          address: Self.key(signal.address, .address), ip: Self.key(signal.ip, .ip), value: signal.value)
        for k in [entry.customer, entry.email, entry.card, entry.address, entry.ip] where k != Self.none {
            Self.insert(entry, into: &byKey[k, default: []])
        }
        if signal.chargeback {
            recordChargeback(customerID: signal.customerID, card: signal.card, at: signal.at)
        }
        if signal.at > newest { newest = signal.at }
        if lastSweep == .min { lastSweep = newest }
        if newest - lastSweep >= sweepInterval {
            evict(olderThan: newest - horizon)
            lastSweep = newest
        }
        return true
    }

    /// Notes that an order of `customerID` paid with `card` (a fingerprint) was charged back,
    /// known from `at` on.
    public mutating func recordChargeback(customerID: String?, card: String? = nil, at: Int64) {
        for k in [Self.key(customerID, .customer), Self.key(card, .card)] where k != Self.none {
            Self.insertTime(at, into: &chargebacks[k, default: []])
        }
    }

    /// Inserts keeping time order; appends in the usual, in-order case.
    private static func insert(_ e: Entry, into list: inout [Entry]) {
        if let last = list.last, last.at > e.at {
            var lo = 0, hi = list.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if list[mid].at <= e.at { lo = mid + 1 } else { hi = mid }
            }
            list.insert(e, at: lo)
        } else {
            list.append(e)
        }
    }

    private static func insertTime(_ t: Int64, into list: inout [Int64]) {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid] <= t { lo = mid + 1 } else { hi = mid }
        }
        list.insert(t, at: lo)
    }

    /// Index of the first entry with time > t.
    private static func upperBound(_ list: [Entry], _ t: Int64) -> Int {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].at <= t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Index of the first entry with time >= t.
    private static func lowerBound(_ list: [Entry], _ t: Int64) -> Int {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].at < t { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// What was known about `signal`'s keys at `at` (usually `signal.at`), excluding the order
    /// itself and anything placed after `at`.
    public func history(for signal: OrderSignal, at: Int64) -> OrderHistory {
        var h = OrderHistory()
        let me = Self.key(signal.orderID, .order)
        let customer = Self.key(signal.customerID, .customer)
        let address = Self.key(signal.address, .address)
        let ip = Self.key(signal.ip, .ip)
        let card = Self.key(signal.card, .card)

        // Counts in [at - window, at] of entries other than the order itself.
        func windows(_ key: UInt64) -> (list: [Entry], from24h: Int, end: Int, c1h: Int, c24h: Int)? {
            guard key != Self.none, let list = byKey[key] else { return nil }
            let end = Self.upperBound(list, at)
            let from24h = Self.lowerBound(list, at - 86_400)
            var c1h = 0, c24h = 0
            for i in from24h..<end where list[i].order != me {
                c24h += 1
                if list[i].at >= at - 3_600 { c1h += 1 }
            }
            return (list, from24h, end, c1h, c24h)
        }
        /// Distinct values of `field` other than `own` in the 24-hour window.
        func distinct(_ w: (list: [Entry], from24h: Int, end: Int, c1h: Int, c24h: Int), _ field: KeyPath<Entry, UInt64>,
                      excluding own: UInt64) -> Int {
            var seen: [UInt64] = []
            for i in w.from24h..<w.end where w.list[i].order != me {
                let v = w.list[i][keyPath: field]
                if v != Self.none, v != own, !seen.contains(v) { seen.append(v) }
            }
            return seen.count
        }

        if let w = windows(customer) {
            h.customer1h = w.c1h; h.customer24h = w.c24h
            var total = 0.0
            for i in 0..<w.end where w.list[i].order != me {
                let e = w.list[i]
                h.customerOrders += 1
                total += e.value
                if address != Self.none, e.address == address { h.customerOrdersToAddress += 1 }
                if ip != Self.none, e.ip == ip { h.customerOrdersFromIP += 1 }
            }
            if h.customerOrders > 0 { h.customerMeanValue = total / Double(h.customerOrders) }
        }
        if let w = windows(Self.key(signal.email, .email)) {
            h.email1h = w.c1h; h.email24h = w.c24h
        }
        if let w = windows(card) {
            h.card1h = w.c1h; h.card24h = w.c24h
            h.cardCustomers24h = distinct(w, \.customer, excluding: customer)
            h.cardEmails24h = distinct(w, \.email, excluding: Self.key(signal.email, .email))
        }
        if let w = windows(address) {
            h.address1h = w.c1h; h.address24h = w.c24h
            h.addressCustomers24h = distinct(w, \.customer, excluding: customer)
            h.addressCards24h = distinct(w, \.card, excluding: card)
        }
        if let w = windows(ip) {
            h.ip1h = w.c1h; h.ip24h = w.c24h
            h.ipCustomers24h = distinct(w, \.customer, excluding: customer)
            h.ipCards24h = distinct(w, \.card, excluding: card)
        }
        func chargebacksAt(_ key: UInt64) -> Int {
            guard key != Self.none, let list = chargebacks[key] else { return 0 }
            return list.reduce(0) { $0 + ($1 <= at ? 1 : 0) }
        }
        h.customerChargebacks = chargebacksAt(customer)
        h.cardChargebacks = chargebacksAt(card)
        return h
    }

    /// Drops every order placed before `cutoff` (and chargebacks known before it).
    public mutating func evict(olderThan cutoff: Int64) {
        for key in Array(byKey.keys) {
            guard let first = byKey[key]?.first, first.at < cutoff else { continue }
            let list = byKey[key]!
            let keep = Self.lowerBound(list, cutoff)
            if keep == list.count { byKey[key] = nil } else { byKey[key] = Array(list[keep...]) }
        }
        orders = orders.filter { $0.value >= cutoff }
        for key in Array(chargebacks.keys) {
            let kept = chargebacks[key]!.filter { $0 >= cutoff }
            chargebacks[key] = kept.isEmpty ? nil : kept
        }
    }
}
