import DropflowCore
import DropflowJSON
import DropflowContract

/// How a fraudulent order came about. The label lives in the record's truth, never in the value.
public enum FraudPattern: String, Sendable, Hashable, CaseIterable {
    /// Bursts of small orders, each with a different card of one BIN, from one device and address.
    case cardTesting = "card_testing"
    /// A stolen card: card, IP and shipping countries disagree, a reshipper address, new account.
    case stolenCard = "stolen_card"
    /// An old, trusted account used by someone else: new address and device, valuable items.
    case accountTakeover = "account_takeover"
    /// A real customer who later disputes the charge; the order itself looks ordinary.
    case friendlyFraud = "friendly_fraud"
    /// Orders of a fraud ring (scenario), sharing addresses, devices and cards.
    case fraudRing = "fraud_ring"

    /// The patterns of background fraud, in the order of ``FraudConfig/orderShares``.
    static let background: [FraudPattern] = [.cardTesting, .stolenCard, .accountTakeover, .friendlyFraud]
}

/// Legitimate orders that depart from a customer's routine the way real customers' orders do,
/// and so look like fraud to a naive rule or a model that never saw them. Their shares of
/// legitimate orders are ``UnusualLegitMix``; the kind goes to the truth (`unusual`).
public enum UnusualLegit: String, Sendable, Hashable, CaseIterable {
    /// A returning buyer sends a gift to someone in another country (billing stays at home).
    case giftAbroad = "gift_abroad"
    /// A new customer's first order is large (4–8 lines, up to 5 of each).
    case largeFirstOrder = "large_first_order"
    /// A returning buyer orders from abroad (IP country differs from card country), shipping home.
    case travellingBuyer = "travelling_buyer"
    /// A returning buyer orders expensive electronics or gift cards with express shipping.
    case expressHighValue = "express_high_value"
    /// A loyal customer (account a year or more old, two or more earlier orders) buys
    /// electronics from home: card on file, AVS Y; often expensive, sometimes express.
    case loyalElectronics = "loyal_electronics"
    /// A loyal customer's occasional big order: 3–6 lines, often an expensive item, above
    /// their usual order value.
    case loyalBigOrder = "loyal_big_order"
    /// A returning buyer ships to a new address in their own country: moved house (the new
    /// address becomes their address, billing too) or sent to the office or a relative
    /// (billing stays at home).
    case newShippingAddress = "new_shipping_address"
    /// A returning buyer orders from a new device or network at home: an IP of their own
    /// country never used before (it becomes their usual one), sometimes a new phone number.
    case newDevice = "new_device"
}

/// Each kind of ``UnusualLegit`` order's share of legitimate orders (0–1, together at most 1);
/// the rest are ordinary orders (returning buyers at ``SimulationConfig/returningBuyerShare``).
/// The default, 14% in all, is what an ordinary storefront sees besides routine orders;
/// ``none`` turns them off; ``shiftedStorefront`` (21%) is the mix of
/// ``SimulationConfig/shiftedStorefront(seed:orders:)``.
public struct UnusualLegitMix: Sendable, Hashable {
    /// ``UnusualLegit/giftAbroad``, default 1.5%.
    public var giftAbroad: Double
    /// ``UnusualLegit/largeFirstOrder``, default 1%.
    public var largeFirstOrder: Double
    /// ``UnusualLegit/travellingBuyer``, default 1.5%.
    public var travellingBuyer: Double
    /// ``UnusualLegit/expressHighValue``, default 1%.
    public var expressHighValue: Double
    /// ``UnusualLegit/loyalElectronics``, default 4%.
    public var loyalElectronics: Double
    /// ``UnusualLegit/loyalBigOrder``, default 1.5%.
    public var loyalBigOrder: Double
    /// ``UnusualLegit/newShippingAddress``, default 2%.
    public var newShippingAddress: Double
    /// ``UnusualLegit/newDevice``, default 1.5%.
    public var newDevice: Double

    public init(giftAbroad: Double = 0.015, largeFirstOrder: Double = 0.01, travellingBuyer: Double = 0.015,
                expressHighValue: Double = 0.01, loyalElectronics: Double = 0.04, loyalBigOrder: Double = 0.015,
                newShippingAddress: Double = 0.02, newDevice: Double = 0.015) {
        self.giftAbroad = giftAbroad
        self.largeFirstOrder = largeFirstOrder
        self.travellingBuyer = travellingBuyer
        self.expressHighValue = expressHighValue
        self.loyalElectronics = loyalElectronics
        self.loyalBigOrder = loyalBigOrder
        self.newShippingAddress = newShippingAddress
        self.newDevice = newDevice
    }

    /// No unusual legitimate orders.
    public static let none = UnusualLegitMix(giftAbroad: 0, largeFirstOrder: 0, travellingBuyer: 0, expressHighValue: 0,
                                             loyalElectronics: 0, loyalBigOrder: 0, newShippingAddress: 0, newDevice: 0)

    /// The mix of the shifted storefront: many more loyal electronics buyers (8%), more gifts
    /// abroad, travellers, new addresses and devices; 21% in all.
    public static let shiftedStorefront = UnusualLegitMix(
        giftAbroad: 0.02, largeFirstOrder: 0.01, travellingBuyer: 0.02, expressHighValue: 0.015, loyalElectronics: 0.08,
        loyalBigOrder: 0.02, newShippingAddress: 0.025, newDevice: 0.02)

    /// The share of `kind`.
    public subscript(kind: UnusualLegit) -> Double {
        get {
            switch kind {
            case .giftAbroad: return giftAbroad
            case .largeFirstOrder: return largeFirstOrder
            case .travellingBuyer: return travellingBuyer
            case .expressHighValue: return expressHighValue
            case .loyalElectronics: return loyalElectronics
            case .loyalBigOrder: return loyalBigOrder
            case .newShippingAddress: return newShippingAddress
            case .newDevice: return newDevice
            }
        }
        set {
            switch kind {
            case .giftAbroad: giftAbroad = newValue
            case .largeFirstOrder: largeFirstOrder = newValue
            case .travellingBuyer: travellingBuyer = newValue
            case .expressHighValue: expressHighValue = newValue
            case .loyalElectronics: loyalElectronics = newValue
            case .loyalBigOrder: loyalBigOrder = newValue
            case .newShippingAddress: newShippingAddress = newValue
            case .newDevice: newDevice = newValue
            }
        }
    }

    /// The share of all unusual legitimate orders together.
    public var total: Double {
        UnusualLegit.allCases.reduce(0) { $0 + self[$1] }
    }

    /// The same proportions, `total` in all (the default's proportions when every share is 0).
    public func scaled(toTotal total: Double) -> UnusualLegitMix {
        let base = self.total > 0 ? self : UnusualLegitMix()
        var out = base
        for kind in UnusualLegit.allCases { out[kind] = base[kind] * total / base.total }
        return out
    }

    /// Why the mix cannot be used, or nil.
    public var problem: String? {
        for kind in UnusualLegit.allCases where !(0...1).contains(self[kind]) {
            return "share of \(kind.rawValue) must be in [0, 1]"
        }
        return total <= 1 + 1e-9 ? nil : "unusual legitimate shares add up to more than 1"
    }

    /// The kind an order is, given a uniform draw `u` in [0, 1): kinds in
    /// ``UnusualLegit/allCases`` order take consecutive slices of [0, total).
    func kind(at u: Double) -> UnusualLegit? {
        var upper = 0.0
        for kind in UnusualLegit.allCases {
            upper += self[kind]
            if u < upper { return kind }
        }
        return nil
    }

    /// `{"gift_abroad": 0.015, ...}`, for the run's truth.
    var json: JSONValue {
        .object(Dictionary(uniqueKeysWithValues: UnusualLegit.allCases.map { ($0.rawValue, JSONValue.double(self[$0])) }))
    }
}

/// The ground truth of one order: kept beside the message, never in it.
public struct OrderTruth: Sendable, Hashable {
    public let orderID: String
    public let customerID: String
    /// nil for a legitimate order.
    public let pattern: FraudPattern?
    /// Why a legitimate order looks unusual, if it does.
    public let unusual: UnusualLegit?
    /// Orders of one burst, stolen card or ring share it.
    public let incidentID: String?
    /// When the charge will be disputed, if it will.
    public let chargebackAt: SimInstant?
    /// Whether a promotion surge was on when the order was placed.
    public let duringSurge: Bool

    public var isFraud: Bool { pattern != nil }

    /// `{"kind":"order","order_id":..,"is_fraud":..,"pattern":"legit"|..., ...}`.
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "kind": "order", "order_id": .string(orderID), "customer_id": .string(customerID),
            "is_fraud": .bool(isFraud), "pattern": .string(pattern?.rawValue ?? "legit"), "during_surge": .bool(duringSurge),
        ]
        if let unusual { o["unusual"] = .string(unusual.rawValue) }
        if let incidentID { o["incident_id"] = .string(incidentID) }
        if let chargebackAt { o["chargeback_at"] = .string(chargebackAt.rfc3339) }
        return .object(o)
    }
}
