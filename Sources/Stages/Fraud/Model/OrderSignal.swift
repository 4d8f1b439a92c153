import DropflowCore
import DropflowJSON
import Foundation
import DropflowContract

/// What the velocity tracker needs to know about one accepted order: who, when, which card,
/// address and device, and how much. Small enough to publish once per order on a signals topic
/// that every fraud worker follows (see the README).
///
/// Fingerprints are normalized so that trivially different spellings of the same thing count as
/// one: the email is trimmed and lower-cased; the card is `bin|last4|country`; the shipping
/// address is its first line (lower-cased, punctuation folded, common abbreviations unified),
/// postal code (upper-cased, no spaces) and country.
public struct OrderSignal: Sendable, Hashable {
    public var orderID: String
    public var customerID: String?
    /// Seconds since the epoch (`placed_at`).
    public var at: Int64
    public var email: String?
    public var card: String?
    public var address: String?
    public var ip: String?
    /// The order total in minor units of `currency` (intake's `order_value`, else `payment.amount`, else lines plus shipping).
    public var value: Double
    public var currency: String?
    /// Whether this order is known to have been charged back. A tracker that records such a signal
    /// counts the chargeback from the signal's `at` on; for a dispute that arrives later, call
    /// ``VelocityTracker/recordChargeback(customerID:card:at:)`` with the dispute's time instead.
    public var chargeback: Bool

    public init(orderID: String, customerID: String? = nil, at: Int64, email: String? = nil, card: String? = nil,
                address: String? = nil, ip: String? = nil, value: Double = 0, currency: String? = nil, chargeback: Bool = false) {
        self.orderID = orderID
        self.customerID = customerID
        self.at = at
        self.email = email
        self.card = card
        self.address = address
        self.ip = ip
        self.value = value
        self.currency = currency
        self.chargeback = chargeback
    }

    /// The signal of an order; nil when its `placed_at` is not an RFC 3339 date-time.
    /// `computedValue` is intake's `order_value` (lines and shipping), when known.
    public init?(order: OrderPlaced, computedValue: String? = nil) {
        guard !order.orderID.isEmpty, let at = DateTimeFormat.epochSeconds(order.placedAt) else { return nil }
        self.init(orderID: order.orderID, customerID: Self.nonEmpty(order.customer.id), at: at,
                  email: Self.normalizedEmail(order.customer.email),
                  card: Self.cardFingerprint(order.payment), address: Self.addressFingerprint(order.shippingAddress),
                  ip: order.payment.ipAddress.flatMap(Self.nonEmpty),
                  value: Self.orderValue(order, computedValue: computedValue), currency: order.currency)
    }

    // MARK: - Wire form (the signals topic)

    /// The members of the wire form (`fraud.signals`, the pipeline's own topic).
    public enum Field: String, CaseIterable, Sendable {
        case orderID = "order_id", at, customerID = "customer_id", email, card, address, ip, value, currency, chargeback
    }

    /// `{"order_id":..,"at":..,"customer_id":..,...}`; absent fields are left out.
    public var json: JSONValue {
        var o: [String: JSONValue] = [Field.orderID.rawValue: .string(orderID),
                                      Field.at.rawValue: .string(DateTimeFormat.format(epochSeconds: at)), Field.value.rawValue: .double(value)]
        if let customerID { o[Field.customerID.rawValue] = .string(customerID) }
        if let email { o[Field.email.rawValue] = .string(email) }
        if let card { o[Field.card.rawValue] = .string(card) }
        if let address { o[Field.address.rawValue] = .string(address) }
        if let ip { o[Field.ip.rawValue] = .string(ip) }
        if let currency { o[Field.currency.rawValue] = .string(currency) }
        if chargeback { o[Field.chargeback.rawValue] = true }
        return .object(o)
    }

    /// Reads ``json`` back; nil without `order_id` or `at`.
    public init?(json: JSONValue) {
        guard let id = json[Field.orderID]?.stringValue, let text = json[Field.at]?.stringValue,
              let at = DateTimeFormat.epochSeconds(text) else { return nil }
        self.init(orderID: id, customerID: json[Field.customerID]?.stringValue, at: at, email: json[Field.email]?.stringValue,
                  card: json[Field.card]?.stringValue, address: json[Field.address]?.stringValue, ip: json[Field.ip]?.stringValue,
                  value: json[Field.value]?.doubleValue ?? 0, currency: json[Field.currency]?.stringValue,
                  chargeback: json[Field.chargeback]?.boolValue ?? false)
    }

    // MARK: - Normalization

    static func nonEmpty(_ s: String) -> String? {
        let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
        return t.isEmpty ? nil : t
    }

    /// Trimmed and lower-cased; nil when empty.
    public static func normalizedEmail(_ s: String) -> String? {
        nonEmpty(s)?.lowercased()
    }

    /// `bin|last4|country` when the payment shows a BIN or last four digits.
    public static func cardFingerprint(_ payment: OrderPlaced.Payment) -> String? {
        let bin = payment.cardBin ?? ""
        let last4 = payment.cardLast4 ?? ""
        guard !bin.isEmpty || !last4.isEmpty else { return nil }
        return bin + "|" + last4 + "|" + (payment.cardCountry ?? "")
    }

    /// Words that are spelled several ways on address lines, mapped to one spelling.
    static let abbreviations: [String: String] = [
        "street": "st", "str": "st", "avenue": "ave", "av": "ave", "road": "rd", "boulevard": "blvd", "drive": "dr",
        "lane": "ln", "suite": "ste", "apartment": "apt", "parkway": "pkwy", "place": "pl", "court": "ct",
        "strasse": "str", "straße": "str",
    ]

    /// Lower-cased words of `text`, split on anything that is not a letter or digit.
    static func words(_ text: String) -> [String] {
        text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
    }

    /// The digits of a phone number (`+44 20 7946-0000` → `442079460000`); nil when it has
    /// fewer than 6.
    public static func phoneDigits(_ phone: String) -> String? {
        let digits = String(phone.filter(\.isASCII).filter(\.isNumber))
        return digits.count >= 6 ? digits : nil
    }

    /// `normalized line1|POSTAL|CC`; nil without a first line.
    public static func addressFingerprint(_ address: Address) -> String? {
        let words = words(address.line1).map { abbreviations[$0] ?? $0 }
        guard !words.isEmpty else { return nil }
        let postal = address.postalCode.uppercased().filter { $0 != " " && $0 != "-" }
        return words.joined(separator: " ") + "|" + postal + "|" + address.country
    }

    /// `computedValue` (intake's `order_value`), else `payment.amount`, else the sum of the
    /// lines plus `shipping_paid`, in minor units.
    static func orderValue(_ order: OrderPlaced, computedValue: String?) -> Double {
        let currency = order.currency
        // Intake's computed value (lines and shipping) first: it is what the merchant sells.
        if let v = computedValue.flatMap(MoneyAmount.init)?.minorUnits(currency: currency) { return v }
        if let v = order.payment.amount.flatMap(MoneyAmount.init)?.minorUnits(currency: currency) { return v }
        var total = 0.0
        for line in order.lines {
            total += Double(line.quantity) * (MoneyAmount(line.unitPrice)?.minorUnits(currency: currency) ?? 0)
        }
        if let v = order.shippingPaid.flatMap(MoneyAmount.init)?.minorUnits(currency: currency) { total += v }
        return total
    }
}
