import DropflowCore
import DropflowJSON
import DropflowContract
import Testing
@testable import DropflowSimulator

/// `World.answer(purchaseOrder:at:)`: suppliers' answers to purchase orders.
@Suite struct SupplierAnswerTests {
    static let outage = SupplierOutage(supplierID: nil, start: start + .days(2), duration: .hours(24), announcement: .never)
    static let world = World.generate(SimulationConfig(seed: 31, scenarios: [.supplierOutage(outage)]))
    static let placedAt = start + .hours(10)

    /// A valid purchase order to `supplier` for `skus` (its first offer when none given).
    static func purchaseOrder(_ supplier: Supplier, number: Int, skus: [String]? = nil, carrier: String? = nil,
                              revision: Int64 = 1) -> JSONValue {
        let lines = (skus ?? [supplier.offers[number % supplier.offers.count].sku]).map { sku -> JSONValue in
            ["sku": .string(sku), "quantity": 1]
        }
        return [
            "purchase_order_id": .string("po-\(number)-\(supplier.id)"), "order_id": .string("ord-\(number)"),
            "supplier_id": .string(supplier.id), "revision": .integer(revision), "lines": .array(lines),
            "carrier": .string(carrier ?? supplier.carriers[0]),
            "ship_to": ["name": "Maria Lopez", "line1": "Calle Mayor 5", "city": "Madrid", "postal_code": "28013", "country": "ES"],
            "at": .string(placedAt.rfc3339),
        ]
    }

    static func supplier(_ profile: SupplierProfile) -> Supplier {
        world.suppliers.enumerated().first { $0.element.profile == profile && $0.offset != world.majorSupplierIndex }!.element
    }

    @Test func answersValidateAreKeyedByOrderAndComeInTimeOrder() throws {
        for supplier in Self.world.suppliers {
            for n in 0..<40 {
                let answers = Self.world.answer(purchaseOrder: Self.purchaseOrder(supplier, number: n), at: Self.placedAt)
                #expect(!answers.isEmpty)
                #expect(zip(answers, answers.dropFirst()).allSatisfy { $0.at <= $1.at })
                for answer in answers {
                    let value = try #require(answer.value)
                    #expect(Contract.topic(named: answer.topic)?.schema?.validate(value) == [])
                    #expect(answer.key == "ord-\(n)" && answer.at >= Self.placedAt)
                    #expect(value["status"] != "shipped" || value["tracking_number"] != nil)
                }
            }
        }
    }

    @Test func theSamePurchaseOrderAlwaysGetsTheSameAnswers() {
        let supplier = Self.supplier(.stockLiar)
        var differs = false
        for n in 0..<50 {
            let po = Self.purchaseOrder(supplier, number: n)
            #expect(Self.world.answer(purchaseOrder: po, at: Self.placedAt) == Self.world.answer(purchaseOrder: po, at: Self.placedAt))
            let revised = Self.purchaseOrder(supplier, number: n, revision: 2)
            differs = differs
                || Self.world.answer(purchaseOrder: revised, at: Self.placedAt) != Self.world.answer(purchaseOrder: po, at: Self.placedAt)
        }
        #expect(differs, "a new revision is a new purchase order")
    }

    @Test func unknownSuppliersInvalidOrdersUnusableCarriersAndUnofferedSKUs() throws {
        let supplier = Self.supplier(.fastReliable)
        var unknown = Self.purchaseOrder(supplier, number: 1).objectValue!
        unknown["supplier_id"] = "sup-nowhere-9"
        #expect(Self.world.answer(purchaseOrder: .object(unknown), at: Self.placedAt).isEmpty)

        var invalid = Self.purchaseOrder(supplier, number: 2).objectValue!
        invalid["lines"] = []
        let rejected = Self.world.answer(purchaseOrder: .object(invalid), at: Self.placedAt)
        #expect(rejected.count == 1 && rejected[0].value?["status"] == "rejected")
        #expect(rejected[0].value?["reason"]?.stringValue?.hasPrefix("invalid purchase order") == true)

        let carrier = try #require(CarrierService.all.map(\.id).first { !supplier.carriers.contains($0) })
        let wrongCarrier = Self.world.answer(purchaseOrder: Self.purchaseOrder(supplier, number: 3, carrier: carrier), at: Self.placedAt)
        #expect(wrongCarrier.map { $0.value!["status"]! } == ["rejected"])

        let offered = try #require(supplier.offers.first?.sku)
        let other = try #require(Self.world.catalogue.products.map(\.sku).first { sku in !supplier.offers.contains { $0.sku == sku } })
        let mixed = Self.world.answer(purchaseOrder: Self.purchaseOrder(supplier, number: 4, skus: [offered, other]), at: Self.placedAt)
        let rejection = try #require(mixed.first { $0.value?["status"] == "rejected" })
        #expect(rejection.value?["skus"] == [.string(other)])
        #expect(mixed.contains { $0.value?["status"] != "rejected" && $0.value?["skus"]?.arrayValue?.contains(.string(offered)) == true })
    }

    /// Tolerance: p50 and p90 of accepted-to-shipped times over 4,000 purchase orders within
    /// ±10% of the supplier's true handling distribution.
    @Test(arguments: SupplierProfile.allCases)
    func shippingFollowsTheTrueHandlingDistribution(profile: SupplierProfile) {
        let supplier = Self.supplier(profile)
        var handling: [Double] = []
        for n in 0..<4_000 {
            let answers = Self.world.answer(purchaseOrder: Self.purchaseOrder(supplier, number: n), at: Self.placedAt)
            guard let accepted = answers.first(where: { $0.value?["status"] == "accepted" }),
                  let shipped = answers.first(where: { $0.value?["status"] == "shipped" }) else { continue }
            handling.append((shipped.at - accepted.at).days)
        }
        #expect(handling.count > 2_500)
        #expect(within(quantile(handling, 0.5), supplier.handling.p50, 0.1))
        #expect(within(quantile(handling, 0.9), supplier.handling.p90, 0.1))
    }

    /// Tolerance: the backorder rate over 4,000 single-line purchase orders within ±3 points of
    /// the profile's rate (stock liars 25%, fast and reliable suppliers 2%).
    @Test func stockLiarsBackorderFarMoreOften() {
        func rate(_ supplier: Supplier) -> Double {
            let backorders = (0..<4_000).filter { n in
                Self.world.answer(purchaseOrder: Self.purchaseOrder(supplier, number: n), at: Self.placedAt)
                    .contains { $0.value?["status"] == "backordered" }
            }.count
            return Double(backorders) / 4_000
        }
        #expect(abs(rate(Self.supplier(.stockLiar)) - 0.25) <= 0.03)
        #expect(abs(rate(Self.supplier(.fastReliable)) - 0.02) <= 0.03)
    }

    @Test func aSupplierInOutageAnswersOnlyAfterItEnds() {
        let major = Self.world.suppliers[Self.world.majorSupplierIndex]
        let during = Self.outage.start + .hours(3)
        let end = Self.outage.start + Self.outage.duration
        for n in 0..<100 {
            let answers = Self.world.answer(purchaseOrder: Self.purchaseOrder(major, number: n), at: during)
            #expect(!answers.isEmpty && answers.allSatisfy { $0.at >= end })
        }
        #expect(Self.world.outage(of: major.id, at: during) != nil && Self.world.outage(of: major.id, at: end) == nil)
    }
}
