import DropflowJSON
/// An amount of money as the contract writes it: a decimal string with up to four decimals
/// (`"19.99"`, `"-3.5"`, `"120"`), held exactly as an integer number of ten-thousandths.
/// Never a float.
public struct MoneyAmount: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The amount in ten-thousandths of the currency unit.
    public let tenThousandths: Int64

    public static let zero = MoneyAmount(tenThousandths: 0)

    public init(tenThousandths: Int64) { self.tenThousandths = tenThousandths }

    /// An amount of whole cents (hundredths): `MoneyAmount(cents: 1999).description == "19.99"`.
    public init(cents: Int64) { self.tenThousandths = cents * 100 }

    /// `"19.99"` → 199900; nil unless the text matches `-?[0-9]+(\.[0-9]{1,4})?` and fits.
    public init?(_ text: String) {
        var utf8 = Substring(text).utf8[...]
        let negative = utf8.first == UInt8(ascii: "-")
        if negative { utf8 = utf8.dropFirst() }
        var units: Int64 = 0
        var digits = 0
        while let c = utf8.first, c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
            let (m, o1) = units.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(c - UInt8(ascii: "0")))
            guard !o1 && !o2 else { return nil }
            units = a
            digits += 1
            utf8 = utf8.dropFirst()
        }
        guard digits > 0 else { return nil }
        var fraction: Int64 = 0
        var scale: Int64 = 10_000
        if utf8.first == UInt8(ascii: ".") {
            utf8 = utf8.dropFirst()
            var fractionDigits = 0
            while let c = utf8.first, c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                fractionDigits += 1
                guard fractionDigits <= 4 else { return nil }
                scale /= 10
                fraction += Int64(c - UInt8(ascii: "0")) * scale
                utf8 = utf8.dropFirst()
            }
            guard fractionDigits > 0 else { return nil }
        }
        guard utf8.isEmpty else { return nil }
        let (whole, o) = units.multipliedReportingOverflow(by: 10_000)
        guard !o else { return nil }
        let (total, o2) = whole.addingReportingOverflow(fraction)
        guard !o2 else { return nil }
        tenThousandths = negative ? -total : total
    }

    /// The amount of `text` in a JSON value, if it is a valid money string.
    public init?(_ value: JSONValue?) {
        guard let text = value?.stringValue else { return nil }
        self.init(text)
    }

    /// At least two decimals, more only when needed: `"19.99"`, `"0.125"`, `"-3.50"`.
    public var description: String {
        let sign = tenThousandths < 0 ? "-" : ""
        let magnitude = tenThousandths.magnitude
        var fraction = String(magnitude % 10_000)
        fraction = String(repeating: "0", count: 4 - fraction.count) + fraction
        while fraction.count > 2 && fraction.hasSuffix("0") { fraction.removeLast() }
        return sign + String(magnitude / 10_000) + "." + fraction
    }

    /// The amount as a Double in currency units (for models and thresholds, never for books).
    public var doubleValue: Double { Double(tenThousandths) / 10_000 }

    /// `quantity` times this amount, nil on overflow.
    public func times(_ quantity: Int64) -> MoneyAmount? {
        let (r, o) = tenThousandths.multipliedReportingOverflow(by: quantity)
        return o ? nil : MoneyAmount(tenThousandths: r)
    }

    /// The sum, nil on overflow.
    public func plus(_ other: MoneyAmount) -> MoneyAmount? {
        let (r, o) = tenThousandths.addingReportingOverflow(other.tenThousandths)
        return o ? nil : MoneyAmount(tenThousandths: r)
    }

    public static func < (a: MoneyAmount, b: MoneyAmount) -> Bool { a.tenThousandths < b.tenThousandths }

    /// ISO 4217 currencies without a minor unit.
    public static let zeroDecimalCurrencies: Set<String> = ["JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF", "PYG"]

    /// The amount in minor units of `currency` (cents; whole units for the zero-decimal
    /// currencies), rounded, as a Double (for models, never for books).
    public func minorUnits(currency: String?) -> Double {
        let factor = currency.map { Self.zeroDecimalCurrencies.contains($0) } == true ? 1.0 : 100.0
        return (doubleValue * factor).rounded()
    }

    /// 100 for currencies with cents, 1 for those without.
    public static func minorUnitsPerUnit(currency: String?) -> Double {
        currency.map { zeroDecimalCurrencies.contains($0) } == true ? 1 : 100
    }
}
