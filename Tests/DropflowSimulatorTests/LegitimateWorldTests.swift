import DropflowCore
import DropflowJSON
import DropflowContract
import Testing
@testable import DropflowSimulator

/// The legitimate world has the ordinary exceptions of a real storefront (loyal customers
/// buying electronics, gifts abroad, travellers, new addresses and devices, ...), each at its
/// configured share, each looking the way it is described, each kind in the truth.
@Suite struct LegitimateWorldTests {
    static let config = SimulationConfig(seed: 2718, orders: 20_000, supplierFeeds: false)
    static let placed = orders(records(config))
    static let legit = placed.filter { $0.truth?["is_fraud"] == false }

    /// The orders of `kind`.
    static func ofKind(_ kind: UnusualLegit) -> [SimRecord] {
        legit.filter { $0.truth?["unusual"]?.stringValue == kind.rawValue }
    }

    /// Tolerance: each kind's share of legitimate orders within ±0.5 point of its configured
    /// share (at about 19,400 legitimate orders the binomial standard deviation is at most
    /// 0.15 point for the default shares), all kinds together within ±1 point.
    @Test func everyKindAppearsAtItsConfiguredShareOfLegitimateOrders() {
        let mix = Self.config.unusualLegit
        #expect(within(mix.total, 0.14, 1e-9), "the default is 14% in all")
        let n = Double(Self.legit.count)
        #expect(n > 19_000)
        for kind in UnusualLegit.allCases {
            let share = Double(Self.ofKind(kind).count) / n
            #expect(abs(share - mix[kind]) <= 0.005, "\(kind.rawValue): \(share) vs \(mix[kind])")
        }
        let all = Double(Self.legit.filter { $0.truth?["unusual"] != nil }.count) / n
        #expect(abs(all - mix.total) <= 0.01, "all unusual: \(all)")
        // Only legitimate orders are unusual; every kind's raw value is the truth's.
        #expect(!Self.placed.contains { $0.truth?["is_fraud"] == true && $0.truth?["unusual"] != nil })
        let kinds = Set(Self.legit.compactMap { $0.truth?["unusual"]?.stringValue })
        #expect(kinds == Set(UnusualLegit.allCases.map(\.rawValue)))
    }

    @Test func loyalCustomersBuyElectronicsAndBigBasketsFromHomeWithTheirCardOnFile() throws {
        let electronics = Self.ofKind(.loyalElectronics)
        var expensive = 0
        var express = 0
        for order in electronics {
            let value = try #require(order.value)
            #expect(Self.isLoyal(order), "\(order.key!)")
            #expect(value["lines"]!.arrayValue!.contains { $0["category"] == "electronics" })
            let payment = value["payment"]!
            if payment["card_bin"] != nil { #expect(payment["avs_result"] == "Y" && payment["cvv_result"] == "M") }
            #expect(payment["ip_country"] == value["shipping_address"]!["country"])
            #expect(value["billing_address"]!["country"] == value["shipping_address"]!["country"])
            if Self.orderValue(value) >= 100 { expensive += 1 }
            if value["shipping_option"] == "express" { express += 1 }
        }
        // Some are worth 100 or more, some go express (35% configured).
        #expect(Double(expensive) >= 0.3 * Double(electronics.count), "\(expensive) of \(electronics.count) worth 100+")
        #expect(Double(express) >= 0.25 * Double(electronics.count), "\(express) of \(electronics.count) express")
        let big = Self.ofKind(.loyalBigOrder)
        for order in big {
            #expect(Self.isLoyal(order))
            #expect(order.value!["lines"]!.arrayValue!.count >= 2)
        }
        // A big order is above what loyal customers' ordinary orders are worth.
        let ordinaryLoyal = Self.legit.filter { $0.truth?["unusual"] == nil && Self.isLoyal($0) }.map { Self.orderValue($0.value!) }
        let bigValues = big.map { Self.orderValue($0.value!) }
        #expect(quantile(bigValues, 0.5) > 1.5 * quantile(ordinaryLoyal, 0.5),
                "median big \(quantile(bigValues, 0.5)) vs ordinary \(quantile(ordinaryLoyal, 0.5))")
    }

    /// Loyal customers (a year or more, two or more earlier orders) place a real share of the
    /// legitimate electronics orders, so old accounts buying electronics are not mostly fraud.
    @Test func loyalCustomersPlaceARealShareOfLegitimateElectronicsOrders() {
        let withElectronics = Self.placed.filter { $0.value!["lines"]!.arrayValue!.contains { $0["category"] == "electronics" } }
        let legitElectronics = withElectronics.filter { $0.truth?["is_fraud"] == false }
        let loyalLegit = legitElectronics.filter(Self.isLoyal)
        let share = Double(loyalLegit.count) / Double(legitElectronics.count)
        #expect(share >= 0.18, "loyal share of legitimate electronics orders: \(share)")
        // Among loyal customers' electronics orders, account takeovers are a small minority.
        let loyalFraud = withElectronics.filter { $0.truth?["is_fraud"] == true && Self.isLoyal($0) }
        let fraudShare = Double(loyalFraud.count) / Double(loyalFraud.count + loyalLegit.count)
        #expect(fraudShare <= 0.1, "fraud share of loyal customers' electronics orders: \(fraudShare)")
    }

    @Test func giftsTravellersNewAddressesAndNewDevicesLookTheWayTheyShould() throws {
        for order in Self.ofKind(.giftAbroad) {
            #expect(order.value?["shipping_address"]?["country"] != order.value?["billing_address"]?["country"])
        }
        for order in Self.ofKind(.travellingBuyer) {
            #expect(order.value?["payment"]?["ip_country"] != order.value?["shipping_address"]?["country"])
            #expect(order.value?["billing_address"]?["country"] == order.value?["shipping_address"]?["country"])
        }
        for order in Self.ofKind(.largeFirstOrder) {
            #expect(order.value?["customer"]?["previous_orders"] == 0)
            #expect(order.value!["lines"]!.arrayValue!.count >= 4)
        }
        for order in Self.ofKind(.expressHighValue) {
            #expect(order.value?["shipping_option"] == "express")
        }
        // New address and new device: at home, and new against the customer's earlier orders in the run.
        var addresses: [String: Set<JSONValue>] = [:]
        var ips: [String: Set<String>] = [:]
        var newAddressChecked = 0
        var newDeviceChecked = 0
        for order in Self.placed {
            let value = try #require(order.value)
            let customer = value["customer"]!["id"]!.stringValue!
            let shipping = value["shipping_address"]!
            var address = shipping.objectValue!
            address["name"] = nil
            address["phone"] = nil
            let ip = value["payment"]!["ip_address"]!.stringValue!
            switch order.truth?["unusual"]?.stringValue {
            case UnusualLegit.newShippingAddress.rawValue?:
                #expect(shipping["country"] == value["billing_address"]?["country"])
                #expect(value["payment"]?["ip_country"] == shipping["country"])
                if let seen = addresses[customer] {
                    #expect(!seen.contains(.object(address)))
                    newAddressChecked += 1
                }
            case UnusualLegit.newDevice.rawValue?:
                #expect(value["payment"]?["ip_country"] == shipping["country"])
                #expect(value["billing_address"]?["country"] == shipping["country"])
                if let seen = ips[customer] {
                    #expect(!seen.contains(ip))
                    newDeviceChecked += 1
                }
            default: break
            }
            addresses[customer, default: []].insert(.object(address))
            ips[customer, default: []].insert(ip)
        }
        #expect(newAddressChecked >= 20 && newDeviceChecked >= 20)
    }

    @Test func theMixIsConfigurable() {
        var config = SimulationConfig(seed: 3, orders: 3_000, supplierFeeds: false)
        config.unusualLegit = .none
        #expect(!orders(records(config)).contains { $0.truth?["unusual"] != nil })
        // Only loyal electronics buyers, half of the legitimate orders.
        config.unusualLegit = UnusualLegitMix.none
        config.unusualLegit.loyalElectronics = 0.5
        let legit = orders(records(config)).filter { $0.truth?["is_fraud"] == false }
        let kinds = Set(legit.compactMap { $0.truth?["unusual"]?.stringValue })
        #expect(kinds == [UnusualLegit.loyalElectronics.rawValue])
        let share = Double(legit.filter { $0.truth?["unusual"] != nil }.count) / Double(legit.count)
        #expect(abs(share - 0.5) <= 0.04, "\(share)")
        // The old single rate scales the mix.
        config.unusualLegit = UnusualLegitMix()
        config.unusualLegitRate = 0.03
        #expect(abs(config.unusualLegit.total - 0.03) < 1e-12)
        #expect(abs(config.unusualLegit.loyalElectronics / config.unusualLegit.total - 0.04 / 0.14) < 1e-12)
        #expect(SimulationConfig(unusualLegitRate: 0.06).unusualLegit.total == UnusualLegitMix().scaled(toTotal: 0.06).total)
        #expect(UnusualLegitMix(loyalElectronics: 0.95).problem != nil)
    }

    @Test func theRunsTruthRecordsTheMixAndTheMarket() {
        let run = Simulation.run(SimulationConfig(seed: 1, orders: 10))
        let line = run.worldTruth[0]
        #expect(line["kind"] == "run")
        #expect(line["unusual_legit"]?["loyal_electronics"] == .double(0.04))
        #expect(line["unusual_legit_rate"]?.doubleValue.map { abs($0 - 0.14) < 1e-9 } == true)
        #expect(line["market"]?["price_level"] == .double(1))
        #expect(line["market"]?["category_shares"]?["electronics"] == .double(0.16))
        #expect(line["market"]?["customer_country_weights"]?["US"] == .double(28))
    }

    /// An account a year or more old with two or more earlier orders.
    static func isLoyal(_ order: SimRecord) -> Bool {
        guard let customer = order.value?["customer"], let created = customer["account_created_at"]?.stringValue,
              let createdAt = SimInstant(rfc3339: created), let previous = customer["previous_orders"]?.int64Value else { return false }
        return (order.at - createdAt).days >= 365 && previous >= 2
    }

    /// Lines and shipping, in whole units.
    static func orderValue(_ value: JSONValue) -> Double {
        Double(ContractValidityTests.cents(value["payment"]!["amount"]!.stringValue!)) / 100
    }
}
