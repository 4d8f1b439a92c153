import DropflowCore
import DropflowJSON
import DropflowContract

/// Amounts as the contract writes them (`"123.45"`) turned into minor units of the currency.
enum Money {
    /// ISO 4217 currencies without a minor unit.
    static let zeroDecimalCurrencies: Set<String> = ["JPY", "KRW", "VND", "CLP", "ISK", "UGX", "XAF", "XOF", "PYG"]

    /// `"123.45"` → 12345.0 for EUR, 123.45 for JPY; nil unless the text is a contract money
    /// string (``MoneyAmount``).
    static func minorUnits(_ text: String, currency: String?) -> Double? {
        guard let amount = MoneyAmount(text) else { return nil }
        let factor = currency.map { zeroDecimalCurrencies.contains($0) } == true ? 1.0 : 100.0
        return (amount.doubleValue * factor).rounded()
    }
}
