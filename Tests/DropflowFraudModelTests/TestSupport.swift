import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowSimulator
@testable import DropflowFraudModel

/// A hand-built `orders.placed` value with sensible defaults.
struct OrderBuilder {
    var id = "ord-1"
    var placedAt: Int64 = 1_795_478_400
    var customerID = "cus-1"
    var email = "jane.doe@example.com"
    var accountCreatedAt: Int64? = 1_795_478_400 - 400 * 86_400
    var previousOrders: Int? = 3
    var previousChargebacks: Int? = nil
    var shipCountry = "US"
    var line1 = "12 Main Street"
    var line2: String? = nil
    var postal = "10001"
    var billingCountry: String? = "US"
    var billingLine1 = "12 Main Street"
    /// The customer's contact phone and the billing address's phone.
    var phone: String? = nil
    var billingPhone: String? = nil
    var method = "card"
    var cardBIN: String? = "411111"
    var cardLast4: String? = "4242"
    var cardCountry: String? = "US"
    var avs: String? = "Y"
    var cvv: String? = "M"
    var ip: String? = "203.0.113.7"
    var ipCountry: String? = "US"
    var amount = "59.90"
    var lines: [(sku: String, quantity: Int, price: String, category: String)] = [("HOM-0001", 1, "59.90", "home")]
    var shippingOption = "standard"

    var json: JSONValue {
        var customer: [String: JSONValue] = ["id": .string(customerID), "email": .string(email)]
        if let accountCreatedAt { customer["account_created_at"] = .string(DateTimeFormat.format(epochSeconds: accountCreatedAt)) }
        if let previousOrders { customer["previous_orders"] = .integer(Int64(previousOrders)) }
        if let previousChargebacks { customer["previous_chargebacks"] = .integer(Int64(previousChargebacks)) }
        if let phone { customer["phone"] = .string(phone) }
        var shipping: [String: JSONValue] = ["name": "Jane Doe", "line1": .string(line1), "city": "Town",
                                             "postal_code": .string(postal), "country": .string(shipCountry)]
        if let line2 { shipping["line2"] = .string(line2) }
        var payment: [String: JSONValue] = ["method": .string(method), "amount": .string(amount)]
        if let cardBIN { payment["card_bin"] = .string(cardBIN) }
        if let cardLast4 { payment["card_last4"] = .string(cardLast4) }
        if let cardCountry { payment["card_country"] = .string(cardCountry) }
        if let avs { payment["avs_result"] = .string(avs) }
        if let cvv { payment["cvv_result"] = .string(cvv) }
        if let ip { payment["ip_address"] = .string(ip) }
        if let ipCountry { payment["ip_country"] = .string(ipCountry) }
        var order: [String: JSONValue] = [
            "order_id": .string(id), "placed_at": .string(DateTimeFormat.format(epochSeconds: placedAt)), "customer": .object(customer),
            "shipping_address": .object(shipping), "payment": .object(payment), "currency": "EUR",
            "shipping_option": .string(shippingOption),
            "lines": .array(lines.map { ["sku": .string($0.sku), "quantity": .integer(Int64($0.quantity)),
                                         "unit_price": .string($0.price), "category": .string($0.category)] }),
        ]
        if let billingCountry {
            var billing: [String: JSONValue] = ["name": "Jane Doe", "line1": .string(billingLine1), "city": "Town",
                                                "postal_code": "10001", "country": .string(billingCountry)]
            if let billingPhone { billing["phone"] = .string(billingPhone) }
            order["billing_address"] = .object(billing)
        }
        return .object(order)
    }

    /// The order, typed.
    var order: OrderPlaced { try! OrderPlaced(json: json) }

    var signal: OrderSignal { OrderSignal(order: order)! }
}

/// One simulated history shared by the model tests: generated, replayed and trained once.
enum SimulatedHistory {
    static let orderCount = 32_000

    /// Labelled orders of a simulated week with every scenario (fraud ring included).
    static let orders: [LabelledOrder] = labelledOrders(seed: 11, count: orderCount)

    static func labelledOrders(seed: UInt64, count: Int) -> [LabelledOrder] {
        let days = Double(count) / 5_000
        let config = SimulationConfig(seed: seed, orders: count, supplierFeeds: false,
                                      scenarios: Scenario.all(from: SimulationConfig.defaultStart, days: days))
        var out: [LabelledOrder] = []
        for record in Simulation.run(config) where record.topic == SimRecord.Topic.ordersPlaced {
            guard let value = record.value, let truth = record.truth, let isFraud = truth["is_fraud"]?.boolValue else { continue }
            let chargeback = truth["chargeback_at"]?.stringValue.flatMap(DateTimeFormat.epochSeconds)
            if let order = try? OrderPlaced(json: value), let o = LabelledOrder(order: order, isFraud: isFraud, chargebackAt: chargeback) {
                out.append(o)
            }
        }
        return out
    }

    static let replay = FeatureReplay(orders)

    static let trained: FraudTrainer.Result = try! FraudTrainer.train(replay: replay, config: FraudTrainingConfig(seed: 5))
}
