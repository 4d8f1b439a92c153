import DropflowCore
import DropflowJSON
import DropflowContract
import Testing
@testable import DropflowSimulator

/// Simulated time in RFC 3339, money from integer cents.
@Suite struct TimeAndMoneyTests {
    @Test func instantsFormatAndParseAsRFC3339() throws {
        #expect(SimulationConfig.defaultStart.rfc3339 == "2026-11-24T00:00:00Z")
        #expect(SimInstant(rfc3339: "2026-11-24T00:00:00Z") == SimulationConfig.defaultStart)
        #expect(SimInstant(seconds: 0).rfc3339 == "1970-01-01T00:00:00Z")
        #expect(SimInstant(rfc3339: "2028-02-29T23:59:59Z")?.rfc3339 == "2028-02-29T23:59:59Z")
        #expect(SimInstant(seconds: -1).rfc3339 == "1969-12-31T23:59:59Z")
        var rng = SimRandom(seed: 1)
        for _ in 0..<2_000 {
            let t = SimInstant(seconds: Int64(rng.int(in: 0...4_102_444_799)))
            #expect(SimInstant(rfc3339: t.rfc3339) == t)
            #expect(DateTimeFormat.isValid(t.rfc3339))
        }
        for bad in ["2026-11-24 00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-24T00:00:00+01:00", "2026-11-24T24:00:00Z", ""] {
            #expect(SimInstant(rfc3339: bad) == nil)
        }
        let t = try #require(SimInstant(rfc3339: "2026-11-24T17:42:56Z"))
        #expect(t.hourOfDay == 17 && t.startOfHour.rfc3339 == "2026-11-24T17:00:00Z")
        #expect((t + .days(1.5)).rfc3339 == "2026-11-26T05:42:56Z")
    }

    @Test func moneyIsTwoDecimalsFromCents() {
        #expect(MoneyAmount(cents: 1_999).description == "19.99")
        #expect(MoneyAmount(cents: 5).description == "0.05")
        #expect(MoneyAmount(cents: 0).description == "0.00")
        #expect(MoneyAmount(cents: -1_250).description == "-12.50")
        #expect(MoneyAmount(cents: 100_000_000).description == "1000000.00")
        #expect(Pricing.scale(4_999, by: 0.8) == 3_999)
        #expect(Pricing.charmPrice(near: 2_340) == 2_299)
        #expect(Pricing.charmPrice(near: 10) == 99)
    }

    @Test func dailyRhythmKeepsItsMeanAtOne() {
        #expect(abs(DailyRhythm.ecommerce.hourly.reduce(0, +) / 24 - 1) < 1e-12)
        #expect(DailyRhythm.ecommerce.factor(at: start + .hours(20)) > 1.5)
        #expect(DailyRhythm.ecommerce.factor(at: start + .hours(4)) < 0.2)
    }
}
