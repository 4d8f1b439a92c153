import DropflowCore
import DropflowJSON
import DropflowContract

/// How a supplier behaves.
public enum SupplierProfile: String, Sendable, Hashable, CaseIterable {
    /// Ships within a day or two, states its stock and handling honestly, feeds on time.
    case fastReliable = "fast_reliable"
    /// Low unit costs, slow and variable handling, optimistic stated handling, sparse feeds.
    case cheapSlow = "cheap_slow"
    /// Its stated stock is often wrong (shows stock it does not have), feeds often late.
    case stockLiar = "stock_liar"

    /// Hours between two feed updates.
    var feedIntervalHours: Double {
        switch self {
        case .fastReliable: return 1
        case .cheapSlow: return 6
        case .stockLiar: return 3
        }
    }

    /// Probability that one feed batch is published hours late.
    var lateFeedProbability: Double {
        switch self {
        case .fastReliable: return 0.02
        case .cheapSlow: return 0.1
        case .stockLiar: return 0.2
        }
    }

    /// Probability that one published offer states a wrong quantity.
    var wrongStockProbability: Double {
        switch self {
        case .fastReliable: return 0
        case .cheapSlow: return 0.03
        case .stockLiar: return 0.4
        }
    }

    /// Probability per day of a degraded episode (backlog, understaffing).
    var dailyDegradedProbability: Double {
        switch self {
        case .fastReliable: return 0.02
        case .cheapSlow: return 0.08
        case .stockLiar: return 0.1
        }
    }

    /// Stated handling over true handling: honest, optimistic, a little optimistic.
    var statedHandlingFactor: Double {
        switch self {
        case .fastReliable: return 1
        case .cheapSlow: return 0.6
        case .stockLiar: return 0.8
        }
    }
}

/// One supplier's offer of one SKU, as the world knows it (the truth, not the feed).
public struct SupplierOffer: Sendable {
    /// Index of the product in the catalogue.
    public let productIndex: Int
    public let sku: String
    /// The supplier's price to the merchant, cents.
    public let unitCostCents: Int64
    /// Units the supplier sells per day, all its customers together.
    public let dailyDemand: Double
    /// Stock at the start of the simulation.
    public let initialStock: Int
    /// When true stock falls to this, the supplier reorders.
    public let reorderPoint: Int
    /// What a restock fills up to.
    public let restockTarget: Int
    /// Days between a reorder and its arrival.
    public let restockLeadDays: Double
}

/// A dropshipping supplier: where it ships from, how fast, and what it offers.
public struct Supplier: Sendable {
    /// E.g. `sup-shenzhen-3`.
    public let id: String
    /// ISO country it ships from.
    public let country: String
    public let profile: SupplierProfile
    /// True handling time: order to hand-over to the carrier, days.
    public let handling: LeadTimeDistribution
    /// Handling time the supplier states in its offers (`handling_days`).
    public let statedHandling: LeadTimeDistribution
    /// Whether it takes returns back for credit.
    public let acceptsReturns: Bool
    /// Restocking fee on returns, percent (0 when it takes no returns).
    public let restockingFeePct: Int
    /// Carrier services it ships with (ids of ``CarrierService``).
    public let carriers: [String]
    /// Its offers, in catalogue order.
    public let offers: [SupplierOffer]

    /// One true handling time, days.
    public func sampleHandlingDays(_ rng: inout SimRandom) -> Double {
        handling.sample(&rng)
    }

    /// The `supplier.offers` key of one of its offers.
    public func offerKey(sku: String) -> String { id + "/" + sku }
}
