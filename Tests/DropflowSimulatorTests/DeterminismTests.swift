import DropflowCore
import DropflowJSON
import DropflowContract
import Testing
@testable import DropflowSimulator

/// Same seed and configuration, same bytes; another seed, other bytes; time always moves forward.
@Suite struct DeterminismTests {
    static func config(seed: UInt64) -> SimulationConfig {
        SimulationConfig(seed: seed, orders: 1_500, ordersPerDay: 1_000, scenarios: Scenario.all(from: start, days: 1.5))
    }

    @Test func sameSeedGivesByteIdenticalJSONLines() {
        let a = SimulationWriter.jsonLines(Simulation.run(Self.config(seed: 42)))
        let b = SimulationWriter.jsonLines(Simulation.run(Self.config(seed: 42)))
        #expect(a.count > 100_000)
        #expect(a == b)
    }

    @Test func theShiftedStorefrontIsDeterministicToo() {
        var config = SimulationConfig.shifted(seed: 42, orders: 1_500)
        config.scenarios = Scenario.all(from: start, days: 1.5)
        let a = SimulationWriter.jsonLines(Simulation.run(config))
        #expect(a == SimulationWriter.jsonLines(Simulation.run(config)))
        #expect(a != SimulationWriter.jsonLines(Simulation.run(Self.config(seed: 42))))
    }

    @Test func iteratingOneRunTwiceGivesTheSameRecords() {
        let run = Simulation.run(Self.config(seed: 5))
        #expect(Array(run) == Array(run))
    }

    @Test func differentSeedGivesDifferentOutput() {
        let a = SimulationWriter.jsonLines(Simulation.run(Self.config(seed: 1)))
        let b = SimulationWriter.jsonLines(Simulation.run(Self.config(seed: 2)))
        #expect(a != b)
    }

    @Test func recordsAreSortedByTimeAndTheRunEndsWithItsLastOrder() {
        let all = records(Self.config(seed: 9))
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.at <= $1.at })
        #expect(all.last?.topic == SimRecord.Topic.ordersPlaced)
        let placed = orders(all)
        #expect(placed.count == 1_500)
        #expect(Set(placed.compactMap(\.key)).count == 1_500, "order ids are unique")
        #expect(all.first?.at == start)
    }

    @Test func theWorldIsAFunctionOfTheSeed() {
        let a = World.generate(Self.config(seed: 77))
        let b = World.generate(Self.config(seed: 77))
        #expect(a.suppliers.map(\.id) == b.suppliers.map(\.id))
        #expect(a.catalogue.products.map(\.priceCents) == b.catalogue.products.map(\.priceCents))
        let c = World.generate(Self.config(seed: 78))
        #expect(a.catalogue.products.map(\.priceCents) != c.catalogue.products.map(\.priceCents))
    }

    /// The answering side's true stock is the feeds' own: every published offer's true quantity
    /// is the timeline's at its `updated_at`, outages and restocks included.
    @Test func theStockTimelineReplaysTheFeedsTruth() throws {
        let run = Simulation.run(Self.config(seed: 9))
        let stock = StockTimeline(world: run.world)
        var checked = 0
        for record in run where record.topic == SimRecord.Topic.supplierOffers {
            guard let value = record.value, let truth = record.truth?["true_available_qty"]?.intValue,
                  let updated = value["updated_at"]?.stringValue.flatMap(SimInstant.init(rfc3339:)) else { continue }
            let supplierID = try #require(value["supplier_id"]?.stringValue)
            let sku = try #require(value["sku"]?.stringValue)
            #expect(stock.trueQuantity(supplierID: supplierID, sku: sku, at: updated) == truth, "\(record.key ?? "") at \(updated)")
            checked += 1
        }
        #expect(checked > 1_000)
        // Without published feeds the stock is the same.
        var quiet = Self.config(seed: 9)
        quiet.supplierFeeds = false
        let other = StockTimeline(world: World.generate(quiet))
        let supplier = run.world.suppliers[0]
        for offer in supplier.offers.prefix(10) {
            #expect(other.trueQuantity(supplierID: supplier.id, sku: offer.sku, at: start + .days(1))
                    == stock.trueQuantity(supplierID: supplier.id, sku: offer.sku, at: start + .days(1)))
        }
    }

    @Test func theTruthSummaryIsAFunctionOfTheSeed() {
        func bytes(_ seed: UInt64) -> [UInt8] { Simulation.run(Self.config(seed: seed)).worldTruth.flatMap { $0.serialized() } }
        #expect(bytes(42) == bytes(42))
        #expect(bytes(42) != bytes(43))
    }
}
