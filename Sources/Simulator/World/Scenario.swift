/// Something that happens to the simulated world. Scenarios compose: a configuration holds a
/// list, and each adds its effect (surges multiply, outages and strikes stack, rings add orders).
public enum Scenario: Sendable, Hashable {
    /// Nothing special: the base rates, fraud and feeds. (An empty list means the same.)
    case normalDay
    /// More orders, at lower prices, for a while.
    case promotionSurge(PromotionSurge)
    /// A supplier stops shipping; it says so late, or not at all.
    case supplierOutage(SupplierOutage)
    /// Transit times blow up on one lane.
    case carrierStrike(CarrierStrike)
    /// A burst of related fraudulent orders sharing addresses, devices and cards.
    case fraudRing(FraudRing)

    /// The scenario's name in the truth summary.
    public var name: String {
        switch self {
        case .normalDay: return "normal_day"
        case .promotionSurge: return "promotion_surge"
        case .supplierOutage: return "supplier_outage"
        case .carrierStrike: return "carrier_strike"
        case .fraudRing: return "fraud_ring"
        }
    }

    /// Every scenario at once, placed within `days` after `start` (about how long the run
    /// lasts: orders ÷ orders per day): a fraud ring early on, an outage of the major supplier
    /// announced two hours late from 20% to 60% of the span, a ×3 promotion surge from 65% to
    /// 85%, and a strike on CN→US throughout.
    public static func all(from start: SimInstant, days: Double = 2) -> [Scenario] {
        func at(_ fraction: Double) -> SimInstant { start + .days(days * fraction) }
        return [
            .normalDay,
            .fraudRing(FraudRing(start: at(0.1), duration: .days(days * 0.05), orders: 30)),
            .supplierOutage(SupplierOutage(supplierID: nil, start: at(0.2), duration: .days(days * 0.4),
                                           announcement: .late(.hours(2)))),
            .promotionSurge(PromotionSurge(start: at(0.65), end: at(0.85), multiple: 3, discountPercent: 20)),
            .carrierStrike(CarrierStrike(carrier: nil, origin: "CN", destination: "US", start: start,
                                         end: at(1), transitMultiplier: 3)),
        ]
    }
}

/// A promotion: the order rate is `multiple` × its base during [start, end), and prices are
/// `discountPercent` lower.
public struct PromotionSurge: Sendable, Hashable {
    public var start: SimInstant
    public var end: SimInstant
    /// Factor on the base order rate (> 0; overlapping surges multiply).
    public var multiple: Double
    /// Price reduction, percent (0–90; overlapping surges take the largest).
    public var discountPercent: Double

    public init(start: SimInstant, end: SimInstant, multiple: Double, discountPercent: Double = 0) {
        precondition(end > start && multiple > 0 && (0...90).contains(discountPercent), "invalid promotion surge")
        self.start = start
        self.end = end
        self.multiple = multiple
        self.discountPercent = discountPercent
    }

    /// Whether `t` is inside [start, end).
    public func contains(_ t: SimInstant) -> Bool { t >= start && t < end }
}

/// When a supplier tells the world about its outage.
public enum Announcement: Sendable, Hashable {
    /// Within minutes.
    case prompt
    /// This long after the outage began (not at all when that is after it ended).
    case late(SimDuration)
    /// Never: its status stays `ok` while it ships nothing.
    case never
}

/// A supplier in outage from `start` for `duration`.
public struct SupplierOutage: Sendable, Hashable {
    /// The supplier; nil means the major one (most offers).
    public var supplierID: String?
    public var start: SimInstant
    public var duration: SimDuration
    public var announcement: Announcement

    public init(supplierID: String?, start: SimInstant, duration: SimDuration, announcement: Announcement) {
        precondition(duration.seconds > 0, "an outage lasts a while")
        self.supplierID = supplierID
        self.start = start
        self.duration = duration
        self.announcement = announcement
    }
}

/// A strike on the lane origin → destination: transit times × `transitMultiplier` for parcels
/// picked up during [start, end).
public struct CarrierStrike: Sendable, Hashable {
    /// One carrier service; nil means every carrier on the lane.
    public var carrier: String?
    public var origin: String
    public var destination: String
    public var start: SimInstant
    public var end: SimInstant
    public var transitMultiplier: Double

    public init(carrier: String?, origin: String, destination: String, start: SimInstant, end: SimInstant,
                transitMultiplier: Double) {
        precondition(end > start && transitMultiplier >= 1, "invalid carrier strike")
        self.carrier = carrier
        self.origin = origin
        self.destination = destination
        self.start = start
        self.end = end
        self.transitMultiplier = transitMultiplier
    }

    /// Whether the strike hits a parcel of `carrier` on origin → destination picked up at `t`.
    public func affects(carrier: String, origin: String, destination: String, at t: SimInstant) -> Bool {
        (self.carrier == nil || self.carrier == carrier) && self.origin == origin && self.destination == destination
            && t >= start && t < end
    }
}

/// A fraud ring: `orders` fraudulent orders spread over [start, start + duration), from new
/// accounts that share a few reshipper addresses, devices (IPs), cards and a phone number.
/// These orders come on top of the configured fraud rate.
public struct FraudRing: Sendable, Hashable {
    public var start: SimInstant
    public var duration: SimDuration
    public var orders: Int

    public init(start: SimInstant, duration: SimDuration, orders: Int) {
        precondition(duration.seconds > 0 && orders > 0, "invalid fraud ring")
        self.start = start
        self.duration = duration
        self.orders = orders
    }
}
