import DropflowContract
import DropflowCore
import DropflowJSON
import DropflowPipeline
import DropflowRouting
import Foundation
import Testing

/// Availability as a probability: a purchase order's units stay held until the supplier will not
/// take them or its feed counts them; what is held, a safety buffer and what others buy while a
/// feed is stale come off the feed's number; a supplier's ledger grants the last units to the
/// earlier request only.
@Suite("Routing: reservations and the supplier's ledger")
struct ReservationTests {
    static let now = RoutingWorld.now

    static func po(_ id: String, order: String = "ord-9", supplier: String = "sup-pl", _ lines: [(String, Int)], at: Int64 = now,
                   action: PurchaseOrder.Action = .place, revision: Int = 1) -> PurchaseOrder {
        PurchaseOrder(purchaseOrderID: id, orderID: order, supplierID: supplier, revision: revision,
                      lines: lines.map { PurchaseOrder.Line(sku: $0.0, quantity: $0.1) }, carrier: "dhl",
                      shipTo: RoutingWorld.order([("LAMP", 1, "30.00")]).shippingAddress,
                      at: DateTimeFormat.format(epochSeconds: at), action: action)
    }

    static func answer(_ po: String, _ status: SupplierOrderUpdate.Status, skus: [String]? = nil, at: Int64) -> SupplierOrderUpdate {
        SupplierOrderUpdate(orderID: "ord-9", supplierID: "sup-pl", purchaseOrderID: po, status: status, skus: skus,
                            at: DateTimeFormat.format(epochSeconds: at))
    }

    static func held(_ r: Reservations, _ sku: String = "LAMP", feed: Int64 = now, at: Int64) -> Int {
        r.reserved(supplier: "sup-pl", sku: sku, feedUpdatedAt: feed, at: at)
    }

    @Test("a purchase order's units are held until the supplier takes them and its feed counts again, or will not take them")
    func releasedOnEveryPath() {
        let hour: Int64 = 3_600
        var r = Reservations()
        r.apply(Self.po("po-a", [("LAMP", 3), ("MUG", 2)]), at: Self.now)
        #expect(Self.held(r, at: Self.now + hour) == 3 && Self.held(r, "MUG", at: Self.now + hour) == 2)
        // Accepted: the units left the supplier's stock, but its feed has not counted since.
        r.apply(Self.answer("po-a", .accepted, at: Self.now + 2 * hour), at: Self.now + 2 * hour)
        #expect(Self.held(r, feed: Self.now + hour, at: Self.now + 3 * hour) == 3, "a count before the acceptance does not show it")
        #expect(Self.held(r, feed: Self.now + 3 * hour, at: Self.now + 3 * hour) == 0, "a count after it does: not subtracted twice")

        // Backordered, rejected, cancelled by the supplier, withdrawn by routing: free at once, the named line only.
        for (status, sku) in [(SupplierOrderUpdate.Status.backordered, "LAMP"), (.rejected, "MUG"), (.cancelled, "LAMP")] {
            var r = Reservations()
            r.apply(Self.po("po-b", [("LAMP", 3), ("MUG", 2)]), at: Self.now)
            r.apply(Self.answer("po-b", status, skus: [sku], at: Self.now + hour), at: Self.now + hour)
            #expect(Self.held(r, sku, at: Self.now + hour) == 0, "\(status) frees \(sku)")
            #expect(Self.held(r, sku == "LAMP" ? "MUG" : "LAMP", at: Self.now + hour) > 0, "\(status) of \(sku) keeps the other line")
        }
        var withdrawn = Reservations()
        withdrawn.apply(Self.po("po-c", [("LAMP", 3)]), at: Self.now)
        withdrawn.apply(Self.po("po-c", [("LAMP", 3)], at: Self.now + hour, action: .cancel, revision: 2), at: Self.now + hour)
        #expect(Self.held(withdrawn, at: Self.now + hour) == 0, "a re-route's cancellation frees them")

        // Shipped without an acceptance heard counts as taken; an answer naming no SKU covers every line.
        var shipped = Reservations()
        shipped.apply(Self.po("po-d", [("LAMP", 1), ("MUG", 1)]), at: Self.now)
        shipped.apply(Self.answer("po-d", .shipped, at: Self.now + hour), at: Self.now + hour)
        #expect(Self.held(shipped, feed: Self.now + 2 * hour, at: Self.now + 2 * hour) == 0)
        #expect(Self.held(shipped, "MUG", feed: Self.now, at: Self.now + 2 * hour) == 1)

        // A supplier that never answers: the hold lapses after the configured expiry, in event time.
        var silent = Reservations(expirySeconds: 48 * hour)
        silent.apply(Self.po("po-e", [("LAMP", 4)]), at: Self.now)
        #expect(Self.held(silent, at: Self.now + 47 * hour) == 4)
        #expect(Self.held(silent, at: Self.now + 48 * hour) == 0)
        // And a feed that never counts again does not keep a taken hold for ever.
        silent.apply(Self.po("po-f", [("LAMP", 4)]), at: Self.now)
        silent.apply(Self.answer("po-f", .accepted, at: Self.now + hour), at: Self.now + hour)
        #expect(Self.held(silent, at: Self.now + 6 * 24 * hour) == 4 && Self.held(silent, at: Self.now + 8 * 24 * hour) == 0)
    }

    /// sup-pl: 5 lamps at 10.00; sup-es: 50 at 12.00.
    static func world() -> RoutingWorld {
        var world = RoutingWorld()
        world.offer("sup-pl", "LAMP", qty: 5, cost: "10.00", from: "PL", carriers: ["dhl"])
        world.offer("sup-es", "LAMP", qty: 50, cost: "12.00", from: "ES", carriers: ["correos"])
        world.rate("dhl", .standard, "PL", "DE", base: "5.00", transit: (3, 5))
        world.rate("correos", .standard, "ES", "DE", base: "5.00", transit: (3, 5))
        return world
    }

    @Test("units held by orders in flight are not planned on again: the order goes elsewhere, or waits and says why")
    func decisionsSubtractHolds() throws {
        var world = Self.world()
        let order = RoutingWorld.order([("LAMP", 2, "30.00")])
        #expect(world.decide(order).chosen?.shipments.map(\.supplierID) == ["sup-pl"], "the cheaper supplier, with stock")
        world.picture.apply(Self.po("po-other", order: "ord-0", [("LAMP", 4)]))
        let chosen = try #require(world.decide(order).chosen)
        #expect(chosen.shipments.map(\.supplierID) == ["sup-es"], "1 lamp left at sup-pl after another order's 4")
        let config = RoutingConfig()
        let decision = RoutingMessages.decision(order: order, chosen: chosen, ranked: world.decide(order).ranked, binding: nil, revision: 1,
                                                at: Self.now + 600, config: config)
        let scores = decision.explanation.scores?.first?["shipments"]?[0]
        #expect(scores?["reserved_units"]?.intValue == 0 && scores?["in_stock_probability"]?.doubleValue == 1)

        // With sup-es gone, nothing has 2 lamps: the order waits, and the reason names the held units.
        var alone = world
        alone.picture.apply(offerKey: "sup-es/LAMP", nil)
        let reasons = alone.decide(order).holdReasons
        #expect(reasons.first?.code == "out_of_stock")
        #expect(reasons.first?.detail.contains("1 of 2 units") == true && reasons.first?.detail.contains("4 more held by orders in flight") == true,
                "\(reasons)")
        // A safety buffer of one unit more leaves nothing to plan on at sup-pl.
        var buffered = RoutingConfig()
        buffered.safetyStockUnits = 1
        world.picture.apply(Self.answer("po-other", .rejected, at: Self.now + 60), at: Self.now + 60)
        #expect(world.decide(RoutingWorld.order([("LAMP", 5, "30.00")])).chosen?.shipments.map(\.supplierID) == ["sup-pl"])
        #expect(world.decide(RoutingWorld.order([("LAMP", 5, "30.00")]), config: buffered).chosen?.shipments.map(\.supplierID) == ["sup-es"])
    }

    @Test("a stale feed of a SKU that sells fast is less likely to fill, and the explanation says so")
    func staleFeedsAreDiscounted() throws {
        var world = RoutingWorld()
        world.rate("dhl", .standard, "PL", "DE", base: "5.00", transit: (3, 5))
        // sup-pl's feed: 100 lamps, then 80 a day later (20 a day sold), last counted a day before the order.
        for (qty, at) in [(100, Self.now - 2 * 86_400), (80, Self.now - 86_400)] {
            world.picture.apply(offerKey: "sup-pl/LAMP", SupplierOffer(
                supplierID: "sup-pl", sku: "LAMP", availableQty: qty, unitCost: "10.00", currency: "EUR", shipsFrom: "PL",
                handlingDays: SupplierOffer.HandlingDays(p50: 1, p90: 2), carriers: ["dhl"], unitWeightGrams: 500,
                updatedAt: DateTimeFormat.format(epochSeconds: at)))
        }
        #expect(abs(world.picture.depletion.perDay(supplier: "sup-pl", sku: "LAMP") - 20) < 1e-9)
        let odds = try #require(world.picture.stock(supplier: "sup-pl", sku: "LAMP", at: Self.now, buffer: 0))
        #expect(odds.stated == 80 && abs(odds.expectedDemand - 20) < 1e-6)
        #expect(odds.probability(10) > 0.999, "70 spare against 20 expected")
        #expect(abs(odds.probability(70) - 0.0108) < 0.001, "P(Poisson(20) ≤ 10)")
        #expect(odds.probability(81) == 0)

        let few = try #require(world.decide(RoutingWorld.order([("LAMP", 2, "30.00")])).chosen)
        let many = try #require(world.decide(RoutingWorld.order([("LAMP", 70, "30.00")])).chosen)
        #expect(few.fillProbability > 0.9 && many.fillProbability < 0.02, "\(few.fillProbability) \(many.fillProbability)")
        let decision = RoutingMessages.decision(order: RoutingWorld.order([("LAMP", 70, "30.00")]), chosen: many, ranked: [many], binding: nil,
                                                revision: 1, at: Self.now, config: RoutingConfig())
        #expect(decision.explanation.summary.contains("sup-pl LAMP: 80 stated, about 20.1 sold since its feed counted: 1% likely in stock for 70"),
                "\(decision.explanation.summary)")
    }

    @Test("two requests for a supplier's last units: the earlier wins, the later is refused before it reaches the supplier")
    func ledgerGrantsInOrder() throws {
        let picture = Self.world().picture  // sup-pl: 5 lamps
        var ledger = SupplierLedger()
        let expiry: Int64 = 72 * 3_600
        let first = Self.po("po-a", order: "ord-a", [("LAMP", 3)])
        #expect(ledger.decide(first, offers: [], picture: picture, at: Self.now, expirySeconds: expiry) == .placed(first, refused: [], detail: ""))
        // The second worker planned on the same five lamps: only two are left when its turn comes.
        let second = Self.po("po-b", order: "ord-b", [("LAMP", 3)])
        guard case .placed(nil, let refused, let detail) = ledger.decide(second, offers: [], picture: picture, at: Self.now + 1, expirySeconds: expiry) else {
            Issue.record("the later request was granted")
            return
        }
        #expect(refused == ["LAMP"] && detail == "LAMP: 2 of 3 left (5 stated, 3 held by earlier purchase orders)")
        #expect(ledger.decide(first, offers: [], picture: picture, at: Self.now + 2, expirySeconds: expiry) == .copy, "a copy is recognised")

        // Once the first purchase order is on `purchase-orders`, every picture holds it: counted once, not twice.
        var seen = picture
        seen.apply(first)
        let third = Self.po("po-c", order: "ord-c", [("LAMP", 2)])
        #expect(ledger.decide(third, offers: [], picture: seen, at: Self.now + 3, expirySeconds: expiry) == .placed(third, refused: [], detail: ""))
        #expect(ledger.grants.map(\.purchaseOrderID) == ["po-c"], "po-a's grant is forgotten once the picture holds it")

        // Partly: the lines the stock allows go on, the rest is refused; a restock the requester saw counts.
        var restocked = Self.world().picture
        restocked.apply(offerKey: "sup-pl/MUG", SupplierOffer(supplierID: "sup-pl", sku: "MUG", availableQty: 0, unitCost: "4.00", currency: "EUR",
                                                             shipsFrom: "PL", updatedAt: DateTimeFormat.format(epochSeconds: Self.now)))
        var fresh = SupplierLedger()
        let mixed = Self.po("po-d", [("LAMP", 1), ("MUG", 1)])
        guard case .placed(let sent?, let partly, _) = fresh.decide(mixed, offers: [], picture: restocked, at: Self.now, expirySeconds: expiry) else {
            Issue.record("nothing sent")
            return
        }
        #expect(sent.lines.map(\.sku) == ["LAMP"] && partly == ["MUG"])
        let newer = SupplierOffer(supplierID: "sup-pl", sku: "MUG", availableQty: 9, unitCost: "4.00", currency: "EUR", shipsFrom: "PL",
                                  updatedAt: DateTimeFormat.format(epochSeconds: Self.now + 60))
        let later = Self.po("po-e", [("MUG", 2)], at: Self.now + 120)
        #expect(fresh.decide(later, offers: [newer], picture: restocked, at: Self.now + 120, expirySeconds: expiry)
                == .placed(later, refused: [], detail: ""))

        // A cancellation passes in order and frees what it withdraws; the ledger survives its store.
        let cancel = Self.po("po-e", [("MUG", 2)], at: Self.now + 180, action: .cancel, revision: 2)
        #expect(fresh.decide(cancel, offers: [], picture: restocked, at: Self.now + 180, expirySeconds: expiry) == .cancel(cancel))
        #expect(fresh.grants.map(\.purchaseOrderID) == ["po-d"])
        #expect(SupplierLedger(record: try LedgerRecord(json: JSONValue.parse(fresh.record.json.serialized()))) == fresh)
    }

    @Test("a cancellation of lines the ledger refused withdraws only what it sent on, and nothing when it sent none")
    func cancellingRefusedLines() throws {
        var picture = Self.world().picture  // sup-pl: 5 lamps
        picture.apply(offerKey: "sup-pl/MUG", SupplierOffer(supplierID: "sup-pl", sku: "MUG", availableQty: 0, unitCost: "4.00", currency: "EUR",
                                                           shipsFrom: "PL", updatedAt: DateTimeFormat.format(epochSeconds: Self.now)))
        var ledger = SupplierLedger()
        let expiry: Int64 = 72 * 3_600
        // The lamp goes on, the mug is refused; the order's owner, re-routing it for another cause
        // (an outage) before it hears of the refusal, withdraws both.
        _ = ledger.decide(Self.po("po-a", [("LAMP", 1), ("MUG", 1)]), offers: [], picture: picture, at: Self.now, expirySeconds: expiry)
        let both = Self.po("po-a", [("LAMP", 1), ("MUG", 1)], at: Self.now + 60, action: .cancel, revision: 2)
        guard case .cancel(let sent) = ledger.decide(both, offers: [], picture: picture, at: Self.now + 60, expirySeconds: expiry) else {
            Issue.record("the cancellation was not sent on")
            return
        }
        #expect(sent.lines.map(\.sku) == ["LAMP"], "the supplier never had the mug")
        // A purchase order refused whole never reached the supplier: its cancellation goes nowhere.
        _ = ledger.decide(Self.po("po-b", [("MUG", 2)]), offers: [], picture: picture, at: Self.now + 120, expirySeconds: expiry)
        let none = Self.po("po-b", [("MUG", 2)], at: Self.now + 180, action: .cancel, revision: 2)
        #expect(ledger.decide(none, offers: [], picture: picture, at: Self.now + 180, expirySeconds: expiry) == .neverSent)
        #expect(ledger.decide(none, offers: [], picture: picture, at: Self.now + 190, expirySeconds: expiry) == .copy)
        #expect(SupplierLedger(record: try LedgerRecord(json: JSONValue.parse(ledger.record.json.serialized()))) == ledger)
        // What a ledger kept before it remembered refusals still reads.
        #expect(try LedgerRecord(json: ["grants": [], "decided": ["po-c/1/place": .integer(Self.now)]]).refused.isEmpty)
    }

    @Test("a supplier's outage, heard in its ledger's log, lasts until another status ends it, and the ledger's record keeps it")
    func outageInTheLedger() throws {
        var ledger = SupplierLedger()
        ledger.heard(SupplierStatus(supplierID: "sup-pl", status: .outage, updatedAt: "2026-11-24T15:00:00Z"))
        #expect(ledger.outage == "2026-11-24T15:00:00Z")
        #expect(SupplierLedger(record: try LedgerRecord(json: JSONValue.parse(ledger.record.json.serialized()))) == ledger)
        ledger.heard(SupplierStatus(supplierID: "sup-pl", status: .degraded, updatedAt: "2026-11-24T18:00:00Z"))
        #expect(ledger.outage == nil)
        #expect(ledger.record.json["outage"] == nil, "no outage, no member")
        // What a ledger kept before it heard statuses still reads.
        #expect(try LedgerRecord(json: ["grants": [], "decided": [:], "refused": [:]]).outage == nil)
    }

    /// Order ord-1 for two lamps, routed in `world` at `at`.
    static func routedLamps(_ world: RoutingWorld, at: Int64) throws -> RoutedOrder {
        let order = RoutingWorld.order([("LAMP", 2, "30.00")])
        let chosen = try #require(world.decide(order).chosen)
        let decision = RoutingMessages.decision(order: order, chosen: chosen, ranked: [chosen], binding: nil, revision: 1, at: at, config: RoutingConfig())
        return RoutedOrder(order: order, decision: decision,
                           purchaseOrders: RoutingMessages.purchaseOrders(order: order, plan: chosen, revision: 1, at: at), plan: chosen)
    }

    @Test("refused lines end at their supplier and go elsewhere without a cancellation: they never reached it")
    func outsoldLinesAreRerouted() throws {
        let world = Self.world()
        let at = Self.now + 600
        var routed = try Self.routedLamps(world, at: at)
        let refused = OutsoldLines(purchaseOrderID: "po-ord-1-sup-pl-1", supplierID: "sup-pl", skus: ["LAMP"],
                                   detail: "LAMP: 1 of 2 left", at: DateTimeFormat.format(epochSeconds: at))
        let heard = routed.outsold(refused)
        let cause = try #require(heard)
        let again = routed.outsold(refused)
        #expect(cause.kind == .outsold && again == nil, "heard twice, one cause")
        guard case .rerouted(let revised, let pos, let cancels) = RoutingDecider().reroute(&routed, cause: cause, picture: world.picture, at: at) else {
            Issue.record("not re-routed")
            return
        }
        #expect(revised.revision == 2 && revised.assignments.map(\.supplierID) == ["sup-es"])
        #expect(revised.rerouteReason == "sup-pl's last units of LAMP went to earlier orders (LAMP: 1 of 2 left)")
        #expect(pos.map(\.supplierID) == ["sup-es"] && cancels.isEmpty)
    }

    @Test("refused lines nobody else has go back to their supplier as a backorder, which its ledger sends on without holding stock")
    func outsoldWithNowhereElseIsBackordered() throws {
        var world = Self.world()
        world.picture.apply(offerKey: "sup-es/LAMP", nil)
        let at = Self.now + 600
        var routed = try Self.routedLamps(world, at: at)
        world.picture.apply(Self.po("po-other", order: "ord-0", [("LAMP", 4)]))  // another worker's order won the lamps
        let heard = routed.outsold(OutsoldLines(purchaseOrderID: "po-ord-1-sup-pl-1", supplierID: "sup-pl", skus: ["LAMP"],
                                                detail: "LAMP: 1 of 2 left", at: DateTimeFormat.format(epochSeconds: at)))
        let cause = try #require(heard)
        guard case .rerouted(let revised, let pos, let cancels) = RoutingDecider().reroute(&routed, cause: cause, picture: world.picture, at: at) else {
            Issue.record("not placed")
            return
        }
        #expect(pos.map(\.purchaseOrderID) == ["po-ord-1-sup-pl-2"] && pos[0].lines.first?.quantity == 2 && cancels.isEmpty)
        #expect(revised.revision == 2 && revised.assignments.map(\.supplierID) == ["sup-pl"])
        #expect(revised.explanation.summary.contains("placed with sup-pl as a backorder, shipped when it restocks"), "\(revised.explanation.summary)")

        var ledger = SupplierLedger()
        #expect(ledger.decide(pos[0], offers: [], backorder: true, picture: world.picture, at: at, expirySeconds: 3_600) == .placed(pos[0], refused: [], detail: ""))
        #expect(ledger.grants.isEmpty, "a backorder holds no stock")
    }
}
