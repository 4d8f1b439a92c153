import DropflowCore
import DropflowJSON
import Foundation
import DropflowContract

/// The fixed, named feature vector of one order (see ``FraudFeature``), and the facts its
/// explanations quote.
public struct FraudFeatures: Sendable, Hashable {
    /// Values in ``FraudFeature/allCases`` order.
    public var values: [Double]
    /// Facts for the phrase templates (`card_country`, `card_1h`, ...).
    public var facts: [String: String]

    /// The value of `feature`.
    public subscript(_ feature: FraudFeature) -> Double {
        get { values[feature.index] }
        set { values[feature.index] = newValue }
    }

    /// All zero, no facts.
    public init() {
        values = Array(repeating: 0, count: FraudFeature.allCases.count)
        facts = [:]
    }

    /// The features of an order, given what the tracker knew when it was placed.
    /// `computedValue` is intake's `order_value`, when known. A missing optional field leaves
    /// its features at zero.
    public init(order: OrderPlaced, computedValue: String? = nil, history: OrderHistory) {
        self.init()
        let payment = order.payment
        let ship = order.shippingAddress
        let customer = order.customer
        let shipCountry: String? = ship.country
        let billCountry = order.billingAddress?.country
        let cardCountry = payment.cardCountry
        let ipCountry = payment.ipCountry
        let method = payment.method.rawValue
        let isCard = payment.method == .card || payment.cardBin != nil
        facts["ship_country"] = shipCountry ?? "?"
        facts["billing_country"] = billCountry ?? "?"
        facts["card_country"] = cardCountry ?? "?"
        facts["ip_country"] = ipCountry ?? "?"
        facts["payment_method"] = method

        // Card checks.
        if isCard {
            let avs = payment.avsResult?.uppercased() ?? "U"
            let cvv = payment.cvvResult?.uppercased() ?? "U"
            facts["avs"] = avs
            facts["cvv"] = cvv
            switch avs {
            case "N": self[.avsNoMatch] = 1
            case "A", "Z", "W", "P": self[.avsPartial] = 1
            case "Y", "X", "D", "M", "F": break
            default: self[.avsUnavailable] = 1
            }
            switch cvv {
            case "N": self[.cvvNoMatch] = 1
            case "M", "Y": break
            default: self[.cvvUnavailable] = 1
            }
        } else {
            self[.nonCardPayment] = 1
        }

        // Where things are.
        func differ(_ a: String?, _ b: String?) -> Double { a != nil && b != nil && a != b ? 1 : 0 }
        self[.billingShippingCountryMismatch] = differ(billCountry, shipCountry)
        if let billing = order.billingAddress {
            self[.shippingBillingAddressMismatch] =
                differ(OrderSignal.addressFingerprint(billing), OrderSignal.addressFingerprint(ship))
            self[.phoneBillingMismatch] = differ(customer.phone.flatMap(OrderSignal.phoneDigits),
                                                 billing.phone.flatMap(OrderSignal.phoneDigits))
        }
        self[.cardShippingCountryMismatch] = differ(cardCountry, shipCountry)
        self[.ipShippingCountryMismatch] = differ(ipCountry, shipCountry)
        self[.ipCardCountryMismatch] = differ(ipCountry, cardCountry)

        // The account.
        let placed = DateTimeFormat.epochSeconds(order.placedAt)
        if let created = customer.accountCreatedAt.flatMap(DateTimeFormat.epochSeconds), let placed {
            let days = max(0, Double(placed - created) / 86_400)
            self[.accountAgeDaysLog] = log1p(days)
            if days < 1 { self[.newAccount] = 1 }
            facts["account_age"] = Self.duration(days: days)
        } else {
            self[.accountAgeUnknown] = 1
            facts["account_age"] = "?"
        }
        let previous = customer.previousOrders
        if (previous ?? 0) == 0 && history.customerOrders == 0 { self[.firstOrder] = 1 }
        let previousCount = max(previous ?? 0, history.customerOrders)
        self[.previousOrdersLog] = log1p(Double(previousCount))
        facts["previous_orders"] = String(previousCount)

        // Value.
        let currency = order.currency
        let value = OrderSignal.orderValue(order, computedValue: computedValue)
        let factor = MoneyAmount.minorUnitsPerUnit(currency: currency)
        self[.orderValueLog] = log1p(max(0, value) / factor)
        facts["order_value"] = Self.amount(value / factor) + " " + currency
        if let mean = history.customerMeanValue, mean > 0, value > 0 {
            let ratio = value / mean
            self[.valueVersusCustomerMean] = log(ratio)
            facts["value_ratio"] = Self.amount(ratio)
        }

        // Velocity and sharing.
        let counts: [(FraudFeature, Int, String)] = [
            (.customerOrders1h, history.customer1h, "customer_1h"), (.customerOrders24h, history.customer24h, "customer_24h"),
            (.emailOrders1h, history.email1h, "email_1h"), (.emailOrders24h, history.email24h, "email_24h"),
            (.cardOrders1h, history.card1h, "card_1h"), (.cardOrders24h, history.card24h, "card_24h"),
            (.addressOrders1h, history.address1h, "address_1h"), (.addressOrders24h, history.address24h, "address_24h"),
            (.ipOrders1h, history.ip1h, "ip_1h"), (.ipOrders24h, history.ip24h, "ip_24h"),
            (.cardCustomers24h, history.cardCustomers24h, "card_customers"), (.cardEmails24h, history.cardEmails24h, "card_emails"),
            (.addressCustomers24h, history.addressCustomers24h, "address_customers"),
            (.ipCustomers24h, history.ipCustomers24h, "ip_customers"),
            (.addressCards24h, history.addressCards24h, "address_cards"), (.ipCards24h, history.ipCards24h, "ip_cards"),
        ]
        for (feature, count, fact) in counts {
            self[feature] = log1p(Double(count))
            facts[fact] = String(count)
        }
        if history.customerOrders > 0 {
            if history.customerOrdersToAddress == 0 { self[.newAddressForCustomer] = 1 }
            if history.customerOrdersFromIP == 0, payment.ipAddress != nil { self[.newIPForCustomer] = 1 }
            self[.newAddressFromNewIP] = self[.newAddressForCustomer] * self[.newIPForCustomer]
        }

        // The basket.
        var riskyValue = 0.0, totalValue = 0.0, maxQuantity = 0
        var riskyNames: [String] = []
        let lines = order.lines
        for line in lines {
            let quantity = line.quantity
            let price = MoneyAmount(line.unitPrice)?.minorUnits(currency: currency) ?? 0
            let lineValue = Double(quantity) * max(0, price)
            totalValue += lineValue
            maxQuantity = max(maxQuantity, quantity)
            if let category = line.category?.lowercased() {
                if MerchantHeuristics.riskyCategories.contains(category) || MerchantHeuristics.isGiftCard(category: category) {
                    riskyValue += lineValue
                    if !riskyNames.contains(category) { riskyNames.append(category) }
                }
                if MerchantHeuristics.isGiftCard(category: category) { self[.giftCards] = 1 }
            }
        }
        if totalValue > 0 {
            self[.riskyCategoryShare] = riskyValue / totalValue
            facts["risky_share"] = String(Int((100 * riskyValue / totalValue).rounded()))
        }
        facts["risky_categories"] = riskyNames.sorted().joined(separator: ", ")
        self[.maxSkuQuantityLog] = log1p(Double(maxQuantity))
        facts["max_quantity"] = String(maxQuantity)
        self[.lineCountLog] = log1p(Double(lines.count))
        facts["line_count"] = String(lines.count)
        if order.shippingOption == .express { self[.expressShipping] = 1 }

        // Address and email heuristics.
        if let hint = MerchantHeuristics.reshipperHint(line1: ship.line1, line2: ship.line2) {
            self[.reshipperAddress] = 1
            facts["reshipper_hint"] = hint
        }
        if let email = OrderSignal.normalizedEmail(customer.email),
           let at = email.lastIndex(of: "@") {
            let local = String(email[..<at])
            let domain = String(email[email.index(after: at)...])
            facts["email_domain"] = domain
            facts["email_local"] = local
            if MerchantHeuristics.isDisposable(domain: domain) { self[.disposableEmail] = 1 }
            self[.randomLookingEmail] = MerchantHeuristics.emailRandomness(localPart: local)
        }

        // Chargebacks.
        let chargebacks = (customer.previousChargebacks ?? 0) + history.customerChargebacks + history.cardChargebacks
        self[.priorChargebacks] = log1p(Double(chargebacks))
        facts["chargebacks"] = String(chargebacks)
    }

    /// `3 min`, `5 h`, `12 days`, `2.4 years`.
    static func duration(days: Double) -> String {
        if days < 1.0 / 24 { return String(Int((days * 1_440).rounded())) + " min" }
        if days < 1 { return String(Int((days * 24).rounded())) + " h" }
        if days < 730 { return String(Int(days.rounded())) + " days" }
        return amount(days / 365.25) + " years"
    }

    /// A number with at most one decimal, e.g. `12.5`, `3`.
    static func amount(_ x: Double) -> String {
        let r = (x * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
