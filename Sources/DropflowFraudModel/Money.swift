/// Amounts as the contract writes them (`"123.45"`) turned into minor units of the currency.
enum Money {
    /// ISO 4217 currencies without a minor unit.
    static let zeroDecimalCurrencies: Set<String> = ["JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF", "PYG"]

    /// `"123.45"` → 12345.0 for EUR, 123.45 for JPY; nil when the text is not a decimal.
    static func minorUnits(_ text: String, currency: String?) -> Double? {
        var sign = 1.0
        var whole = 0.0
        var fraction = 0.0
        var scale = 1.0
        var seenDigit = false
        var inFraction = false
        for (i, c) in text.utf8.enumerated() {
            switch c {
            case 0x2D where i == 0: sign = -1
            case 0x2E where !inFraction: inFraction = true
            case 0x30...0x39:
                seenDigit = true
                if inFraction { scale *= 10; fraction = fraction * 10 + Double(c - 0x30) } else { whole = whole * 10 + Double(c - 0x30) }
            default: return nil
            }
        }
        guard seenDigit else { return nil }
        let major = sign * (whole + fraction / scale)
        let factor = currency.map { zeroDecimalCurrencies.contains($0) } == true ? 1.0 : 100.0
        return (major * factor).rounded()
    }
}
