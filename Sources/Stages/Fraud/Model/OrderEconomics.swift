import DropflowContract

/// What an order is worth to the merchant, as the costs of deciding it need: its value in major
/// units of its own currency and how that value splits by product category (for the margin).
public struct OrderEconomics: Sendable, Hashable {
    /// The order's value (intake's `order_value`, else the payment amount, else lines and
    /// shipping), in major units of the order's currency.
    public var value: Double
    /// Line value (quantity × unit price) by lower-cased category; lines without a category
    /// count under `""` (the default margin).
    public var valueByCategory: [String: Double]

    public init(value: Double, valueByCategory: [String: Double] = [:]) {
        self.value = value
        self.valueByCategory = valueByCategory
    }

    /// The economics of `order`; `computedValue` is intake's `order_value`, when known.
    public init(order: OrderPlaced, computedValue: String? = nil) {
        let perUnit = MoneyAmount.minorUnitsPerUnit(currency: order.currency)
        value = OrderSignal.orderValue(order, computedValue: computedValue) / perUnit
        var byCategory: [String: Double] = [:]
        for line in order.lines {
            let price = MoneyAmount(line.unitPrice)?.doubleValue ?? 0
            byCategory[line.category?.lowercased() ?? "", default: 0] += Double(line.quantity) * price
        }
        valueByCategory = byCategory
    }
}
