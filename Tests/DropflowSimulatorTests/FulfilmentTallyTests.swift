import DropflowCore
import DropflowJSON
import DropflowContract
import Testing
@testable import DropflowSimulator

/// `FulfilmentTally` judges orders from what really happened, and the baseline merchant's rules
/// choose as they say.
@Suite struct FulfilmentTallyTests {
    static let world = Simulation.run(SimulationConfig(seed: 3, orders: 10)).world
    static let t0 = SimulationConfig.defaultStart + .days(1)

    /// A supplier with two SKUs and a carrier that serves a destination from its country.
    static func setting() throws -> (supplier: Supplier, skus: [String], carrier: String, destination: String, lane: Int) {
        for supplier in world.suppliers where supplier.offers.count >= 2 {
            for carrier in supplier.carriers {
                for destination in ["DE", "US", "FR", "GB"] {
                    if let lane = world.network.laneIndex(carrier: carrier, origin: supplier.country, destination: destination) {
                        return (supplier, [supplier.offers[0].sku, supplier.offers[1].sku], carrier, destination, lane)
                    }
                }
            }
        }
        throw TallyTestError.noLane
    }

    enum TallyTestError: Error { case noLane }

    static func order(_ id: String, skus: [(String, Int)], destination: String, fraud: Bool = false) -> SimRecord {
        let value: JSONValue = [
            "order_id": .string(id), "placed_at": .string(t0.rfc3339), "shipping_option": "standard",
            "lines": .array(skus.map { ["sku": .string($0.0), "quantity": .integer(Int64($0.1))] }),
            "shipping_address": ["country": .string(destination)],
        ]
        return SimRecord(topic: SimRecord.Topic.ordersPlaced, key: id, value: value, truth: ["is_fraud": .bool(fraud)], at: t0)
    }

    static func update(_ status: String, po: String, order: String, skus: [String], tracking: String? = nil, at: SimInstant) -> SimRecord {
        var value: [String: JSONValue] = ["order_id": .string(order), "purchase_order_id": .string(po), "status": .string(status),
                                          "skus": .array(skus.map(JSONValue.string)), "at": .string(at.rfc3339)]
        if let tracking { value["tracking_number"] = .string(tracking) }
        return SimRecord(topic: SimRecord.Topic.supplierOrderUpdates, key: order, value: .object(value), truth: nil, at: at)
    }

    static func delivered(order: String, tracking: String, at: SimInstant) -> SimRecord {
        SimRecord(topic: SimRecord.Topic.shipmentsEvents, key: order,
                  value: ["order_id": .string(order), "tracking_number": .string(tracking), "status": "delivered", "at": .string(at.rfc3339)],
                  truth: nil, at: at)
    }

    @Test("an order is in full when its last unit is delivered, costs what shipped, and is judged by its window")
    func oneOrder() throws {
        let s = try Self.setting()
        let world = Self.world
        var tally = FulfilmentTally(world: world) { _, _, goods in goods > 0 ? 100 : 0 }
        let po: JSONValue = [
            "purchase_order_id": "po-1", "order_id": "o1", "supplier_id": .string(s.supplier.id), "revision": 1,
            "carrier": .string(s.carrier),
            "lines": [["sku": .string(s.skus[0]), "quantity": 2, "unit_cost": "10.00"],
                      ["sku": .string(s.skus[1]), "quantity": 1, "unit_cost": "5.00"]],
        ]
        let window: JSONValue = ["order_id": "o1", "delivery_window": ["earliest": .string((Self.t0 + .days(7)).rfc3339),
                                                                       "latest": .string((Self.t0 + .days(10)).rfc3339)]]
        let records = [
            Self.order("o1", skus: [(s.skus[0], 2), (s.skus[1], 1)], destination: s.destination),
            Self.order("fraud", skus: [(s.skus[0], 1)], destination: s.destination, fraud: true),
            SimRecord(topic: "orders.routed", key: "o1", value: window, truth: nil, at: Self.t0 + .minutes(1)),
            SimRecord(topic: SimRecord.Topic.purchaseOrders, key: "o1", value: po, truth: nil, at: Self.t0 + .minutes(1)),
            Self.update("backordered", po: "po-1", order: "o1", skus: [s.skus[1]], at: Self.t0 + .hours(1)),
            Self.update("shipped", po: "po-1", order: "o1", skus: [s.skus[0]], tracking: "TR1", at: Self.t0 + .days(1)),
            Self.delivered(order: "o1", tracking: "TR1", at: Self.t0 + .days(5)),
        ]
        for r in records { tally.observe(r) }
        var fate = try #require(tally.fates["o1"])
        #expect(tally.fates["fraud"] == nil, "fraud is not counted")
        #expect(!fate.inFull && fate.delivered == [s.skus[0]: 2], "one SKU still missing")
        for r in [Self.update("shipped", po: "po-1", order: "o1", skus: [s.skus[1]], tracking: "TR2", at: Self.t0 + .days(6)),
                  Self.delivered(order: "o1", tracking: "TR2", at: Self.t0 + .days(8)),
                  Self.delivered(order: "o1", tracking: "TR2", at: Self.t0 + .days(9))] { tally.observe(r) }
        fate = try #require(tally.fates["o1"])
        #expect(fate.completedAt == Self.t0 + .days(8) && fate.deliveryDays == 8)
        #expect(fate.onTime(tally.promisedDays), "standard: 9 days")
        #expect(fate.insideWindow == true)
        #expect(fate.backorderedLines == 1)
        let grams = { (sku: String) in world.catalogue.products.first { $0.sku == sku }!.weightGrams }
        let shipping = world.rates.priceCents(lane: s.lane, weightGrams: 2 * grams(s.skus[0]), at: Self.t0 + .days(1))
            + world.rates.priceCents(lane: s.lane, weightGrams: grams(s.skus[1]), at: Self.t0 + .days(6))
        #expect(fate.goodsCents == 2_500 && fate.shippingCents == shipping && fate.dutiesCents == 200)
        let summary = tally.summary
        #expect(summary.orders == 1 && summary.sent == 1 && summary.onTimeInFull == 1 && summary.insideWindow == 1)
        #expect(summary.landedPerOnTimeOrderCents == Double(2_700 + shipping))
        #expect(summary.meanWindowDays == 3)
    }

    @Test("an order whose parcel never arrives is neither in full nor on time; one without a window gets the stated one")
    func lostAndStated() throws {
        let s = try Self.setting()
        var tally = FulfilmentTally(world: Self.world)
        let po: JSONValue = ["purchase_order_id": "po-2", "order_id": "o2", "supplier_id": .string(s.supplier.id), "revision": 1,
                             "carrier": .string(s.carrier), "lines": [["sku": .string(s.skus[0]), "quantity": 1, "unit_cost": "3.00"]]]
        for r in [Self.order("o2", skus: [(s.skus[0], 1)], destination: s.destination),
                  SimRecord(topic: SimRecord.Topic.purchaseOrders, key: "o2", value: po, truth: nil, at: Self.t0),
                  Self.update("shipped", po: "po-2", order: "o2", skus: [s.skus[0]], tracking: "TR3", at: Self.t0 + .days(2))] {
            tally.observe(r)
        }
        let fate = try #require(tally.fates["o2"])
        #expect(!fate.inFull && !fate.onTime(tally.promisedDays) && fate.goodsCents == 300)
        let stated = try #require(fate.statedWindow)
        let transit = Self.world.rates.rates[s.lane].statedTransit
        #expect(stated.earliest == Self.t0 + .days(s.supplier.statedHandling.p50 + transit.p50))
        #expect(stated.latest == Self.t0 + .days(s.supplier.statedHandling.p90 + transit.p90))
        #expect(tally.summary.onTimeInFull == 0 && tally.summary.landedPerOnTimeOrderCents == .infinity)
    }

    @Test("the fixed-cheapest rule ignores stated stock; the in-stock rules skip a supplier whose feed states too few units")
    func baselineRules() throws {
        let world = Self.world
        let p = try #require(world.suppliersByProduct.firstIndex { $0.count >= 3 })
        let sku = world.catalogue.products[p].sku
        let suppliers = world.suppliersByProduct[p].map { world.suppliers[$0] }
        let cost = { (s: Supplier) in s.offers.first { $0.sku == sku }!.unitCostCents }
        let cheapest = suppliers.min { cost($0) < cost($1) }!
        let stocked = suppliers.last { $0.id != cheapest.id }!
        let order = Self.order("o3", skus: [(sku, 1)], destination: "DE")
        func chosen(_ rule: BaselineMerchant.Rule) -> String? {
            var merchant = BaselineMerchant(world: world, rule: rule)
            for s in suppliers {
                let qty: Int64 = s.id == stocked.id ? 50 : 0
                _ = merchant.react(to: SimRecord(topic: SimRecord.Topic.supplierOffers, key: s.offerKey(sku: sku),
                                                 value: ["available_qty": .integer(qty)], truth: nil, at: Self.t0 - .hours(1)))
            }
            return merchant.react(to: order).first?.value?["supplier_id"]?.stringValue
        }
        #expect(chosen(.fixedCheapest) == cheapest.id)
        #expect(chosen(.firstInStock) == stocked.id)
        #expect(chosen(.cheapestInStock) == stocked.id)
    }
}
