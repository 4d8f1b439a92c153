import DropflowCore
import DropflowJSON
import DropflowContract
import Testing
@testable import DropflowSimulator

/// A promotion surge multiplies the order rate and lowers prices, only inside its window.
@Suite struct SurgeTests {
    static let surge = PromotionSurge(start: start + .hours(34), end: start + .hours(46), multiple: 3, discountPercent: 20)
    static let config = SimulationConfig(seed: 99, orders: 20_000, ordersPerDay: 4_000, scenarios: [.promotionSurge(surge)])
    static let placed = orders(records(config))

    /// Tolerance: the surge window's order count over the mean count of the same hours (10:00–
    /// 22:00) on the complete days without a surge is the configured multiple ±15%.
    @Test func surgeWindowOrderRateIsTheConfiguredMultipleOfTheSameHoursOnOtherDays() {
        let lastDay = Self.placed.last!.at.dayNumber
        var perDay: [Int64: Int] = [:]
        for order in Self.placed where (10..<22).contains(order.at.hourOfDay) {
            perDay[order.at.dayNumber, default: 0] += 1
        }
        let surgeDay = Self.surge.start.dayNumber
        let baseDays = perDay.keys.filter { $0 != surgeDay && $0 < lastDay }
        #expect(baseDays.count >= 2, "need complete days without a surge to compare with")
        let base = Double(baseDays.map { perDay[$0]! }.reduce(0, +)) / Double(baseDays.count)
        let inWindow = Double(Self.placed.filter { Self.surge.contains($0.at) }.count)
        let ratio = inWindow / base
        #expect(within(ratio, Self.surge.multiple, 0.15), "surge ratio \(ratio)")
    }

    @Test func pricesAreDiscountedDuringTheSurgeOnly() throws {
        let world = World.generate(Self.config)
        var shelf: [String: Int64] = [:]
        for product in world.catalogue.products { shelf[product.sku] = product.priceCents }
        var checked = 0
        for order in Self.placed.prefix(12_000) {
            let inSurge = Self.surge.contains(order.at)
            #expect(order.truth?["during_surge"]?.boolValue == inSurge)
            for line in order.value!["lines"]!.arrayValue! {
                let price = try #require(shelf[line["sku"]!.stringValue!])
                let expected = inSurge ? Pricing.scale(price, by: 0.8) : price
                #expect(line["unit_price"]?.stringValue == MoneyAmount(cents: expected).description)
                checked += 1
            }
        }
        #expect(checked > 12_000)
    }

    @Test func theDailyRhythmShapesArrivals() {
        // On complete days without a surge, the evening peak (19–21h) sees the rhythm's multiple
        // of the night's (2–4h) orders. Tolerance ±25% (a few hundred night orders).
        let lastDay = Self.placed.last!.at.dayNumber
        let outside = Self.placed.filter { $0.at.dayNumber != Self.surge.start.dayNumber && $0.at.dayNumber < lastDay }
        let evening = outside.filter { (19..<22).contains($0.at.hourOfDay) }.count
        let night = outside.filter { (2..<5).contains($0.at.hourOfDay) }.count
        let expected = (1.70 + 1.80 + 1.65) / (0.18 + 0.14 + 0.13)
        #expect(within(Double(evening) / Double(night), expected, 0.25))
    }
}
