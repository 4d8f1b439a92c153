import DropflowCore
import DropflowJSON
import DropflowContract
import Testing
@testable import DropflowSimulator

/// Sampled handling and transit times follow the configured distributions.
@Suite struct LeadTimeTests {
    static let world = World.generate(SimulationConfig(seed: 17, scenarios: Scenario.all(from: start, days: 4)))

    /// Tolerance: p50 and p90 of 20,000 sampled handling times within ±10% of the supplier's
    /// configured p50 and p90, for a supplier of each profile.
    @Test(arguments: SupplierProfile.allCases)
    func handlingTimeQuantilesMatchTheSuppliersDistribution(profile: SupplierProfile) throws {
        let supplier = try #require(Self.world.suppliers.first { $0.profile == profile })
        var rng = SimRandom(seed: 1, stream: supplier.id)
        let samples = (0..<20_000).map { _ in supplier.sampleHandlingDays(&rng) }
        #expect(within(quantile(samples, 0.5), supplier.handling.p50, 0.1))
        #expect(within(quantile(samples, 0.9), supplier.handling.p90, 0.1))
    }

    @Test func distributionQuantilesAreItsParameters() {
        let d = LeadTimeDistribution(p50: 2, p90: 5)
        #expect(abs(d.quantile(0.5) - 2) < 1e-6)
        #expect(abs(d.quantile(0.9) - 5) < 1e-6)
        #expect(d.quantile(0.99) > 5)
        #expect(abs(d.scaled(by: 3).quantile(0.9) - 15) < 1e-6)
    }

    @Test func cheapSlowSuppliersStateOptimisticHandling() {
        for supplier in Self.world.suppliers {
            switch supplier.profile {
            case .fastReliable: #expect(supplier.statedHandling == supplier.handling)
            case .cheapSlow, .stockLiar: #expect(supplier.statedHandling.p50 < supplier.handling.p50)
            }
        }
    }

    /// Tolerance: p50 of transit on the struck lane is the strike multiple × the normal p50 ±10%;
    /// outside the strike the lane's p50 ±10%.
    @Test func aCarrierStrikeBlowsUpTransitOnItsLaneOnly() throws {
        let lane = try #require(Self.world.network.lanes.first { $0.origin == "CN" && $0.destination == "US" })
        var rng = SimRandom(seed: 3)
        func p50(at pickup: SimInstant, destination: String = "US") -> Double {
            quantile((0..<10_000).map { _ in
                Self.world.sampleTransit(carrier: lane.carrier, origin: "CN", destination: destination, pickup: pickup, &rng)!.days
            }, 0.5)
        }
        #expect(within(p50(at: start + .days(1)), 3 * lane.transit.p50, 0.1))
        #expect(within(p50(at: start + .days(5)), lane.transit.p50, 0.1))
        let other = try #require(Self.world.network.lane(carrier: lane.carrier, origin: "CN", destination: "DE"))
        #expect(within(p50(at: start + .days(1), destination: "DE"), other.transit.p50, 0.1))
    }

    /// Tolerance: the share of parcels held in customs on a lane within ±1.5 points of its
    /// probability (20,000 parcels).
    @Test func customsHoldsHappenAtTheLanesRate() throws {
        let lane = try #require(Self.world.network.lanes.first { $0.customsHoldProbability > 0.05 })
        var rng = SimRandom(seed: 4)
        let holds = (0..<20_000).filter { _ in
            Self.world.sampleTransit(carrier: lane.carrier, origin: lane.origin, destination: lane.destination,
                                     pickup: start + .days(30), &rng)!.customsHoldDays > 0
        }.count
        #expect(abs(Double(holds) / 20_000 - lane.customsHoldProbability) <= 0.015)
    }
}
