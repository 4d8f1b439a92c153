import Foundation

/// One named input of the fraud model, with the phrase a reviewer reads when it moved a score.
///
/// The order of ``allCases`` is the order of the feature vector and of the model file; a model
/// trained on another list refuses to load. Phrase templates name facts of the order in braces
/// (`{card_country}`); ``FraudFeatures/facts`` fills them in.
public enum FraudFeature: String, CaseIterable, Sendable, Hashable {
    case avsNoMatch = "avs_no_match"
    case avsPartial = "avs_partial"
    case avsUnavailable = "avs_unavailable"
    case cvvNoMatch = "cvv_no_match"
    case cvvUnavailable = "cvv_unavailable"
    case billingShippingCountryMismatch = "billing_shipping_country_mismatch"
    case shippingBillingAddressMismatch = "shipping_billing_address_mismatch"
    case phoneBillingMismatch = "phone_billing_mismatch"
    case cardShippingCountryMismatch = "card_shipping_country_mismatch"
    case ipShippingCountryMismatch = "ip_shipping_country_mismatch"
    case ipCardCountryMismatch = "ip_card_country_mismatch"
    case accountAgeDaysLog = "account_age_days_log"
    case accountAgeUnknown = "account_age_unknown"
    case newAccount = "new_account"
    case firstOrder = "first_order"
    case previousOrdersLog = "previous_orders_log"
    case orderValueLog = "order_value_log"
    case valueVersusCustomerMean = "value_vs_customer_mean_log"
    case customerOrders1h = "customer_orders_1h"
    case customerOrders24h = "customer_orders_24h"
    case emailOrders1h = "email_orders_1h"
    case emailOrders24h = "email_orders_24h"
    case cardOrders1h = "card_orders_1h"
    case cardOrders24h = "card_orders_24h"
    case addressOrders1h = "address_orders_1h"
    case addressOrders24h = "address_orders_24h"
    case ipOrders1h = "ip_orders_1h"
    case ipOrders24h = "ip_orders_24h"
    case cardCustomers24h = "card_customers_24h"
    case cardEmails24h = "card_emails_24h"
    case addressCustomers24h = "address_customers_24h"
    case ipCustomers24h = "ip_customers_24h"
    case addressCards24h = "address_cards_24h"
    case ipCards24h = "ip_cards_24h"
    case newAddressForCustomer = "new_address_for_customer"
    case newIPForCustomer = "new_ip_for_customer"
    case newAddressFromNewIP = "new_address_from_new_ip"
    case riskyCategoryShare = "risky_category_share"
    case giftCards = "gift_cards"
    case reshipperAddress = "reshipper_address"
    case disposableEmail = "disposable_email"
    case randomLookingEmail = "random_looking_email"
    case priorChargebacks = "prior_chargebacks"
    case expressShipping = "express_shipping"
    case maxSkuQuantityLog = "max_sku_quantity_log"
    case lineCountLog = "line_count_log"
    case nonCardPayment = "non_card_payment"

    /// The names, in vector order.
    public static let names: [String] = allCases.map(\.rawValue)

    /// Position in the vector: the case's declaration order, which a payload-free enum of fewer
    /// than 256 cases stores as one byte (a dictionary lookup here made feature extraction slow;
    /// a test checks `allCases[i].index == i`).
    @inline(__always)
    public var index: Int { Int(unsafeBitCast(self, to: UInt8.self)) }

    /// Which way a feature may move the fraud score. Models are constrained to it (monotone
    /// trees, sign-constrained regression weights), so what a simulator or a skewed history
    /// taught them cannot turn a reassuring fact into a reason to decline.
    public enum Direction: String, Sendable, Hashable, CaseIterable {
        /// More of it (a larger value) never lowers the score: a mismatch, a velocity count, ...
        case raisesRisk = "raises_risk"
        /// More of it never raises the score: an older account, more previous orders.
        case lowersRisk = "lowers_risk"
        /// No known direction; the model may learn either, or both over the feature's range.
        case either

        /// The constraint as XGBoost writes it: +1 (non-decreasing), -1 (non-increasing), 0 (free).
        public var constraint: Int {
            switch self {
            case .raisesRisk: return 1
            case .lowersRisk: return -1
            case .either: return 0
            }
        }
    }

    /// The direction this feature is known to move fraud risk in, whatever the training data say.
    ///
    /// - Lowers risk: `account_age_days_log`, `previous_orders_log` — tenure and a purchase history
    ///   are what a fraudster lacks. Account takeover and friendly fraud do sit on old accounts,
    ///   but age is not *why* they are fraud, and a model that learned "old is risky" declines the
    ///   merchant's best customers.
    /// - Raises risk: the flags `first_order`, `new_account`, `account_age_unknown`; AVS / CVV
    ///   no-match, partial and unavailable; every country mismatch and a shipping address other
    ///   than the billing one (a gift or an office as often as a drop address, so the model
    ///   weighs it with the rest), a contact phone other than the billing address's (a taken-over
    ///   account gets the thief's number); every velocity count (1 h / 24 h
    ///   per customer, email, card, address, IP) and every distinct-others count;
    ///   `new_address_for_customer`, `new_ip_for_customer` and both at once (the mark of a
    ///   taken-over account: someone else's device sending the goods elsewhere), `reshipper_address`,
    ///   `disposable_email`, `random_looking_email`, `prior_chargebacks`, `gift_cards`. Also, by
    ///   choice: `order_value_log` and `value_vs_customer_mean_log` (more value is more to lose and
    ///   what a fraudster maximizes), `risky_category_share` (resellable goods),
    ///   `max_sku_quantity_log` (many units of one item is reselling) and `express_shipping` (the
    ///   goods must arrive before the cardholder notices).
    /// - Either: `line_count_log` (a long basket is a real shopper as often as a reseller) and
    ///   `non_card_payment` (wallets and PayPal shift fraud rather than remove it; which way
    ///   depends on the merchant's payment mix).
    public var direction: Direction {
        switch self {
        case .accountAgeDaysLog, .previousOrdersLog:
            return .lowersRisk
        case .lineCountLog, .nonCardPayment:
            return .either
        case .avsNoMatch, .avsPartial, .avsUnavailable, .cvvNoMatch, .cvvUnavailable,
             .billingShippingCountryMismatch, .shippingBillingAddressMismatch, .phoneBillingMismatch, .cardShippingCountryMismatch, .ipShippingCountryMismatch, .ipCardCountryMismatch,
             .accountAgeUnknown, .newAccount, .firstOrder, .orderValueLog, .valueVersusCustomerMean,
             .customerOrders1h, .customerOrders24h, .emailOrders1h, .emailOrders24h, .cardOrders1h, .cardOrders24h,
             .addressOrders1h, .addressOrders24h, .ipOrders1h, .ipOrders24h, .cardCustomers24h, .cardEmails24h,
             .addressCustomers24h, .ipCustomers24h, .addressCards24h, .ipCards24h, .newAddressForCustomer, .newIPForCustomer, .newAddressFromNewIP,
             .riskyCategoryShare, .giftCards, .reshipperAddress, .disposableEmail, .randomLookingEmail, .priorChargebacks,
             .expressShipping, .maxSkuQuantityLog:
            return .raisesRisk
        }
    }

    /// Every feature's ``Direction/constraint``, in vector order: what the fits constrain the
    /// fraud model to by default (`GradientBoostedTrees.Parameters.monotone`, `LogisticModel.fit`).
    public static let monotoneConstraints: [Int] = allCases.map(\.direction.constraint)

    /// For a ``Direction/lowersRisk`` feature, the value below which it is a risk fact in itself,
    /// and so may be named as a reason that *raised* the score: an account younger than 30 days
    /// (`log1p(30)`), no previous orders (`log1p(1)`: none). At or above the cut the value is
    /// reassuring and is named only as a reason that lowered the score. nil for other features.
    public var riskFactCut: Double? {
        switch self {
        case .accountAgeDaysLog: return log1p(30)
        case .previousOrdersLog: return log1p(1)
        default: return nil
        }
    }

    /// For a feature with a ``riskFactCut``, the template used when its value is below the cut
    /// and it raised the score (``template`` reads as a neutral fact: "account is 679 days old").
    public var riskFactTemplate: String? {
        switch self {
        case .accountAgeDaysLog: return "account is only {account_age} old"
        case .previousOrdersLog: return "customer has no previous orders"
        default: return nil
        }
    }

    /// The value an unremarkable order has; explanations only name a feature whose value differs
    /// from it (one line, one unit of each item is nothing to mention).
    public var neutralValue: Double {
        switch self {
        case .lineCountLog, .maxSkuQuantityLog: return log1p(1)
        default: return 0
        }
    }

    /// The reviewer-readable template.
    public var template: String {
        switch self {
        case .avsNoMatch: return "billing address did not match the card (AVS {avs})"
        case .avsPartial: return "billing address only partly matched the card (AVS {avs})"
        case .avsUnavailable: return "billing address could not be checked against the card (AVS {avs})"
        case .cvvNoMatch: return "card security code did not match"
        case .cvvUnavailable: return "card security code was not checked (CVV {cvv})"
        case .billingShippingCountryMismatch: return "billing address in {billing_country} but shipping to {ship_country}"
        case .shippingBillingAddressMismatch: return "shipping to an address other than the billing address"
        case .phoneBillingMismatch: return "contact phone differs from the billing address's phone"
        case .cardShippingCountryMismatch: return "card issued in {card_country} but shipping to {ship_country}"
        case .ipShippingCountryMismatch: return "ordered from an IP in {ip_country} but shipping to {ship_country}"
        case .ipCardCountryMismatch: return "ordered from an IP in {ip_country} with a card issued in {card_country}"
        case .accountAgeDaysLog: return "account is {account_age} old"
        case .accountAgeUnknown: return "account creation date unknown"
        case .newAccount: return "account created {account_age} before the order"
        case .firstOrder: return "first order of this customer"
        case .previousOrdersLog: return "customer has {previous_orders} previous orders"
        case .orderValueLog: return "order value {order_value}"
        case .valueVersusCustomerMean: return "order is {value_ratio}x this customer's average order"
        case .customerOrders1h: return "{customer_1h} other orders by this customer in the last hour"
        case .customerOrders24h: return "{customer_24h} other orders by this customer in the last 24 h"
        case .emailOrders1h: return "{email_1h} other orders with this email in the last hour"
        case .emailOrders24h: return "{email_24h} other orders with this email in the last 24 h"
        case .cardOrders1h: return "{card_1h} other orders with this card in the last hour"
        case .cardOrders24h: return "{card_24h} other orders with this card in the last 24 h"
        case .addressOrders1h: return "{address_1h} other orders to this shipping address in the last hour"
        case .addressOrders24h: return "{address_24h} other orders to this shipping address in the last 24 h"
        case .ipOrders1h: return "{ip_1h} other orders from this IP in the last hour"
        case .ipOrders24h: return "{ip_24h} other orders from this IP in the last 24 h"
        case .cardCustomers24h: return "card used by {card_customers} other customers in the last 24 h"
        case .cardEmails24h: return "card used with {card_emails} other emails in the last 24 h"
        case .addressCustomers24h: return "shipping address used by {address_customers} other customers in the last 24 h"
        case .ipCustomers24h: return "IP used by {ip_customers} other customers in the last 24 h"
        case .addressCards24h: return "{address_cards} other cards shipped to this address in the last 24 h"
        case .ipCards24h: return "{ip_cards} other cards used from this IP in the last 24 h"
        case .newAddressForCustomer: return "returning customer shipping to an address they never used"
        case .newIPForCustomer: return "returning customer ordering from an IP they never used"
        case .newAddressFromNewIP: return "returning customer shipping to a new address from an IP they never used"
        case .riskyCategoryShare: return "{risky_share}% of the order value in easily resold goods ({risky_categories})"
        case .giftCards: return "order contains gift cards"
        case .reshipperAddress: return "ships to a likely reshipper or freight forwarder ({reshipper_hint})"
        case .disposableEmail: return "email at a throwaway mail domain ({email_domain})"
        case .randomLookingEmail: return "email name looks machine-made ({email_local})"
        case .priorChargebacks: return "{chargebacks} earlier chargebacks on this customer or card"
        case .expressShipping: return "express shipping"
        case .maxSkuQuantityLog: return "{max_quantity} units of a single item"
        case .lineCountLog: return "{line_count} different items"
        case .nonCardPayment: return "paid by {payment_method}"
        }
    }

    /// ``template`` with its `{fact}` placeholders filled from `facts` (unknown ones become `?`).
    public func phrase(facts: [String: String]) -> String {
        Self.fill(template, facts: facts)
    }

    /// ``riskFactTemplate`` (or ``template`` if there is none) filled from `facts`.
    public func riskFactPhrase(facts: [String: String]) -> String {
        Self.fill(riskFactTemplate ?? template, facts: facts)
    }

    private static func fill(_ template: String, facts: [String: String]) -> String {
        var out = ""
        var name = ""
        var inName = false
        for ch in template {
            if inName {
                if ch == "}" { out += facts[name] ?? "?"; name = ""; inName = false } else { name.append(ch) }
            } else if ch == "{" {
                inName = true
            } else {
                out.append(ch)
            }
        }
        return out
    }
}
