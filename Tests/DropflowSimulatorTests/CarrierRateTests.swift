import DropflowCore
import DropflowJSON
import DropflowContract
import Testing
@testable import DropflowSimulator

/// `carrier.rates`: a rate for every lane but a documented few, stated transit apart from the
/// truth, a few foreign currencies, price changes during the run, and the lanes' truth.
@Suite struct CarrierRateTests {
    static let config = SimulationConfig(seed: 2026, orders: 2_000, ordersPerDay: 1_000, scenarios: Scenario.all(from: start, days: 2))
    static let run = Simulation.run(config)
    static let all = Array(run)
    static var rates: [SimRecord] { all.filter { $0.topic == SimRecord.Topic.carrierRates } }

    @Test func everyLaneButTheDocumentedFewHasARateBeforeTheFirstOrder() throws {
        let lanes = Self.run.world.network.lanes
        let firstOrder = try #require(Self.all.first { $0.topic == SimRecord.Topic.ordersPlaced })
        let initial = Self.rates.filter { $0.at == start }
        #expect(initial.allSatisfy { $0.at < firstOrder.at && $0.truth?["cause"] == "initial" })
        let keys = Set(initial.compactMap(\.key))
        #expect(keys.count == initial.count, "one rate per lane")
        let missing = lanes.filter { !keys.contains($0.rateKey) }
        // Exactly the documented ones: ptt-intl to US, CA, AU; postnl-packet to AU.
        #expect(!missing.isEmpty && missing.count <= 12)
        #expect(missing.allSatisfy {
            ($0.carrier == "ptt-intl" && ["US", "CA", "AU"].contains($0.destination)) || ($0.carrier == "postnl-packet" && $0.destination == "AU")
        })
        #expect(Set(missing.map(\.rateKey)) == Set(Self.run.world.rates.lanesWithoutRate))
        #expect(keys.count + missing.count == lanes.count)
        // Nothing published on a lane the network does not have.
        #expect(keys.isSubset(of: Set(lanes.map(\.rateKey))))
    }

    @Test func ratesValidateAndStateTheLanesTariff() throws {
        let world = Self.run.world
        for record in Self.rates {
            let value = try #require(record.value)
            #expect(ContractSchema.carrierRate.validate(value) == [], "\(record.key ?? "")")
            let i = try #require(world.network.laneIndex(carrier: value["carrier"]!.stringValue!,
                                                         origin: value["origin_country"]!.stringValue!,
                                                         destination: value["destination_country"]!.stringValue!))
            let lane = world.network.lanes[i]
            let rate = world.rates.rates[i]
            let (base, perHalfKilo) = world.rates.tariff(lane: i, at: record.at)
            // base and per_kg (twice the rate per started 500 g), in the quote currency.
            #expect(MoneyAmount(value["base"]!.stringValue!) == MoneyAmount(cents: world.rates.quoted(base, rate)))
            #expect(MoneyAmount(value["per_kg"]!.stringValue!) == MoneyAmount(cents: world.rates.quoted(2 * perHalfKilo, rate)))
            #expect(value["service_level"]?.stringValue == lane.level.rawValue)
            #expect(value["customs"]?.boolValue == Zone.crossesCustoms(lane.origin, lane.destination))
            #expect(value["max_weight_grams"]?.int64Value == Int64(CarrierService.named(lane.carrier)!.maxWeightGrams))
            #expect(value["updated_at"]?.stringValue == record.at.rfc3339)
            // The truth: the lane's true transit and customs, and what the carrier charges.
            let truth = try #require(record.truth)
            #expect(truth["transit_days_true"]?["p50"]?.doubleValue == lane.transit.p50)
            #expect(truth["transit_days_true"]?["p90"]?.doubleValue == lane.transit.p90)
            #expect(truth["customs_hold_probability"]?.doubleValue == lane.customsHoldProbability)
            #expect(truth["customs_hold_days"]?["p50"]?.doubleValue == lane.customsHoldDays.p50)
            #expect(truth["tariff"]?["base"]?.stringValue == MoneyAmount(cents: base).description)
            #expect(truth["quote_currency"]?.stringValue == value["currency"]?.stringValue)
        }
    }

    /// Stated transit is the truth rounded to half days, except on optimistic lanes (every lane
    /// of the Chinese carriers, about 12% of the others), which state less.
    @Test func statedTransitIsHonestOrOptimisticAndTheTruthKeepsTheLanes() {
        let book = Self.run.world.rates
        var optimistic = 0
        var others = 0
        for rate in book.rates where rate.published {
            let lane = book.lanes[rate.laneIndex]
            if rate.optimistic {
                #expect(rate.statedTransit.p50 <= lane.transit.p50 * 0.9 + 0.25)
                #expect(rate.statedTransit.p90 < lane.transit.p90)
            } else {
                #expect(abs(rate.statedTransit.p50 - lane.transit.p50) <= 0.25 || rate.statedTransit.p50 == 0.5)
            }
            if CarrierRateBook.optimisticCarriers.contains(lane.carrier) {
                #expect(rate.optimistic)
            } else {
                others += 1
                if rate.optimistic { optimistic += 1 }
            }
        }
        let share = Double(optimistic) / Double(others)
        #expect(share > 0.05 && share < 0.2, "optimistic share \(share)")
    }

    /// A few lanes quote in another currency (USD for the Chinese carriers to the US and USPS,
    /// GBP for Royal Mail) at the book's exchange rates; the truth says which.
    @Test(arguments: [SimulationConfig(seed: 2026), SimulationConfig.shifted(seed: 2026)])
    func aFewLanesQuoteInAnotherCurrency(config: SimulationConfig) throws {
        let book = World.generate(config).rates
        let foreign = book.foreignCurrencyRates
        #expect(!foreign.isEmpty && foreign.count <= 5)
        for rate in foreign {
            #expect(rate.quoteCurrency != config.currency)
            let expected = CarrierRateBook.unitsPerEuro[rate.quoteCurrency]! / CarrierRateBook.unitsPerEuro[config.currency]!
            #expect(abs(rate.exchangeRate - expected) < 1e-12)
            let record = book.record(lane: rate.laneIndex, at: config.start, cause: "initial")
            #expect(record.value?["currency"]?.stringValue == rate.quoteCurrency)
            #expect(record.truth?["foreign_currency"] == true)
            let lane = book.lanes[rate.laneIndex]
            let quoted = try #require(MoneyAmount(record.value!["base"]!.stringValue!))
            #expect(abs(Double(quoted.tenThousandths) / 100 - Double(lane.baseRateCents) * expected) <= 0.5)
        }
        #expect(book.rates.filter { !foreignContains(foreign, $0) }.allSatisfy { $0.quoteCurrency == config.currency })
        // CN → US is always there (a Chinese supplier exists in every world): the EUR world quotes it in USD.
        if config.currency == "EUR" { #expect(foreign.contains { $0.key == "cainiao-standard/standard/CN/US" }) }
    }

    private func foreignContains(_ rates: [CarrierRateBook.LaneRate], _ rate: CarrierRateBook.LaneRate) -> Bool {
        rates.contains { $0.laneIndex == rate.laneIndex }
    }

    @Test func aFewRatesChangeDuringTheRun() throws {
        let lastOrder = try #require(Self.all.last { $0.topic == SimRecord.Topic.ordersPlaced })
        let changes = Self.rates.filter { $0.at > start }
        #expect(!changes.isEmpty && changes.count == Self.run.world.rates.changes.count)
        for change in changes {
            #expect(change.at < lastOrder.at)
            #expect(change.truth?["cause"] == "price_change")
            #expect(change.truth?["previous_tariff"] != change.truth?["tariff"])
            let initial = try #require(Self.rates.first { $0.key == change.key && $0.at == start })
            #expect(initial.value?["base"] != change.value?["base"] || initial.value?["per_kg"] != change.value?["per_kg"])
            #expect(change.value?["transit_days"] == initial.value?["transit_days"])
        }
        // What a parcel costs follows the change.
        let change = Self.run.world.rates.changes[0]
        let book = Self.run.world.rates
        #expect(book.priceCents(lane: change.laneIndex, weightGrams: 1_200, at: change.at) == change.baseCents + 3 * change.perHalfKiloCents)
        let lane = book.lanes[change.laneIndex]
        #expect(book.priceCents(lane: change.laneIndex, weightGrams: 1_200, at: start) == lane.baseRateCents + 3 * lane.perHalfKiloCents)
    }

    @Test func theTruthFileHasEveryLane() throws {
        let truth = Self.run.worldTruth
        let lanes = truth.filter { $0["kind"] == "lane" }
        #expect(lanes.count == Self.run.world.network.lanes.count)
        let summary = try #require(truth.first { $0["kind"] == "carrier_rates" })
        let missing = Set(summary["lanes_without_rate"]!.arrayValue!.compactMap(\.stringValue))
        #expect(missing == Set(lanes.filter { $0["rate_published"] == false }.compactMap { $0["lane"]?.stringValue }))
        #expect(missing == Set(Self.run.world.rates.lanesWithoutRate))
        #expect(summary["foreign_currency_lanes"]?.arrayValue?.count == Self.run.world.rates.foreignCurrencyRates.count)
        for line in lanes {
            #expect(line["transit_days_true"]?["p90"] != nil && line["transit_days_stated"]?["p50"] != nil)
            #expect(line["customs_hold_probability"] != nil && line["customs"] != nil && line["quote_currency"] != nil)
        }
        // Suppliers' true behaviour is there too.
        let suppliers = truth.filter { $0["kind"] == "supplier" }
        #expect(suppliers.count == Self.config.supplierCount)
        #expect(suppliers.allSatisfy { $0["handling_days_true"] != nil && $0["profile"] != nil && $0["wrong_stock_probability"] != nil })
    }

    @Test func ratesCanBeTurnedOffWithoutTouchingTheRest() {
        var config = SimulationConfig(seed: 8, orders: 300)
        let with = records(config)
        config.carrierRates = false
        let without = records(config)
        #expect(!without.contains { $0.topic == SimRecord.Topic.carrierRates })
        #expect(with.filter { $0.topic != SimRecord.Topic.carrierRates } == without)
    }
}
