import DropflowCore
import DropflowJSON
import DropflowContract
import Testing
@testable import DropflowSimulator

/// Every message the simulator writes is one the pipeline must accept.
@Suite struct ContractValidityTests {
    @Test func everyRecordOfARunWithAllScenariosValidatesAgainstItsTopicsSchema() throws {
        let config = SimulationConfig(seed: 2026, orders: 2_000, ordersPerDay: 1_000,
                                      scenarios: Scenario.all(from: start, days: 2))
        try Self.validate(config)
    }

    /// The shifted storefront (other prices, catalogue, countries, currency and fraud), with
    /// every scenario.
    @Test func everyRecordOfTheShiftedStorefrontValidatesAgainstItsTopicsSchema() throws {
        var config = SimulationConfig.shifted(seed: 2026, orders: 2_000)
        config.ordersPerDay = 1_000
        config.scenarios = Scenario.all(from: start, days: 2)
        try Self.validate(config)
    }

    /// Every record of the run of `config` is valid under its topic's schema, and every scenario shows.
    static func validate(_ config: SimulationConfig) throws {
        let world = World.generate(config)
        let all = records(config)
        var byTopic: [String: Int] = [:]
        var tombstones = 0
        for record in all {
            let topic = try #require(Contract.topic(named: record.topic), "\(record.topic) is not a contract topic")
            #expect(topic.role == .input)
            byTopic[record.topic, default: 0] += 1
            guard let value = record.value else {
                // Only a compacted topic may carry a tombstone.
                #expect(record.topic == SimRecord.Topic.supplierOffers)
                tombstones += 1
                continue
            }
            let violations = try #require(topic.schema).validate(value)
            #expect(violations.isEmpty, "\(record.topic) \(record.key ?? "-"): \(violations)")
            // Keys follow the contract's key convention.
            switch record.topic {
            case SimRecord.Topic.ordersPlaced: #expect(record.key == value["order_id"]?.stringValue)
            case SimRecord.Topic.supplierStatus: #expect(record.key == value["supplier_id"]?.stringValue)
            case SimRecord.Topic.supplierOffers:
                #expect(record.key == "\(value["supplier_id"]!.stringValue!)/\(value["sku"]!.stringValue!)")
                // Every offer states its unit's packed weight: the product's.
                let sku = try #require(value["sku"]?.stringValue)
                let product = try #require(world.catalogue.product(sku: sku))
                #expect(value["unit_weight_grams"]?.int64Value == Int64(product.weightGrams))
            case SimRecord.Topic.carrierRates:
                let key = [value["carrier"], value["service_level"], value["origin_country"], value["destination_country"]]
                    .compactMap { $0?.stringValue }.joined(separator: "/")
                #expect(record.key == key)
                #expect(value["per_kg"] != nil && value["customs"] != nil && value["max_weight_grams"] != nil)
                // The truth holds the lane's true behaviour, never the value.
                #expect(record.truth?["transit_days_true"]?["p50"]?.doubleValue != nil)
                #expect(record.truth?["customs_hold_probability"]?.doubleValue != nil)
                #expect(value["transit_days_true"] == nil && value["customs_hold_probability"] == nil)
            default: Issue.record("unexpected topic \(record.topic)")
            }
            // The truth is never inside the value.
            #expect(value["is_fraud"] == nil && value["pattern"] == nil && value["true_available_qty"] == nil)
        }
        #expect(byTopic[SimRecord.Topic.ordersPlaced] == 2_000)
        #expect((byTopic[SimRecord.Topic.supplierOffers] ?? 0) > 500)
        #expect((byTopic[SimRecord.Topic.supplierStatus] ?? 0) > config.supplierCount)
        // A rate for every lane but the few left without, and a price change or more.
        let withRate = world.network.lanes.filter { !CarrierRateBook.hasNoRate($0) }.count
        #expect((byTopic[SimRecord.Topic.carrierRates] ?? 0) > withRate)
        // Every scenario showed up: ring orders, surge orders, the outage announcement.
        let placed = orders(all)
        #expect(placed.filter { $0.pattern == "fraud_ring" }.count == 30)
        #expect(placed.contains { $0.truth?["during_surge"] == true })
        #expect(all.contains { $0.topic == SimRecord.Topic.supplierStatus && $0.value?["status"] == "outage" })
        _ = tombstones
    }

    @Test(arguments: [SimulationConfig(seed: 11, orders: 500), SimulationConfig.shifted(seed: 11, orders: 500)])
    func amountsAddUpFromIntegerCents(config: SimulationConfig) throws {
        let placed = orders(records(config))
        for order in placed {
            let value = try #require(order.value)
            var cents: Int64 = 0
            for line in value["lines"]!.arrayValue! {
                cents += line["quantity"]!.int64Value! * Self.cents(line["unit_price"]!.stringValue!)
            }
            cents += Self.cents(value["shipping_paid"]!.stringValue!)
            #expect(value["payment"]?["amount"]?.stringValue == MoneyAmount(cents: cents).description)
        }
    }

    static func cents(_ decimal: String) -> Int64 {
        let parts = decimal.split(separator: ".")
        return Int64(parts[0])! * 100 + Int64(parts[1])!
    }
}
