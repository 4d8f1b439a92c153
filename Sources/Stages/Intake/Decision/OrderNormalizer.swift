import DropflowCore
import DropflowJSON
import DropflowContract
import Foundation

/// Puts an `orders.placed` value into the one form the rest of the pipeline relies on, so that
/// the same customer, card or address always looks the same (de-duplication, velocity and
/// routing depend on it):
///
/// - every string field trimmed of surrounding whitespace;
/// - emails trimmed and case-folded (`" Ann.Lee@Mail.EXAMPLE "` → `"ann.lee@mail.example"`);
/// - country codes (addresses, card, IP) and the currency upper-cased;
/// - postal codes upper-cased with spaces collapsed, then in the country's format where it has
///   a fixed one (GB/CA outward and inward parts, NL `1234 AB`, US ZIP / ZIP+4, PL `00-950`,
///   SE `123 45`, numeric codes elsewhere without spaces);
/// - phone numbers in E.164 (`+4930123456`): separators dropped, `00` read as `+`, a national
///   number with a trunk `0` given the shipping country's calling code;
/// - enumerations (`payment.method`, `shipping_option`, `merchant_priority`) lower-cased.
///
/// The normalizer repairs only letter case and whitespace; it never invents a value. It runs
/// before validation (on the raw value, so it names members by the generated `Field` enums), so `" us "` is accepted as `"US"` while `"USA"` is still rejected.
public enum OrderNormalizer {
    /// The normalized order. Values of the wrong type are left as they are (validation
    /// reports them).
    public static func normalize(_ order: JSONValue) -> JSONValue {
        typealias Order = OrderPlaced.Field
        typealias Customer = OrderPlaced.Customer.Field
        typealias Payment = OrderPlaced.Payment.Field
        guard var o = order.objectValue else { return order }
        o = o.mapValues(trimStrings)
        let shippingCountry = o[Order.shippingAddress.rawValue]?[Address.Field.country]?.stringValue?.uppercased()
        if var customer = o[Order.customer.rawValue]?.objectValue {
            if let email = customer[Customer.email.rawValue]?.stringValue {
                customer[Customer.email.rawValue] = .string(normalizeEmail(email))
            }
            if let phone = customer[Customer.phone.rawValue]?.stringValue {
                customer[Customer.phone.rawValue] = .string(normalizePhone(phone, country: shippingCountry))
            }
            o[Order.customer.rawValue] = .object(customer)
        }
        for field in [Order.shippingAddress, .billingAddress] {
            if let address = o[field.rawValue]?.objectValue { o[field.rawValue] = .object(normalizeAddress(address)) }
        }
        if var payment = o[Order.payment.rawValue]?.objectValue {
            for field in [Payment.cardCountry, .ipCountry, .avsResult, .cvvResult] {
                if let s = payment[field.rawValue]?.stringValue { payment[field.rawValue] = .string(s.uppercased()) }
            }
            if let method = payment[Payment.method.rawValue]?.stringValue { payment[Payment.method.rawValue] = .string(method.lowercased()) }
            o[Order.payment.rawValue] = .object(payment)
        }
        if let currency = o[Order.currency.rawValue]?.stringValue { o[Order.currency.rawValue] = .string(currency.uppercased()) }
        for field in [Order.shippingOption, .merchantPriority] {
            if let s = o[field.rawValue]?.stringValue { o[field.rawValue] = .string(s.lowercased()) }
        }
        return .object(o)
    }

    /// Trimmed and lower-cased.
    public static func normalizeEmail(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    static func normalizeAddress(_ address: [String: JSONValue]) -> [String: JSONValue] {
        typealias Field = Address.Field
        var a = address
        let country = a[Field.country.rawValue]?.stringValue?.uppercased()
        if let country { a[Field.country.rawValue] = .string(country) }
        if let postal = a[Field.postalCode.rawValue]?.stringValue {
            a[Field.postalCode.rawValue] = .string(normalizePostalCode(postal, country: country))
        }
        if let phone = a[Field.phone.rawValue]?.stringValue { a[Field.phone.rawValue] = .string(normalizePhone(phone, country: country)) }
        return a
    }

    /// The postal code in its country's usual form (see the type's documentation).
    public static func normalizePostalCode(_ code: String, country: String?) -> String {
        let upper = code.uppercased().split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
        let compact = upper.replacingOccurrences(of: " ", with: "")
        switch country {
        case "GB", "CA":
            // Outward code, space, inward code (the last three characters).
            guard compact.count >= 5 && compact.count <= 7 && compact.allSatisfy(\.isASCIIAlphanumeric) else { return upper }
            return String(compact.dropLast(3)) + " " + String(compact.suffix(3))
        case "NL":
            guard compact.count == 6, compact.prefix(4).allSatisfy(\.isASCIIDigit), compact.suffix(2).allSatisfy(\.isLetter) else { return upper }
            return String(compact.prefix(4)) + " " + String(compact.suffix(2))
        case "US":
            let digits = compact.replacingOccurrences(of: "-", with: "")
            guard digits.allSatisfy(\.isASCIIDigit) else { return upper }
            if digits.count == 9 { return String(digits.prefix(5)) + "-" + String(digits.suffix(4)) }
            return digits
        case "PL":
            let digits = compact.replacingOccurrences(of: "-", with: "")
            guard digits.count == 5, digits.allSatisfy(\.isASCIIDigit) else { return upper }
            return String(digits.prefix(2)) + "-" + String(digits.suffix(3))
        case "SE":
            guard compact.count == 5, compact.allSatisfy(\.isASCIIDigit) else { return upper }
            return String(compact.prefix(3)) + " " + String(compact.suffix(2))
        default:
            return compact.allSatisfy(\.isASCIIDigit) ? compact : upper
        }
    }

    /// Calling codes of the countries the pipeline ships to most.
    static let callingCodes: [String: String] = [
        "US": "1", "CA": "1", "GB": "44", "DE": "49", "FR": "33", "ES": "34", "IT": "39", "NL": "31", "SE": "46",
        "PL": "48", "AT": "43", "BE": "32", "CH": "41", "DK": "45", "FI": "358", "IE": "353", "NO": "47", "PT": "351",
        "AU": "61", "NZ": "64", "JP": "81", "CN": "86", "TR": "90", "BR": "55", "MX": "52", "IN": "91", "VN": "84",
        "NG": "234", "ZA": "27", "AE": "971", "SG": "65", "HK": "852", "KR": "82", "RU": "7", "UA": "380", "RO": "40",
    ]

    /// E.164 where it can be worked out; otherwise the digits (and a leading `+`) as given.
    public static func normalizePhone(_ phone: String, country: String?) -> String {
        let trimmed = phone.trimmingCharacters(in: .whitespacesAndNewlines)
        var digits = trimmed.filter(\.isASCIIDigit)
        guard !digits.isEmpty else { return trimmed }
        if trimmed.hasPrefix("+") { return "+" + digits }
        if digits.hasPrefix("00") { return "+" + digits.dropFirst(2) }
        guard let country, let code = callingCodes[country] else { return digits }
        if code == "1" {
            // North America: ten digits, or eleven with the leading 1.
            if digits.count == 11 && digits.hasPrefix("1") { return "+" + digits }
            return digits.count == 10 ? "+1" + digits : digits
        }
        if digits.hasPrefix("0") {
            digits.removeFirst()
            return "+" + code + digits
        }
        if digits.hasPrefix(code) && digits.count > 9 { return "+" + digits }
        return "+" + code + digits
    }

    private static func trimStrings(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s): return .string(s.trimmingCharacters(in: .whitespacesAndNewlines))
        case .object(let o): return .object(o.mapValues(trimStrings))
        case .array(let a): return .array(a.map(trimStrings))
        default: return value
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isASCIIAlphanumeric: Bool { isASCII && (isLetter || isNumber) }
}
