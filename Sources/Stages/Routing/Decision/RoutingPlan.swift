import DropflowContract
import Foundation

/// A carrier service on one lane as routing uses it: what it costs and how long it is said to
/// take, from `carrier.rates` or, where no rate is published, estimated from configuration.
public struct LaneQuote: Sendable, Hashable {
    public var carrier: String
    public var level: ServiceLevel
    public var origin: String
    public var destination: String
    /// In the order's currency.
    public var base: Double
    public var perKg: Double
    public var transitP50: Double
    public var transitP90: Double
    public var customs: Bool
    /// No rate was published for this lane: the figures are ``RoutingConfig``'s estimate.
    public var estimated: Bool

    /// What a parcel of `grams` costs.
    public func price(grams: Int) -> Double { base + perKg * Double(grams) / 1_000 }
}

/// One supplier's part of a plan: the lines (with quantities) it ships, by which carrier service,
/// and what that costs and takes.
public struct Shipment: Sendable, Hashable {
    public struct Line: Sendable, Hashable {
        public var sku: String
        public var quantity: Int
        /// Per unit, in the order's currency.
        public var unitCost: Double
        /// As the offer states it (the supplier's currency), for the purchase order.
        public var offeredUnitCost: String
    }

    public var supplierID: String
    public var origin: String
    public var lines: [Line]
    public var lane: LaneQuote
    public var grams: Int
    /// In the order's currency.
    public var goods: Double
    public var shipping: Double
    public var duties: Double
    public var leadTime: ShipmentLeadTime
    /// The chance the supplier fills it (its status, its track record, and its stock outlasting other buyers).
    public var fillRate: Double
    /// The supplier's status when planned.
    public var status: SupplierStatus.Status
    /// Where the handling and transit came from: the stated figures, and what events taught.
    public var handling: LearnedDays
    public var transit: LearnedDays
    /// The supplier's lanes to the destination that were degraded when planned, by carrier
    /// (its own included, if it is: its transit was stretched): what the explanation tells of
    /// avoided lanes.
    public var degradedLanes: [String: LaneHealth] = [:]
    /// What each line's SKU had in stock for this supplier when planned (feed, reservations,
    /// buffer, expected demand), and P(every line is still in stock), part of ``fillRate``.
    public var stock: [String: StockOdds] = [:]
    public var inStock = 1.0

    public var landedCost: Double { goods + shipping + duties }
    /// Whether its own lane was degraded when planned.
    public var laneDegraded: Bool { degradedLanes[lane.carrier] != nil }
}

/// A way to fill a whole order: one shipment per supplier, and what it is expected to cost.
public struct RoutingPlan: Sendable, Hashable {
    public var shipments: [Shipment]
    public var leadTime: OrderLeadTime
    /// Goods, shipping, duties, and the extra shipments' cost.
    public var landedCost: Double
    public var extraShipments: Double
    /// P(the whole order arrives by the promise).
    public var onTime: Double
    public var meanDays: Double
    /// P(every supplier fills its part).
    public var fillProbability: Double
    /// The weighted parts of the score (lower is better) and their sum.
    public var costPart: Double
    public var latenessPart: Double
    public var riskPart: Double
    public var speedPart: Double
    /// The expected cost of delivering outside the window the order would be promised
    /// (``RoutingConfig/windowMissCost`` × P(outside)); 0 when that cost is 0.
    public var windowPart: Double = 0
    public var score: Double { costPart + latenessPart + riskPart + speedPart + windowPart }

    /// `sup-a` or `sup-a+sup-b`.
    public var name: String { shipments.map(\.supplierID).joined(separator: "+") }
    public var usesEstimatedLane: Bool { shipments.contains { $0.lane.estimated } }
}

/// Why an order cannot be routed now.
public struct HoldReason: Sendable, Hashable {
    public var code: String
    public var detail: String

    public init(code: String, detail: String) {
        self.code = code
        self.detail = detail
    }
}

/// What the decider concluded about an order.
public enum RoutingOutcome: Sendable {
    /// The chosen plan, the others in the order they ranked, and the constraint that bound the
    /// choice (nil when none did).
    case routed(chosen: RoutingPlan, ranked: [RoutingPlan], binding: String?)
    /// Nothing can fill the order now.
    case hold([HoldReason])
}

extension ServiceLevel {
    /// Economy 0, standard 1, express 2.
    var speed: Int {
        switch self {
        case .economy: return 0
        case .standard: return 1
        case .express: return 2
        }
    }
}

extension OrderPlaced {
    /// What the customer pays for the goods, in the order's currency.
    var goodsValue: Double {
        lines.reduce(0) { $0 + Double($1.quantity) * (MoneyAmount($1.unitPrice)?.doubleValue ?? 0) }
    }

    /// What the customer pays for the goods and shipping, in the order's currency.
    var revenue: Double { goodsValue + (shippingPaid.flatMap { MoneyAmount($0)?.doubleValue } ?? 0) }
}
