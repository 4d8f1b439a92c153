import DropflowCore
import DropflowJSON
import DropflowContract
import Testing
@testable import DropflowSimulator

/// The generated world has the shape the simulator promises.
@Suite struct WorldTests {
    static let config = SimulationConfig(seed: 23)
    static let world = World.generate(config)

    @Test func catalogueHasAFewHundredSKUsInSeveralCategoriesIncludingRiskyOnes() {
        let products = Self.world.catalogue.products
        #expect(products.count == Self.config.skuCount)
        #expect(Set(products.map(\.sku)).count == products.count)
        #expect(Set(products.map(\.category.name)).count == ProductCategory.all.count)
        #expect(products.contains { $0.category.name == "electronics" } && products.contains { $0.category.name == "gift_cards" })
        #expect(products.allSatisfy { $0.priceCents > 0 && $0.weightGrams > 0 })
        for card in products where card.category.name == "gift_cards" {
            #expect([2_500, 5_000, 10_000, 20_000].contains(card.priceCents))
        }
        #expect(abs(products.map(\.popularity).reduce(0, +) - 1) < 1e-9)
    }

    @Test func everySKUIsOfferedByOneToFiveSuppliersInDifferentCountries() {
        var counts: [Int: Int] = [:]
        for (p, suppliers) in Self.world.suppliersByProduct.enumerated() {
            #expect((1...5).contains(suppliers.count))
            counts[suppliers.count, default: 0] += 1
            let countries = suppliers.map { Self.world.suppliers[$0].country }
            #expect(Set(countries).count == countries.count)
            for s in suppliers {
                #expect(Self.world.suppliers[s].offers.contains { $0.productIndex == p })
            }
        }
        #expect(counts[1] != nil && counts[4] != nil && counts[5] != nil)
    }

    @Test func suppliersCoverEveryProfileAndShipWithCarriersThatServeThem() {
        let suppliers = Self.world.suppliers
        #expect(suppliers.count == Self.config.supplierCount)
        #expect(Set(suppliers.map(\.id)).count == suppliers.count)
        #expect(Set(suppliers.map(\.profile)) == Set(SupplierProfile.allCases))
        #expect(Set(suppliers.map(\.country)).count >= 5)
        #expect(suppliers.contains { $0.acceptsReturns } && suppliers.contains { !$0.acceptsReturns })
        let major = suppliers[Self.world.majorSupplierIndex]
        #expect(suppliers.allSatisfy { $0.offers.count <= major.offers.count })
        for supplier in suppliers {
            #expect(!supplier.carriers.isEmpty)
            #expect(supplier.restockingFeePct == 0 || supplier.acceptsReturns)
            for carrier in supplier.carriers {
                let service = CarrierService.all.first { $0.id == carrier }!
                #expect(service.servesOrigin(supplier.country))
                let abroad = supplier.country == "US" ? "CA" : "US"
                #expect(Self.world.network.lane(carrier: carrier, origin: supplier.country, destination: abroad) != nil
                        || service.domesticOnly)
            }
            for offer in supplier.offers {
                #expect(offer.unitCostCents < Self.world.catalogue.products[offer.productIndex].priceCents)
                #expect(offer.restockTarget >= 5 && offer.initialStock >= 0)
            }
        }
    }

    @Test func lanesHaveZonesRatesAndCustomsOnlyAcrossCustomsBorders() {
        let lanes = Self.world.network.lanes
        #expect(lanes.count > 100)
        for lane in lanes {
            if !Zone.crossesCustoms(lane.origin, lane.destination) { #expect(lane.customsHoldProbability == 0) }
            #expect(lane.rateCents(weightGrams: 3_000) > lane.rateCents(weightGrams: 400))
            #expect(lane.transit.p90 > lane.transit.p50)
        }
        let crossBorder = lanes.filter { Zone.crossesCustoms($0.origin, $0.destination) }
        #expect(crossBorder.contains { $0.customsHoldProbability > 0 } && crossBorder.contains { $0.customsHoldProbability == 0 })
        #expect(Zone.between("DE", "DE") == 1 && Zone.between("DE", "FR") == 2 && Zone.between("DE", "GB") == 3
                && Zone.between("CN", "US") == 4)
        // Farther is dearer and slower, for the same service.
        let dhl = lanes.filter { $0.carrier == "dhl-express" && $0.origin == "DE" }
        let near = dhl.first { $0.destination == "FR" }!
        let far = dhl.first { $0.destination == "AU" }!
        #expect(far.rateCents(weightGrams: 1_000) > near.rateCents(weightGrams: 1_000))
    }
}
