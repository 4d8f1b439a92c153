import DropflowCore
import DropflowJSON
import DropflowContract
import Testing
@testable import DropflowSimulator

/// Fraud rates and patterns match the configuration; labels stay in the truth.
@Suite struct FraudTests {
    static let fraud = FraudConfig(rate: 0.04)
    static let run = records(SimulationConfig(seed: 314, orders: 20_000, fraud: fraud))

    /// Tolerance: ±1 percentage point around the configured 4% (the binomial-plus-burst
    /// standard deviation at 20,000 orders is about 0.3 points).
    @Test func fraudRateOf20000OrdersIsWithinOnePercentagePointOfTheConfiguredRate() {
        let placed = orders(Self.run)
        #expect(placed.count == 20_000)
        let fraudulent = placed.filter { $0.truth?["is_fraud"] == true }.count
        let rate = Double(fraudulent) / Double(placed.count)
        #expect(abs(rate - Self.fraud.rate) <= 0.01, "measured fraud rate \(rate)")
    }

    /// Tolerance: each pattern's share of fraudulent orders within ±10 points of its configured
    /// share (card-testing bursts make that share lumpy).
    @Test func patternMixFollowsTheConfiguredWeights() {
        let fraudulent = orders(Self.run).filter { $0.truth?["is_fraud"] == true }
        let shares = Self.fraud.orderShares
        for (i, pattern) in FraudPattern.background.enumerated() {
            let share = Double(fraudulent.filter { $0.pattern == pattern.rawValue }.count) / Double(fraudulent.count)
            #expect(abs(share - shares[i]) <= 0.1, "\(pattern): \(share) vs \(shares[i])")
        }
        #expect(!fraudulent.contains { $0.pattern == FraudPattern.fraudRing.rawValue }, "no ring without the scenario")
    }

    /// Tolerance: unusual legitimate orders at their configured share (14% by default) ± 1
    /// point of legitimate orders (``LegitimateWorldTests`` checks each kind).
    @Test func unusualLegitimateOrdersAppearAtTheirRateAndAreLabelledLegit() {
        let legit = orders(Self.run).filter { $0.truth?["is_fraud"] == false }
        let unusual = legit.filter { $0.truth?["unusual"] != nil }
        #expect(abs(Double(unusual.count) / Double(legit.count) - UnusualLegitMix().total) <= 0.01)
        for kind in UnusualLegit.allCases {
            #expect(unusual.contains { $0.truth?["unusual"]?.stringValue == kind.rawValue })
        }
        // Gifts abroad really ship abroad; travellers really order from another country.
        for order in unusual where order.truth?["unusual"] == "gift_abroad" {
            #expect(order.value?["shipping_address"]?["country"] != order.value?["billing_address"]?["country"])
        }
        for order in unusual where order.truth?["unusual"] == "travelling_buyer" {
            #expect(order.value?["payment"]?["ip_country"] != order.value?["shipping_address"]?["country"])
        }
    }

    @Test func patternsLookTheWayTheyShould() throws {
        let placed = orders(Self.run)
        // Card testing: bursts of one incident share a BIN, device and address, with many cards.
        let testing = Dictionary(grouping: placed.filter { $0.pattern == "card_testing" }) { $0.truth!["incident_id"]!.stringValue! }
        #expect(testing.count >= 5)
        for (_, burst) in testing {
            // A burst is only shorter when the run ended during it.
            #expect(burst.count >= Self.fraud.cardTestingBurst.lowerBound || (placed.last!.at - burst.first!.at).hours < 2)
            #expect(Set(burst.map { $0.value!["payment"]!["card_bin"]! }).count == 1)
            #expect(Set(burst.map { $0.value!["payment"]!["ip_address"]! }).count == 1)
            #expect(Set(burst.map { $0.value!["shipping_address"]! }).count == 1)
            let span = burst.last!.at - burst.first!.at
            #expect(span.hours < 2, "a burst is minutes long")
        }
        // Stolen cards: the card's country is not where the goods go or where the device is, mostly.
        let stolen = placed.filter { $0.pattern == "stolen_card" }
        let mismatched = stolen.filter {
            let p = $0.value!["payment"]!
            return p["card_country"] != p["ip_country"] || p["card_country"] != $0.value!["shipping_address"]!["country"]
        }
        #expect(Double(mismatched.count) >= 0.6 * Double(stolen.count))
        // Account takeover: old accounts with history.
        for order in placed where order.pattern == "account_takeover" {
            let created = try #require(SimInstant(rfc3339: order.value!["customer"]!["account_created_at"]!.stringValue!))
            #expect((order.at - created).days >= 30)
        }
        // Friendly fraud is disputed weeks later; legitimate orders never are.
        for order in placed {
            let chargeback = order.truth?["chargeback_at"]?.stringValue.flatMap(SimInstant.init(rfc3339:))
            switch order.pattern {
            case "friendly_fraud":
                let at = try #require(chargeback)
                #expect((at - order.at).days >= 20 && (at - order.at).days <= 60)
            case "legit": #expect(chargeback == nil)
            default: break
            }
        }
    }

    @Test func aFraudRingSharesAddressesDevicesAndCards() {
        let ring = FraudRing(start: start + .hours(3), duration: .hours(2), orders: 40)
        let placed = orders(records(SimulationConfig(seed: 8, orders: 2_000, scenarios: [.fraudRing(ring)])))
        let members = placed.filter { $0.pattern == "fraud_ring" }
        #expect(members.count == 40)
        #expect(members.allSatisfy { $0.at >= ring.start && $0.at < ring.start + ring.duration })
        #expect(Set(members.map { $0.truth!["incident_id"]! }).count == 1)
        #expect(Set(members.map { $0.value!["shipping_address"]!["line1"]! }).count <= 2)
        #expect(Set(members.map { $0.value!["payment"]!["ip_address"]! }).count <= 3)
        #expect(Set(members.map { "\($0.value!["payment"]!["card_bin"]!)\($0.value!["payment"]!["card_last4"]!)" }).count <= 4)
        #expect(Set(members.map { $0.value!["customer"]!["id"]! }).count == 40, "every member is a fresh account")
    }
}
