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

/// Legitimate orders that look like fraud to a naive rule.
public enum UnusualLegit: String, Sendable, Hashable, CaseIterable {
    /// A returning buyer sends a gift to someone in another country.
    case giftAbroad = "gift_abroad"
    /// A new customer's first order is large.
    case largeFirstOrder = "large_first_order"
    /// A returning buyer orders from abroad (IP country differs from card country).
    case travellingBuyer = "travelling_buyer"
    /// A returning buyer orders expensive electronics with express shipping.
    case expressHighValue = "express_high_value"
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
