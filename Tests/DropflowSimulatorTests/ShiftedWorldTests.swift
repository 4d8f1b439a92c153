import DropflowCore
import DropflowJSON
import DropflowContract
import Foundation
import Testing
@testable import DropflowSimulator

/// The market is configurable: the default keeps today's catalogue and countries, and the
/// shifted storefront differs from the default as configured.
@Suite struct ShiftedWorldTests {
    static let defaultConfig = SimulationConfig(seed: 4_242, orders: 20_000, supplierFeeds: false)
    static let shiftedConfig: SimulationConfig = {
        var config = SimulationConfig.shifted(seed: 4_242, orders: 20_000)
        config.supplierFeeds = false
        return config
    }()
    static let defaultRun = orders(records(defaultConfig))
    static let shiftedRun = orders(records(shiftedConfig))

    @Test func theDefaultMarketIsTodaysCatalogueAndCountries() {
        // Naming every default value explicitly changes nothing, byte for byte.
        let explicit = MarketProfile(
            priceLevel: 1, categoryShares: Dictionary(uniqueKeysWithValues: ProductCategory.all.map { ($0.name, $0.share) }),
            customerCountryWeights: Dictionary(uniqueKeysWithValues: Geography.customerCountries.map {
                (Geography.countries[$0].code, Geography.countries[$0].customerWeight)
            }))
        let a = SimulationConfig(seed: 21, orders: 600, ordersPerDay: 1_000)
        var b = a
        b.market = explicit
        #expect(SimulationWriter.jsonLines(Simulation.run(a)) == SimulationWriter.jsonLines(Simulation.run(b)))
        #expect(MarketProfile().resolvedCategoryShares == ProductCategory.all.map(\.share))
        #expect(MarketProfile().customerCountries.indices == Geography.customerCountries)
    }

    @Test func marketProblemsAreNamed() {
        #expect(MarketProfile(priceLevel: 0).problem != nil)
        #expect(MarketProfile(categoryShares: ["furniture": 0.2]).problem != nil)
        #expect(MarketProfile(categoryShares: ["electronics": 0.7, "home": 0.5]).problem != nil)
        #expect(MarketProfile(customerCountryWeights: ["CN": 5]).problem != nil, "suppliers' countries have no customers")
        #expect(MarketProfile(customerCountryWeights: ["US": -1]).problem != nil)
        #expect(MarketProfile.shiftedStorefront.problem == nil)
        // The categories not named share the rest in proportion to their own shares.
        let shares = MarketProfile(categoryShares: ["electronics": 0.4]).resolvedCategoryShares
        #expect(abs(shares.reduce(0, +) - 1) < 1e-9)
        #expect(abs(shares[0] - 0.4) < 1e-12)
        #expect(abs(shares[2] / shares[3] - 0.15 / 0.12) < 1e-9, "home and kitchen keep their ratio")
    }

    /// Tolerance: the shelf prices of every category but gift cards, relative to their
    /// category's median, are ×1.6 in the shifted catalogue (geometric mean ±12%; about 300
    /// SKUs with a log-sd of 0.6 each give a standard error near 5%).
    @Test func pricesAreAtTheShiftedPriceLevel() {
        let base = World.generate(Self.defaultConfig).catalogue.products
        let shifted = World.generate(Self.shiftedConfig).catalogue.products
        func meanLogRelativePrice(_ products: [Product]) -> Double {
            let priced = products.filter { $0.category.name != "gift_cards" }
            return priced.map { log(Double($0.priceCents) / $0.category.medianPriceCents) }.reduce(0, +) / Double(priced.count)
        }
        let ratio = exp(meanLogRelativePrice(shifted) - meanLogRelativePrice(base))
        #expect(within(ratio, 1.6, 0.12), "shelf price level ×\(ratio)")
        // Same seed and mix, price level 1 against 1.6: the same SKUs, each ×1.6 but for the
        // rounding to a charm price (a unit each) and gift cards' face values.
        var level1 = Self.shiftedConfig
        level1.market.priceLevel = 1
        let pairs = zip(World.generate(level1).catalogue.products, shifted)
        for (one, high) in pairs {
            #expect(one.sku == high.sku)
            if one.category.name == "gift_cards" {
                #expect(one.priceCents == high.priceCents)
            } else {
                #expect(abs(Double(high.priceCents) - 1.6 * Double(one.priceCents)) <= 260, "\(one.sku): \(one.priceCents) → \(high.priceCents)")
            }
        }
        for card in shifted where card.category.name == "gift_cards" {
            #expect([2_500, 5_000, 10_000, 20_000].contains(card.priceCents), "gift cards keep their face values")
        }
        // What customers pay per line goes up by at least the price level (more electronics too).
        let lineRatio = Self.meanUnitPrice(Self.shiftedRun) / Self.meanUnitPrice(Self.defaultRun)
        #expect(lineRatio >= 1.5, "mean unit price of ordered lines ×\(lineRatio)")
    }

    /// Tolerance: electronics are 40% ± 7 points of the shifted catalogue's SKUs (binomial sd
    /// 2.8 points at 300 SKUs), exactly 40% of its demand (popularity), and 40% ± 7 points of
    /// its legitimate ordered lines (loyal electronics buyers add a few points), against 16%
    /// of the default's SKUs.
    @Test func electronicsDominateTheShiftedCatalogueAndBaskets() {
        let catalogue = World.generate(Self.shiftedConfig).catalogue.products
        let skuShare = Double(catalogue.filter { $0.category.name == "electronics" }.count) / Double(catalogue.count)
        #expect(abs(skuShare - 0.4) <= 0.07, "electronics share of SKUs \(skuShare)")
        let apparel = Double(catalogue.filter { $0.category.name == "apparel" }.count) / Double(catalogue.count)
        #expect(abs(apparel - 0.08) <= 0.05, "apparel share of SKUs \(apparel)")
        #expect(Set(catalogue.map(\.category.name)).count == ProductCategory.all.count, "every category is still there")
        let shares = MarketProfile.shiftedStorefront.resolvedCategoryShares
        for (category, share) in zip(ProductCategory.all, shares) {
            let demand = catalogue.filter { $0.category.name == category.name }.map(\.popularity).reduce(0, +)
            #expect(abs(demand - share) < 1e-9, "\(category.name): demand \(demand) vs share \(share)")
        }
        let shifted = Self.lineShare("electronics", Self.shiftedRun)
        let base = Self.lineShare("electronics", Self.defaultRun)
        #expect(abs(shifted - 0.4) <= 0.07, "electronics share of ordered lines \(shifted)")
        #expect(shifted - base >= 0.1, "default \(base), shifted \(shifted)")
    }

    /// Tolerance: each country's share of the shifted run's distinct customers within ±3
    /// points of its configured weight (55/18/15 of 100).
    @Test func customersLiveMostlyInTheUSGreatBritainAndCanada() {
        let shares = Self.customerCountryShares(Self.shiftedRun)
        for (code, expected) in [("US", 0.55), ("GB", 0.18), ("CA", 0.15), ("AU", 0.05), ("DE", 0.02)] {
            #expect(abs((shares[code] ?? 0) - expected) <= 0.03, "\(code): \(shares[code] ?? 0)")
        }
        let base = Self.customerCountryShares(Self.defaultRun)
        #expect((base["US"] ?? 0) < 0.35 && (base["DE"] ?? 0) > 0.1, "default: \(base)")
    }

    @Test func pricesAreInUSDollars() {
        #expect(Self.shiftedRun.allSatisfy { $0.value?["currency"] == "USD" })
        #expect(Self.defaultRun.allSatisfy { $0.value?["currency"] == "EUR" })
    }

    /// Tolerance: fraud at 1.5% ± 0.5 point of the shifted run's orders (binomial-plus-burst sd
    /// about 0.15 point); pattern shares within ±10 points of the configured ones.
    @Test func fraudIsRarerWithMoreStolenCardsAndFewerAccountTakeovers() {
        let fraudulent = Self.shiftedRun.filter { $0.truth?["is_fraud"] == true }
        let rate = Double(fraudulent.count) / Double(Self.shiftedRun.count)
        #expect(abs(rate - 0.015) <= 0.005, "shifted fraud rate \(rate)")
        let shares = FraudConfig.shiftedStorefront.orderShares
        for (i, pattern) in FraudPattern.background.enumerated() {
            let share = Double(fraudulent.filter { $0.pattern == pattern.rawValue }.count) / Double(fraudulent.count)
            #expect(abs(share - shares[i]) <= 0.1, "\(pattern): \(share) vs \(shares[i])")
        }
        let baseFraud = Self.defaultRun.filter { $0.truth?["is_fraud"] == true }
        let ato = { (orders: [SimRecord]) in Double(orders.filter { $0.pattern == "account_takeover" }.count) / Double(orders.count) }
        #expect(ato(fraudulent) < ato(baseFraud))
        // The same patterns as the default world, none other.
        #expect(Set(fraudulent.compactMap(\.pattern)).isSubset(of: Set(FraudPattern.background.map(\.rawValue))))
    }

    /// The shifted storefront has many more loyal customers buying electronics.
    @Test func loyalElectronicsBuyersAreACommonSight() {
        func loyalElectronicsShare(_ orders: [SimRecord]) -> Double {
            let legit = orders.filter { $0.truth?["is_fraud"] == false }
            let loyal = legit.filter {
                LegitimateWorldTests.isLoyal($0) && $0.value!["lines"]!.arrayValue!.contains { $0["category"] == "electronics" }
            }
            return Double(loyal.count) / Double(legit.count)
        }
        let shifted = loyalElectronicsShare(Self.shiftedRun)
        let base = loyalElectronicsShare(Self.defaultRun)
        #expect(shifted >= 0.1 && shifted >= 1.5 * base, "loyal electronics orders: default \(base), shifted \(shifted)")
        let kind = Double(Self.shiftedRun.filter { $0.truth?["unusual"] == "loyal_electronics" }.count)
            / Double(Self.shiftedRun.filter { $0.truth?["is_fraud"] == false }.count)
        #expect(abs(kind - 0.08) <= 0.01, "loyal_electronics kind \(kind)")
    }

    static func meanUnitPrice(_ orders: [SimRecord]) -> Double {
        let prices = orders.flatMap { $0.value!["lines"]!.arrayValue!.map { Double(ContractValidityTests.cents($0["unit_price"]!.stringValue!)) } }
        return prices.reduce(0, +) / Double(prices.count)
    }

    /// `category`'s share of the legitimate orders' lines.
    static func lineShare(_ category: String, _ orders: [SimRecord]) -> Double {
        let lines = orders.filter { $0.truth?["is_fraud"] == false }.flatMap { $0.value!["lines"]!.arrayValue! }
        return Double(lines.filter { $0["category"]?.stringValue == category }.count) / Double(lines.count)
    }

    /// Share of distinct legitimate customers per home country (their billing country).
    static func customerCountryShares(_ orders: [SimRecord]) -> [String: Double] {
        var home: [String: String] = [:]
        for order in orders where order.truth?["is_fraud"] == false {
            let value = order.value!
            home[value["customer"]!["id"]!.stringValue!] = value["billing_address"]!["country"]!.stringValue!
        }
        var counts: [String: Int] = [:]
        for country in home.values { counts[country, default: 0] += 1 }
        return counts.mapValues { Double($0) / Double(home.count) }
    }
}
