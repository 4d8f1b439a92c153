import DropflowCore
import DropflowJSON
import DropflowContract

/// An order being put together, before it becomes an `orders.placed` value.
struct OrderDraft {
    struct Line {
        let productIndex: Int
        var quantity: Int
        var unitPriceCents: Int64
    }

    struct Payment {
        var method: String
        var card: PaymentCard?
        var avs: String?
        var cvv: String?
        var ip: String
        var ipCountry: String
    }

    var orderID: String
    var placedAt: SimInstant
    var channel: String
    var customerID: String
    var email: String
    var phone: String?
    var accountCreatedAt: SimInstant?
    var previousOrders: Int?
    var previousChargebacks: Int?
    var language: String?
    var shipping: PostalAddress
    var billing: PostalAddress?
    var payment: Payment
    var lines: [Line]
    var shippingOption: String
    var shippingPaidCents: Int64
    var merchantPriority: String

    var subtotalCents: Int64 {
        lines.reduce(0) { $0 + Int64($1.quantity) * $1.unitPriceCents }
    }

    /// The `orders.placed` value, valid under `order-placed.json`.
    func json(catalogue: Catalogue, currency: String) -> JSONValue {
        var customer: [String: JSONValue] = ["id": .string(customerID), "email": .string(email)]
        if let phone { customer["phone"] = .string(phone) }
        if let accountCreatedAt { customer["account_created_at"] = .string(accountCreatedAt.rfc3339) }
        if let previousOrders { customer["previous_orders"] = .integer(Int64(previousOrders)) }
        if let previousChargebacks { customer["previous_chargebacks"] = .integer(Int64(previousChargebacks)) }
        if let language { customer["language"] = .string(language) }

        var pay: [String: JSONValue] = [
            "method": .string(payment.method), "ip_address": .string(payment.ip), "ip_country": .string(payment.ipCountry),
            "amount": .string(MoneyAmount(cents: subtotalCents + shippingPaidCents).description),
        ]
        if let card = payment.card {
            pay["card_bin"] = .string(card.bin)
            pay["card_last4"] = .string(card.last4)
            pay["card_country"] = .string(card.country)
        }
        if let avs = payment.avs { pay["avs_result"] = .string(avs) }
        if let cvv = payment.cvv { pay["cvv_result"] = .string(cvv) }

        let lineValues: [JSONValue] = lines.map { line in
            let product = catalogue.products[line.productIndex]
            return .object([
                "sku": .string(product.sku), "quantity": .integer(Int64(line.quantity)),
                "unit_price": .string(MoneyAmount(cents: line.unitPriceCents).description),
                "title": .string(product.title), "category": .string(product.category.name),
            ])
        }
        var order: [String: JSONValue] = [
            "order_id": .string(orderID), "placed_at": .string(placedAt.rfc3339), "channel": .string(channel),
            "customer": .object(customer), "shipping_address": shipping.json, "payment": .object(pay),
            "lines": .array(lineValues), "currency": .string(currency), "shipping_option": .string(shippingOption),
            "shipping_paid": .string(MoneyAmount(cents: shippingPaidCents).description), "merchant_priority": .string(merchantPriority),
        ]
        if let billing { order["billing_address"] = billing.json }
        return .object(order)
    }
}
