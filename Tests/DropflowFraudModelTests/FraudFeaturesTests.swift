import DropflowCore
import DropflowJSON
import Foundation
import DropflowContract
import Testing
@testable import DropflowFraudModel

@Suite("Fraud features")
struct FraudFeaturesTests {
    func features(_ b: OrderBuilder, _ h: OrderHistory = OrderHistory()) -> FraudFeatures {
        FraudFeatures(order: b.order, history: h)
    }

    @Test("an ordinary order raises no flags")
    func ordinary() {
        let f = features(OrderBuilder())
        for flag in [FraudFeature.avsNoMatch, .cvvNoMatch, .billingShippingCountryMismatch, .cardShippingCountryMismatch,
                     .ipShippingCountryMismatch, .ipCardCountryMismatch, .newAccount, .firstOrder, .reshipperAddress,
                     .disposableEmail, .expressShipping, .giftCards, .nonCardPayment, .shippingBillingAddressMismatch,
                     .phoneBillingMismatch, .newAddressFromNewIP] {
            #expect(f[flag] == 0, "\(flag.rawValue)")
        }
        #expect(f.values.count == FraudFeature.allCases.count)
        #expect(FraudFeature.allCases.enumerated().allSatisfy { $0.offset == $0.element.index })
        #expect(Set(FraudFeature.names).count == FraudFeature.names.count)
    }

    @Test("each country mismatch is its own flag")
    func mismatches() {
        var b = OrderBuilder()
        b.billingCountry = "DE"
        #expect(features(b)[.billingShippingCountryMismatch] == 1)
        #expect(features(b)[.cardShippingCountryMismatch] == 0)
        b = OrderBuilder()
        b.cardCountry = "NG"
        let f = features(b)
        #expect(f[.cardShippingCountryMismatch] == 1 && f[.ipCardCountryMismatch] == 1 && f[.ipShippingCountryMismatch] == 0)
        #expect(FraudFeature.cardShippingCountryMismatch.phrase(facts: f.facts) == "card issued in NG but shipping to US")
        b = OrderBuilder()
        b.ipCountry = "RU"
        #expect(features(b)[.ipShippingCountryMismatch] == 1)
        b.ipCountry = nil  // missing is no mismatch
        #expect(features(b)[.ipShippingCountryMismatch] == 0)
    }

    @Test("a shipping address or a contact phone other than the billing address's")
    func billingDifferences() {
        var b = OrderBuilder()
        b.line1 = "12 main st."  // the same address, written another way
        #expect(features(b)[.shippingBillingAddressMismatch] == 0)
        b.line1 = "7 Harbour Road"
        var f = features(b)
        #expect(f[.shippingBillingAddressMismatch] == 1 && f[.billingShippingCountryMismatch] == 0)
        #expect(FraudFeature.shippingBillingAddressMismatch.phrase(facts: f.facts) == "shipping to an address other than the billing address")
        b.billingCountry = nil  // no billing address: nothing to compare
        #expect(features(b)[.shippingBillingAddressMismatch] == 0)

        b = OrderBuilder()
        b.phone = "+1 (212) 555-0100"
        b.billingPhone = "12125550100"
        #expect(features(b)[.phoneBillingMismatch] == 0, "the same number, formatted differently")
        b.phone = "+1 646 555 0199"
        f = features(b)
        #expect(f[.phoneBillingMismatch] == 1)
        b.billingPhone = nil  // a phone on one side only is no mismatch
        #expect(features(b)[.phoneBillingMismatch] == 0)
    }

    @Test("card checks, account age, first order, value and basket")
    func orderFacts() {
        var b = OrderBuilder()
        b.avs = "N"
        b.cvv = "N"
        b.accountCreatedAt = b.placedAt - 600
        b.previousOrders = 0
        b.shippingOption = "express"
        b.lines = [("GFT-0001", 5, "100.00", "gift_cards"), ("HOM-0001", 1, "100.00", "home")]
        b.amount = "600.00"
        let f = features(b)
        #expect(f[.avsNoMatch] == 1 && f[.cvvNoMatch] == 1)
        #expect(f[.newAccount] == 1 && f[.firstOrder] == 1)
        #expect(f.facts["account_age"] == "10 min")
        #expect(f[.expressShipping] == 1 && f[.giftCards] == 1)
        #expect(abs(f[.riskyCategoryShare] - 5.0 / 6.0) < 1e-9)
        #expect(f.facts["max_quantity"] == "5")
        #expect(abs(f[.orderValueLog] - log1p(600)) < 1e-9)
        b.method = "paypal"; b.cardBIN = nil; b.cardLast4 = nil; b.cardCountry = nil; b.avs = nil; b.cvv = nil
        let p = features(b)
        #expect(p[.nonCardPayment] == 1 && p[.avsNoMatch] == 0 && p[.avsUnavailable] == 0)
        b.accountCreatedAt = nil
        #expect(features(b)[.accountAgeUnknown] == 1)
    }

    @Test("reshipper and freight forwarder addresses", arguments: [
        ("1200 Commerce Parkway", "Ste 100", true), ("8200 NE Columbia Blvd", "Unit 4", true),
        ("Logistikring 7", "Halle B", true), ("Unit 9 Heathrow Trade Park", "Bath Road", true),
        ("c/o Shipito", "Suite 8812", true), ("15 Warehouse Road", nil, true),
        ("12 Main Street", "Apt 4", false), ("Hauptstraße 12", nil, false), ("221B Baker Street", nil, false),
        ("9 Union Square", nil, false), ("4 Community Lane", nil, false),
    ] as [(String, String?, Bool)])
    func reshippers(line1: String, line2: String?, expected: Bool) {
        var b = OrderBuilder()
        b.line1 = line1
        b.line2 = line2
        #expect((features(b)[.reshipperAddress] == 1) == expected)
    }

    @Test("throwaway and machine-made emails")
    func emails() {
        var b = OrderBuilder()
        for (email, disposable) in [("abc@mailinator.com", true), ("x1@tempbox.example", true), ("jo@quickmail.example", true),
                                    ("jane.doe@example.com", false), ("j.smith@gmail.com", false), ("tempest@example.com", false)] {
            b.email = email
            #expect((features(b)[.disposableEmail] == 1) == disposable, "\(email)")
        }
        let random = ["xkqzvbtw4821", "qwrtzpl9930", "bcdfghjk12"].map { MerchantHeuristics.emailRandomness(localPart: $0) }
        let human = ["jane.doe", "maria.garcia1987", "thomas.mueller", "anna_k"].map { MerchantHeuristics.emailRandomness(localPart: $0) }
        #expect(random.allSatisfy { $0 >= 0.5 }, "\(random)")
        #expect(human.allSatisfy { $0 < 0.5 }, "\(human)")
    }

    @Test("velocity features and their phrases")
    func velocity() {
        var h = OrderHistory()
        h.card1h = 4
        h.customerOrders = 2
        h.customerMeanValue = 2_000
        h.customerOrdersToAddress = 0
        h.customerOrdersFromIP = 1
        let f = features(OrderBuilder(), h)
        #expect(abs(f[.cardOrders1h] - log1p(4)) < 1e-12)
        #expect(FraudFeature.cardOrders1h.phrase(facts: f.facts) == "4 other orders with this card in the last hour")
        #expect(f[.newAddressForCustomer] == 1 && f[.newIPForCustomer] == 0 && f[.newAddressFromNewIP] == 0)
        h.customerOrdersFromIP = 0
        #expect(features(OrderBuilder(), h)[.newAddressFromNewIP] == 1, "a new address from a new IP: both at once")
        h.customerOrders = 0
        #expect(features(OrderBuilder(), h)[.newAddressFromNewIP] == 0, "nothing is new to a customer never seen")
        #expect(abs(f[.valueVersusCustomerMean] - log(5_990.0 / 2_000)) < 1e-12)
        #expect(f[.firstOrder] == 0)
    }
}
