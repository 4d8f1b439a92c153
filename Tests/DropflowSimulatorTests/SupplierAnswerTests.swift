import DropflowCore
import DropflowJSON
import DropflowContract
import Testing
@testable import DropflowSimulator

/// `World.answer(purchaseOrder:at:...)`: suppliers' answers to purchase orders, from their true stock.
@Suite struct SupplierAnswerTests {
    static let outage = SupplierOutage(supplierID: nil, start: start + .days(2), duration: .hours(24), announcement: .never)
    static let world = World.generate(SimulationConfig(seed: 31, scenarios: [.supplierOutage(outage)]))
    /// The world's true stock, shared (it replays the feeds once, as far as asked).
    static let stock = StockTimeline(world: world)
    static let placedAt = start + .hours(10)

    /// A valid purchase order to `supplier` for `skus` (its first offer when none given).
    static func purchaseOrder(_ supplier: Supplier, number: Int, skus: [String]? = nil, quantity: Int = 1, carrier: String? = nil,
                              revision: Int64 = 1, action: String? = nil) -> JSONValue {
        let lines = (skus ?? [supplier.offers[number % supplier.offers.count].sku]).map { sku -> JSONValue in
            ["sku": .string(sku), "quantity": .integer(Int64(quantity))]
        }
        var po: [String: JSONValue] = [
            "purchase_order_id": .string("po-\(number)-\(supplier.id)"), "order_id": .string("ord-\(number)"),
            "supplier_id": .string(supplier.id), "revision": .integer(revision), "lines": .array(lines),
            "carrier": .string(carrier ?? Self.lightCarrier(supplier)),
            "ship_to": ["name": "Maria Lopez", "line1": "Calle Mayor 5", "city": "Madrid", "postal_code": "28013", "country": "ES"],
            "at": .string(placedAt.rfc3339),
        ]
        if let action { po["action"] = .string(action) }
        return .object(po)
    }

    /// The supplier's carrier that takes the heaviest parcels (no weight rejections in these tests).
    static func lightCarrier(_ supplier: Supplier) -> String {
        supplier.carriers.max { (CarrierService.named($0)?.maxWeightGrams ?? 0) < (CarrierService.named($1)?.maxWeightGrams ?? 0) }!
    }

    static func supplier(_ profile: SupplierProfile, in world: World = world) -> Supplier {
        world.suppliers.enumerated().first { $0.element.profile == profile && $0.offset != world.majorSupplierIndex }!.element
    }

    /// The answers to `po` as if it were the only purchase order (shared stock, fresh ledger).
    static func answer(_ po: JSONValue, at: SimInstant = placedAt) -> [SimRecord] {
        var ledger = StockLedger()
        return world.answer(purchaseOrder: po, at: at, stock: stock, ledger: &ledger)
    }

    static func statuses(_ answers: [SimRecord]) -> [String] {
        answers.compactMap { $0.value?["status"]?.stringValue }
    }

    @Test func answersValidateAreKeyedByOrderAndComeInTimeOrder() throws {
        for supplier in Self.world.suppliers {
            for n in 0..<40 {
                let answers = Self.answer(Self.purchaseOrder(supplier, number: n))
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
            #expect(Self.answer(po) == Self.answer(po))
            let revised = Self.purchaseOrder(supplier, number: n, revision: 2)
            differs = differs || Self.answer(revised) != Self.answer(po)
        }
        #expect(differs, "a new revision is a new purchase order")
        // The one-off form replays the feeds itself and agrees.
        let po = Self.purchaseOrder(supplier, number: 7)
        #expect(Self.world.answer(purchaseOrder: po, at: Self.placedAt) == Self.answer(po))
    }

    @Test func unknownSuppliersInvalidOrdersUnusableCarriersAndUnofferedSKUs() throws {
        let supplier = Self.supplier(.fastReliable)
        var unknown = Self.purchaseOrder(supplier, number: 1).objectValue!
        unknown["supplier_id"] = "sup-nowhere-9"
        #expect(Self.answer(.object(unknown)).isEmpty)

        var invalid = Self.purchaseOrder(supplier, number: 2).objectValue!
        invalid["lines"] = []
        let rejected = Self.answer(.object(invalid))
        #expect(rejected.count == 1 && rejected[0].value?["status"] == "rejected")
        #expect(rejected[0].value?["reason"]?.stringValue?.hasPrefix("invalid purchase order") == true)

        let carrier = try #require(CarrierService.all.map(\.id).first { !supplier.carriers.contains($0) })
        let wrongCarrier = Self.answer(Self.purchaseOrder(supplier, number: 3, carrier: carrier))
        #expect(Self.statuses(wrongCarrier) == ["rejected"])

        let offered = try #require(supplier.offers.first?.sku)
        let other = try #require(Self.world.catalogue.products.map(\.sku).first { sku in !supplier.offers.contains { $0.sku == sku } })
        let mixed = Self.answer(Self.purchaseOrder(supplier, number: 4, skus: [offered, other]))
        let rejection = try #require(mixed.first { $0.value?["status"] == "rejected" })
        #expect(rejection.value?["skus"] == [.string(other)])
        #expect(mixed.contains { $0.value?["status"] != "rejected" && $0.value?["skus"]?.arrayValue?.contains(.string(offered)) == true })

        // A cancellation the supplier never saw placed: nothing to answer.
        #expect(Self.answer(Self.purchaseOrder(supplier, number: 5, action: "cancel")).isEmpty)
    }

    /// A parcel over the carrier's weight limit (postal packets: 2 kg) is refused.
    @Test func aParcelOverTheCarriersWeightLimitIsRejected() throws {
        let (supplier, offer) = try #require(Self.world.suppliers.lazy.compactMap { s -> (Supplier, DropflowSimulator.SupplierOffer)? in
            guard s.carriers.contains(where: { CarrierService.named($0)!.maxWeightGrams == 2_000 }),
                  let o = s.offers.first(where: { Self.world.catalogue.products[$0.productIndex].weightGrams > 700 }) else { return nil }
            return (s, o)
        }.first)
        let packet = supplier.carriers.first { CarrierService.named($0)!.maxWeightGrams == 2_000 }!
        let answers = Self.answer(Self.purchaseOrder(supplier, number: 1, skus: [offer.sku], quantity: 3, carrier: packet))
        #expect(Self.statuses(answers) == ["rejected"])
        #expect(answers[0].truth?["cause"] == "over_weight_limit")
    }

    /// Tolerance: p50 and p90 of accepted-to-shipped times over 4,000 purchase orders within
    /// ±10% of the supplier's true handling distribution.
    @Test(arguments: SupplierProfile.allCases)
    func shippingFollowsTheTrueHandlingDistribution(profile: SupplierProfile) {
        let supplier = Self.supplier(profile)
        var handling: [Double] = []
        for n in 0..<4_000 {
            let answers = Self.answer(Self.purchaseOrder(supplier, number: n))
            guard let accepted = answers.first(where: { $0.value?["status"] == "accepted" }),
                  let shipped = answers.first(where: { $0.value?["status"] == "shipped" }) else { continue }
            handling.append((shipped.at - accepted.at).days)
        }
        #expect(handling.count > 2_500)
        #expect(within(quantile(handling, 0.5), supplier.handling.p50, 0.1))
        #expect(within(quantile(handling, 0.9), supplier.handling.p90, 0.1))
    }

    /// A supplier asked for more units than it truly has backorders the line; asked for what it
    /// has, it accepts. Whatever its feed says.
    @Test(arguments: SupplierProfile.allCases)
    func backordersComeFromTheTrueStock(profile: SupplierProfile) throws {
        let supplier = Self.supplier(profile)
        let s = try #require(Self.world.suppliers.firstIndex { $0.id == supplier.id })
        var checked = 0
        for (o, offer) in supplier.offers.enumerated() {
            let po = Self.purchaseOrder(supplier, number: o, skus: [offer.sku])
            // When the supplier answers (its delay is the purchase order's own): the true stock then.
            guard let respondAt = Self.answer(po).first?.at else { continue }
            let point = Self.stock.point(supplier: s, offer: o, at: respondAt)
            guard !point.delisted, point.quantity >= 1, point.quantity * Self.world.catalogue.products[offer.productIndex].weightGrams < 20_000
            else { continue }
            let enough = Self.answer(Self.purchaseOrder(supplier, number: o, skus: [offer.sku], quantity: point.quantity))
            let tooMany = Self.answer(Self.purchaseOrder(supplier, number: o, skus: [offer.sku], quantity: point.quantity + 1))
            #expect(Self.statuses(enough).first == "accepted", "\(offer.sku): \(point.quantity) in stock")
            let backorder = try #require(tooMany.first { $0.value?["status"] == "backordered" })
            #expect(backorder.truth?["true_qty"]?.intValue == point.quantity)
            #expect(backorder.truth?["available_qty"]?.intValue == point.quantity)
            #expect(Self.statuses(tooMany).contains { $0 == "shipped" || $0 == "cancelled" }, "shipped after a restock, or cancelled")
            checked += 1
            if checked == 12 { break }
        }
        #expect(checked >= 5)
    }

    /// Units one purchase order took are gone for the next until the true stock includes them
    /// (the next stock count by default; the next restock under `.untilRestock`).
    @Test(arguments: StockLedger.Policy.allCases)
    func earlierPurchaseOrdersTakeUnits(policy: StockLedger.Policy) throws {
        let supplier = Self.supplier(.cheapSlow)
        let s = try #require(Self.world.suppliers.firstIndex { $0.id == supplier.id })
        // An offer with a few units when the supplier answers (the delay is the purchase order's
        // own: a probe with the same id answers at the same moment).
        let found = supplier.offers.indices.lazy.compactMap { o -> (Int, SimInstant, Int)? in
            let sku = supplier.offers[o].sku
            guard let respondAt = Self.answer(Self.purchaseOrder(supplier, number: 900 + o, skus: [sku])).first?.at else { return nil }
            let have = Self.stock.point(supplier: s, offer: o, at: respondAt).quantity
            let grams = (have + 1) * Self.world.catalogue.products[supplier.offers[o].productIndex].weightGrams
            return have >= 2 && grams <= 20_000 ? (o, respondAt, have) : nil
        }.first
        let (o, respondAt, have) = try #require(found)
        let sku = supplier.offers[o].sku
        // Two purchase orders: the first takes every unit, the second finds none left.
        let responder = WorldResponder(world: Self.world, rates: ReactionRates(), stockPolicy: policy)
        let first = Self.purchaseOrder(supplier, number: 900 + o, skus: [sku], quantity: have)
        #expect(Self.statuses(responder.respond(toPurchaseOrder: first, receivedAt: Self.placedAt)).first == "accepted")
        #expect(responder.availableQuantity(supplierID: supplier.id, sku: sku, at: respondAt) == 0)
        let second = Self.purchaseOrder(supplier, number: 900 + o, skus: [sku], revision: 2)
        let answers = responder.respond(toPurchaseOrder: second, receivedAt: Self.placedAt)
        // (Answered at another moment: the same stock cycle unless a count came between.)
        let answeredAt = try #require(answers.first?.at)
        if policy == .untilRestock || Self.stock.stockCount(supplier: s, at: answeredAt) == Self.stock.stockCount(supplier: s, at: respondAt) {
            let backorder = try #require(answers.first { $0.value?["status"] == "backordered" })
            #expect(backorder.truth?["taken_by_earlier_purchase_orders"]?.intValue == have)
            if Self.stock.point(supplier: s, offer: o, at: answeredAt).quantity >= 1 {
                #expect(backorder.truth?["cause"] == "taken_by_earlier_purchase_orders")
            }
        }
        // Once the true stock has them (a later count), they no longer count; until a restock they do.
        let later = respondAt + .hours(supplier.profile.feedIntervalHours * 2 + 1)
        let left = try #require(responder.availableQuantity(supplierID: supplier.id, sku: sku, at: later))
        let point = Self.stock.point(supplier: s, offer: o, at: later)
        switch policy {
        case .untilStockCount: #expect(left == point.quantity)
        case .untilRestock:
            if point.restocks == Self.stock.point(supplier: s, offer: o, at: respondAt).restocks {
                #expect(left < point.quantity || point.quantity == 0)
            }
        }
    }

    /// A merchant that believes the feeds (sends one unit wherever the feed states one or more):
    /// stock liars backorder far more often, from their true stock (phantom units, hidden
    /// stockouts), fast and reliable suppliers almost never. Tolerance: liars above 5% and
    /// three times the others' rate; fast and reliable below 2% (measured over ten days at 200
    /// orders a day, one purchase order per offer every 6 hours).
    @Test func aMerchantBelievingTheFeedsGetsBackordersFromStockLiars() {
        let world = World.generate(SimulationConfig(seed: 5, orders: 2_000, ordersPerDay: 200))
        let stock = StockTimeline(world: world)
        var sent: [SupplierProfile: Int] = [:]
        var backordered: [SupplierProfile: Int] = [:]
        var misreported = 0
        for (s, supplier) in world.suppliers.enumerated() {
            for (o, offer) in supplier.offers.enumerated() {
                for step in 0..<40 {
                    let at = start + .hours(Double(step * 6) + Double(o % 6))
                    guard stock.point(supplier: s, offer: o, at: at).stated >= 1 else { continue }
                    var ledger = StockLedger()
                    let po = Self.purchaseOrder(supplier, number: step * 1_000 + o, skus: [offer.sku])
                    let answers = world.answer(purchaseOrder: po, at: at, stock: stock, ledger: &ledger)
                    guard let first = answers.first(where: { ["accepted", "backordered"].contains($0.value?["status"]) }) else { continue }
                    sent[supplier.profile, default: 0] += 1
                    if first.value?["status"] == "backordered" {
                        backordered[supplier.profile, default: 0] += 1
                        #expect(first.truth!["available_qty"]!.intValue! < 1, "a backorder comes from the stock")
                        if first.truth?["cause"] == "stock_misreported" { misreported += 1 }
                    } else {
                        #expect(first.truth!["stock"]![0]!["available_qty"]!.intValue! >= 1)
                    }
                }
            }
        }
        func rate(_ p: SupplierProfile) -> Double { Double(backordered[p] ?? 0) / Double(max(1, sent[p] ?? 0)) }
        #expect(rate(.stockLiar) > 0.05, "stock liars \(rate(.stockLiar))")
        #expect(rate(.stockLiar) > 3 * rate(.cheapSlow) && rate(.stockLiar) > 3 * rate(.fastReliable),
                "liars \(rate(.stockLiar)), cheap \(rate(.cheapSlow)), fast \(rate(.fastReliable))")
        #expect(rate(.fastReliable) < 0.02)
        #expect(misreported > 0)
    }

    @Test func aSupplierInOutageAnswersOnlyAfterItEnds() {
        let major = Self.world.suppliers[Self.world.majorSupplierIndex]
        let during = Self.outage.start + .hours(3)
        let end = Self.outage.start + Self.outage.duration
        for n in 0..<100 {
            let answers = Self.answer(Self.purchaseOrder(major, number: n), at: during)
            #expect(!answers.isEmpty && answers.allSatisfy { $0.at >= end })
        }
        #expect(Self.world.outage(of: major.id, at: during) != nil && Self.world.outage(of: major.id, at: end) == nil)
    }

    // MARK: - Cancellations

    /// A fast supplier's purchase order of one unit of an offer it has plenty of.
    static func inStock(number: Int) throws -> (po: JSONValue, supplier: Int, offer: Int) {
        let supplier = supplier(.fastReliable)
        let s = try #require(world.suppliers.firstIndex { $0.id == supplier.id })
        let o = try #require((0..<supplier.offers.count).map { ($0 + number) % supplier.offers.count }.first { o in
            stock.point(supplier: s, offer: o, at: placedAt + .hours(2)).quantity >= 3
                && world.catalogue.products[supplier.offers[o].productIndex].weightGrams < 2_000
        })
        return (purchaseOrder(supplier, number: number, skus: [supplier.offers[o].sku]), s, o)
    }

    static func cancel(_ po: JSONValue) -> JSONValue {
        var value = po.objectValue!
        value["action"] = "cancel"
        return .object(value)
    }

    @Test func aCancellationBeforeShippingCancelsAndReturnsTheUnits() throws {
        let responder = WorldResponder(world: Self.world)
        let (po, s, o) = try Self.inStock(number: 3)
        let supplierID = Self.world.suppliers[s].id
        let sku = Self.world.suppliers[s].offers[o].sku
        let placed = responder.handle(purchaseOrder: po, receivedAt: Self.placedAt)
        let shipped = try #require(placed.records.first { $0.record.value?["status"] == "shipped" })
        #expect(shipped.ticket != 0)
        #expect(placed.records.contains { $0.record.topic == SimRecord.Topic.shipmentsEvents && $0.ticket == shipped.ticket })
        let accepted = try #require(placed.records.first { $0.record.value?["status"] == "accepted" })
        let before = Self.stock.point(supplier: s, offer: o, at: accepted.record.at).quantity
        #expect(responder.availableQuantity(supplierID: supplierID, sku: sku, at: accepted.record.at) == before - 1)

        // Cancelled a minute after it was sent: the supplier confirms, gives the unit back, ships nothing.
        let cancelled = responder.handle(purchaseOrder: Self.cancel(po), receivedAt: Self.placedAt + .minutes(1))
        #expect(Self.statuses(cancelled.records.map(\.record)) == ["cancelled"])
        let answer = try #require(cancelled.records.first?.record)
        #expect(answer.value?["skus"] == nil, "every line")
        #expect(ContractSchema.supplierOrderUpdate.validate(answer.value!) == [])
        #expect(answer.at >= accepted.record.at && answer.at < shipped.record.at)
        #expect(answer.truth?["cause"] == "cancelled_by_merchant" && answer.truth?["units_returned"] == 1)
        #expect(cancelled.withdrawn == [shipped.ticket])
        #expect(responder.availableQuantity(supplierID: supplierID, sku: sku, at: accepted.record.at) == before)
        #expect(responder.cancellationsHonoured == 1)

        // What a holder of the world's future publishes: no shipment, no parcel.
        var agenda = WorldAgenda()
        agenda.add(placed)
        agenda.add(cancelled)
        var published: [SimRecord] = []
        while let record = agenda.pop() { published.append(record) }
        #expect(Self.statuses(published.filter { $0.topic == SimRecord.Topic.supplierOrderUpdates }) == ["accepted", "cancelled"])
        #expect(!published.contains { $0.topic == SimRecord.Topic.shipmentsEvents })

        // The same cancellation again is ignored.
        #expect(responder.handle(purchaseOrder: Self.cancel(po), receivedAt: Self.placedAt + .minutes(2)).records.isEmpty)
        #expect(responder.duplicatesIgnored == 1)
    }

    @Test func aCancellationAfterShippingChangesNothing() throws {
        let responder = WorldResponder(world: Self.world)
        let (po, s, o) = try Self.inStock(number: 5)
        let supplierID = Self.world.suppliers[s].id
        let sku = Self.world.suppliers[s].offers[o].sku
        let placed = responder.handle(purchaseOrder: po, receivedAt: Self.placedAt)
        let shipped = try #require(placed.records.first { $0.record.value?["status"] == "shipped" })
        let held = responder.availableQuantity(supplierID: supplierID, sku: sku, at: shipped.record.at)
        let late = responder.handle(purchaseOrder: Self.cancel(po), receivedAt: shipped.record.at + .hours(1))
        #expect(late.records.isEmpty && late.withdrawn.isEmpty, "the shipped state stands")
        #expect(responder.availableQuantity(supplierID: supplierID, sku: sku, at: shipped.record.at) == held, "no units come back")
        #expect(responder.cancellationsHonoured == 0)
        var agenda = WorldAgenda()
        agenda.add(placed)
        agenda.add(late)
        var published = 0
        while agenda.pop() != nil { published += 1 }
        #expect(published == placed.records.count, "the parcel still travels")
    }

    /// Purchase orders of a fast supplier with one line in stock and one asking for a unit more
    /// than there is (backordered), each placed with a fresh responder: the purchase order, the
    /// responder, what it answered, and the backordered SKU.
    static func partlyBackordered() -> [(po: [String: JSONValue], responder: WorldResponder, placed: WorldResponse, otherSKU: String)] {
        let supplier = Self.supplier(.fastReliable)
        guard let s = Self.world.suppliers.firstIndex(where: { $0.id == supplier.id }) else { return [] }
        func grams(_ o: Int) -> Int { Self.world.catalogue.products[supplier.offers[o].productIndex].weightGrams }
        var out: [(po: [String: JSONValue], responder: WorldResponder, placed: WorldResponse, otherSKU: String)] = []
        for number in 70..<130 {
            guard let respondAt = Self.answer(Self.purchaseOrder(supplier, number: number)).first?.at else { continue }
            let have = { (o: Int) in Self.stock.point(supplier: s, offer: o, at: respondAt).quantity }
            guard let inStock = supplier.offers.indices.first(where: { have($0) >= 2 && grams($0) < 2_000 }),
                  let other = supplier.offers.indices.first(where: { $0 != inStock && (have($0) + 1) * grams($0) < 15_000 })
            else { continue }
            let otherSKU = supplier.offers[other].sku
            var po = Self.purchaseOrder(supplier, number: number).objectValue!
            po["lines"] = [["sku": .string(supplier.offers[inStock].sku), "quantity": 1],
                           ["sku": .string(otherSKU), "quantity": .integer(Int64(have(other) + 1))]]
            let responder = WorldResponder(world: Self.world)
            out.append((po, responder, responder.handle(purchaseOrder: .object(po), receivedAt: Self.placedAt), otherSKU))
        }
        return out
    }

    /// Only the lines not shipped yet are cancelled: a backordered line waiting for a restock is,
    /// the accepted line that shipped is not.
    @Test func aCancellationCancelsOnlyTheLinesNotShipped() throws {
        var tried = 0
        for (po, responder, placed, otherSKU) in Self.partlyBackordered() {
            #expect(Self.statuses(placed.records.map(\.record)).prefix(2) == ["accepted", "backordered"])
            let shipped = try #require(placed.records.first {
                $0.record.value?["status"] == "shipped" && $0.record.value?["skus"] != [.string(otherSKU)]
            })
            let followUp = try #require(placed.records.first {
                $0.record.value?["skus"] == [.string(otherSKU)] && ["shipped", "cancelled"].contains($0.record.value?["status"])
            })
            // Cancelled once the accepted line shipped, while the other still waits.
            let cancelAt = shipped.record.at + .minutes(5)
            guard followUp.record.at > cancelAt + .hours(2) else { continue }
            let cancelled = responder.handle(purchaseOrder: Self.cancel(.object(po)), receivedAt: cancelAt)
            let answer = try #require(cancelled.records.first?.record)
            #expect(cancelled.records.count == 1 && answer.value?["status"] == "cancelled")
            #expect(answer.value?["skus"] == [.string(otherSKU)], "only the line not shipped")
            #expect(cancelled.withdrawn == [followUp.ticket] && followUp.ticket != shipped.ticket)
            tried += 1
            if tried == 3 { break }
        }
        #expect(tried > 0)
    }

    /// A cancellation that names only the backordered line withdraws that line, even before the
    /// accepted one shipped: a re-route takes the missing units elsewhere and keeps the rest.
    @Test func aCancellationNamingSomeLinesWithdrawsOnlyThose() throws {
        var tried = 0
        for (po, responder, placed, otherSKU) in Self.partlyBackordered() {
            let backordered = try #require(placed.records.first { $0.record.value?["status"] == "backordered" })
            let shipped = try #require(placed.records.first {
                $0.record.value?["status"] == "shipped" && $0.record.value?["skus"] != [.string(otherSKU)]
            })
            let followUp = try #require(placed.records.first {
                $0.record.value?["skus"] == [.string(otherSKU)] && ["shipped", "cancelled"].contains($0.record.value?["status"])
            })
            let cancelAt = backordered.record.at + .minutes(1)
            guard shipped.record.at > cancelAt + .hours(8), followUp.record.at > cancelAt + .hours(8) else { continue }
            var cancel = Self.cancel(.object(po)).objectValue!
            cancel["lines"] = [po["lines"]!.arrayValue![1]]
            let cancelled = responder.handle(purchaseOrder: .object(cancel), receivedAt: cancelAt)
            let answer = try #require(cancelled.records.first?.record)
            #expect(answer.value?["status"] == "cancelled" && answer.value?["skus"] == [.string(otherSKU)])
            #expect(cancelled.withdrawn == [followUp.ticket], "the accepted line still ships")
            tried += 1
            if tried == 3 { break }
        }
        #expect(tried > 0)
    }
}
