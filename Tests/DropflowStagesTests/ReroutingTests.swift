import DropflowContract
import DropflowCore
import DropflowJSON
import DropflowPipeline
import DropflowRouting
import Foundation
import Testing

/// Re-routing: what a supplier cannot ship goes elsewhere, once per cause, with a decision of the
/// next revision, new purchase orders and a cancellation of what is withdrawn; what shipped is final.
@Suite("Routing: re-routing")
struct ReroutingTests {
    /// Two suppliers of LAMP and MUG in Poland and Spain; sup-pl is cheaper and gets the order,
    /// shipped by dhl (the cheapest of `plCarriers` with a rate).
    static func world(plCarriers: [String] = ["dhl"]) -> RoutingWorld {
        var world = RoutingWorld()
        world.offer("sup-pl", "LAMP", cost: "10.00", from: "PL", carriers: plCarriers)
        world.offer("sup-pl", "MUG", cost: "4.00", from: "PL", carriers: plCarriers)
        world.offer("sup-es", "LAMP", cost: "12.00", from: "ES", carriers: ["correos"])
        world.offer("sup-es", "MUG", cost: "5.00", from: "ES", carriers: ["correos"])
        world.rate("dhl", .standard, "PL", "DE", base: "5.00", transit: (3, 5))
        world.rate("correos", .standard, "ES", "DE", base: "6.00", transit: (3, 5))
        return world
    }

    static let order = RoutingWorld.order([("LAMP", 1, "30.00"), ("MUG", 2, "9.00")])
    static let at = RoutingWorld.now + 600
    /// The lane sup-pl ships the order by.
    static let dhl = CarrierLane(carrier: "dhl", origin: "PL", destination: "DE")

    static func routed(_ world: RoutingWorld) throws -> RoutedOrder {
        let outcome = world.decide(order)
        let chosen = try #require(outcome.chosen)
        let decision = RoutingMessages.decision(order: order, chosen: chosen, ranked: outcome.ranked, binding: nil, revision: 1, at: at,
                                                config: RoutingConfig())
        return RoutedOrder(order: order, decision: decision, purchaseOrders: RoutingMessages.purchaseOrders(order: order, plan: chosen, revision: 1, at: at),
                           plan: chosen)
    }

    static func update(_ po: String, _ status: SupplierOrderUpdate.Status, skus: [String]? = nil, supplier: String = "sup-pl") -> SupplierOrderUpdate {
        SupplierOrderUpdate(orderID: order.orderID, supplierID: supplier, purchaseOrderID: po, status: status, skus: skus,
                            at: DateTimeFormat.format(epochSeconds: at + 3_600))
    }

    @Test("a backordered line goes to another supplier; the rest stays; the cancellation names that line alone; heard twice, once")
    func backorder() throws {
        let world = Self.world()
        var routed = try Self.routed(world)
        #expect(routed.parts.map(\.supplierID) == ["sup-pl"])
        let po = routed.parts[0].purchaseOrderID
        #expect(routed.record(Self.update(po, .accepted, skus: ["LAMP"])) == nil)
        let heard = routed.record(Self.update(po, .backordered, skus: ["MUG"]))
        let cause = try #require(heard)
        #expect(cause.kind == .backordered && cause.skus == ["MUG"])
        guard case .rerouted(let decision, let pos, let cancels) = RoutingDecider().reroute(&routed, cause: cause, picture: world.picture,
                                                                                          at: Self.at + 3_700) else {
            Issue.record("not re-routed")
            return
        }
        #expect(decision.revision == 2 && decision.rerouteReason == "sup-pl backordered MUG")
        #expect(decision.assignments.map(\.supplierID) == ["sup-pl", "sup-es"], "LAMP stays, MUG moves")
        #expect(decision.assignments[0].skus == ["LAMP"] && decision.assignments[1].lines?.first?.quantity == 2)
        #expect(pos.map(\.purchaseOrderID) == ["po-ord-1-sup-es-2"] && pos[0].lines.map(\.sku) == ["MUG"])
        #expect(cancels.count == 1 && cancels[0].purchaseOrderID == po && cancels[0].action == .cancel && cancels[0].lines.map(\.sku) == ["MUG"])
        #expect(decision.explanation.summary.hasPrefix("re-routed (sup-pl backordered MUG)"))
        for message in [decision.json] { #expect(ContractSchema.routingDecision.validate(message).isEmpty) }
        for message in (pos + cancels).map(\.json) { #expect(ContractSchema.purchaseOrder.validate(message).isEmpty) }
        #expect(routed.revision == 2 && routed.parts.count == 2)
        // The same backorder heard again: nothing.
        guard case .nothing = RoutingDecider().reroute(&routed, cause: cause, picture: world.picture, at: Self.at + 4_000) else {
            Issue.record("a cause heard twice re-routed twice")
            return
        }
        // routing's own cancellation confirmed by the supplier is no new cause.
        #expect(routed.record(Self.update(po, .cancelled, skus: ["MUG"])) == nil)
    }

    @Test("a line two suppliers backordered does not bounce back to the first")
    func noBounce() throws {
        let world = Self.world()
        var routed = try Self.routed(world)
        let heard = routed.record(Self.update(routed.parts[0].purchaseOrderID, .backordered, skus: ["MUG"]))
        let first = try #require(heard)
        guard case .rerouted(_, let pos, _) = RoutingDecider().reroute(&routed, cause: first, picture: world.picture, at: Self.at + 3_700) else {
            Issue.record("not re-routed")
            return
        }
        let heardAgain = routed.record(Self.update(pos[0].purchaseOrderID, .backordered, skus: ["MUG"], supplier: "sup-es"))
        let second = try #require(heardAgain)
        #expect(second.supplierID == "sup-es")
        // sup-pl still states stock, but it has already failed this line of this order.
        guard case .cannot = RoutingDecider().reroute(&routed, cause: second, picture: world.picture, at: Self.at + 7_200) else {
            Issue.record("MUG went back to a supplier that backordered it")
            return
        }
        #expect(routed.parts.allSatisfy { $0.open["MUG"] == nil || $0.supplierID == "sup-es" })
    }

    @Test("what shipped is never re-routed; an outage moves every open line of the supplier; a rejection moves without a cancellation")
    func shippedOutageRejection() throws {
        let world = Self.world()
        var routed = try Self.routed(world)
        let po = routed.parts[0].purchaseOrderID
        _ = routed.record(Self.update(po, .shipped, skus: ["LAMP"]))
        let outage = RerouteCause(kind: .outage, supplierID: "sup-pl", purchaseOrderID: nil, skus: [], detail: "2026-11-24T01:00:00Z")
        guard case .rerouted(let decision, let pos, let cancels) = RoutingDecider().reroute(&routed, cause: outage, picture: world.picture,
                                                                                          at: Self.at + 7_200) else {
            Issue.record("not re-routed")
            return
        }
        #expect(pos.flatMap { $0.lines.map(\.sku) } == ["MUG"], "LAMP shipped: final")
        #expect(cancels.first?.lines.map(\.sku) == ["MUG"])
        #expect(decision.assignments.first { $0.supplierID == "sup-pl" }?.skus == ["LAMP"])
        #expect(decision.rerouteReason == "sup-pl is in outage since 2026-11-24T01:00:00Z")

        var fresh = try Self.routed(world)
        let rejected = fresh.record(Self.update(fresh.parts[0].purchaseOrderID, .rejected, skus: nil))
        let cause = try #require(rejected)
        guard case .rerouted(_, let moved, let none) = RoutingDecider().reroute(&fresh, cause: cause, picture: world.picture, at: Self.at + 7_200) else {
            Issue.record("not re-routed")
            return
        }
        #expect(Set(moved.flatMap { $0.lines.map(\.sku) }) == ["LAMP", "MUG"] && none.isEmpty, "a rejected purchase order needs no cancellation")
    }

    @Test("with no other supplier, the lines stay where they are")
    func nowhereElse() throws {
        var world = Self.world()
        world.status("sup-es", .outage)
        var routed = try Self.routed(world)
        let heard = routed.record(Self.update(routed.parts[0].purchaseOrderID, .backordered, skus: ["MUG"]))
        let cause = try #require(heard)
        guard case .cannot(let reasons) = RoutingDecider().reroute(&routed, cause: cause, picture: world.picture, at: Self.at + 3_700) else {
            Issue.record("re-routed to a supplier in outage")
            return
        }
        #expect(!reasons.isEmpty && routed.revision == 1 && routed.parts[0].open["MUG"] == 2)
    }

    @Test("lines another supplier can take move even when a line beside them has nowhere else to go, which stays or ends as the cause says")
    func movableLinesMove() throws {
        var world = Self.world()
        world.picture.apply(offerKey: "sup-es/MUG", nil)  // sup-pl alone offers mugs
        let causes: [(String, (inout RoutedOrder) -> RerouteCause?)] = [
            ("backordered", { $0.record(Self.update($0.parts[0].purchaseOrderID, .backordered, skus: ["LAMP", "MUG"])) }),
            ("rejected", { $0.record(Self.update($0.parts[0].purchaseOrderID, .rejected)) }),
            ("outage", { _ in RerouteCause(kind: .outage, supplierID: "sup-pl", purchaseOrderID: nil, skus: [], detail: "2026-11-24T01:00:00Z") }),
        ]
        for (name, hear) in causes {
            var routed = try Self.routed(world)
            let po = routed.parts[0].purchaseOrderID
            let cause = try #require(hear(&routed), "\(name)")
            guard case .rerouted(let decision, let pos, let cancels) = RoutingDecider().reroute(&routed, cause: cause, picture: world.picture,
                                                                                              at: Self.at + 3_700) else {
                Issue.record("\(name): nothing moved, though sup-es could take the lamp")
                continue
            }
            #expect(pos.map(\.supplierID) == ["sup-es"] && pos.flatMap { $0.lines.map(\.sku) } == ["LAMP"], "\(name)")
            #expect(decision.assignments.first { $0.supplierID == "sup-es" }?.skus == ["LAMP"], "\(name)")
            let kept = decision.assignments.first { $0.supplierID == "sup-pl" }?.skus
            if name == "rejected" {
                #expect(kept == nil && cancels.isEmpty, "rejected: the mug will not come from sup-pl, and nothing is left to cancel")
            } else {
                #expect(kept == ["MUG"], "\(name): the mug, which nobody else offers, stays with sup-pl")
                #expect(cancels.map(\.purchaseOrderID) == [po] && cancels.flatMap { $0.lines.map(\.sku) } == ["LAMP"], "\(name): only the lamp is withdrawn")
                #expect(routed.parts[0].open == ["MUG": 2], "\(name)")
            }
            #expect(ContractSchema.routingDecision.validate(decision.json).isEmpty)
        }
    }

    @Test("a shipment heard after routing withdrew its lines (the cancellation crossed it) does not put them back: later decisions assign each line once")
    func lateShipmentOfWithdrawnLines() throws {
        var world = Self.world()
        world.offer("sup-fr", "MUG", cost: "7.00", from: "FR", carriers: ["laposte"])
        world.rate("laposte", .standard, "FR", "DE", base: "6.00", transit: (3, 5))
        var routed = try Self.routed(world)
        let po = routed.parts[0].purchaseOrderID
        // sup-pl goes into outage: both lines go to sup-es, and sup-pl is told to cancel them.
        let outage = RerouteCause(kind: .outage, supplierID: "sup-pl", purchaseOrderID: nil, skus: [], detail: "2026-11-24T01:00:00Z")
        guard case .rerouted(_, let moved, _) = RoutingDecider().reroute(&routed, cause: outage, picture: world.picture, at: Self.at + 3_600) else {
            Issue.record("not re-routed")
            return
        }
        #expect(moved.map(\.supplierID) == ["sup-es"])
        // sup-pl had shipped them before the cancellation came; then sup-es backorders the mug, which goes to sup-fr.
        #expect(routed.record(Self.update(po, .shipped)) == nil)
        let heard = routed.record(Self.update(moved[0].purchaseOrderID, .backordered, skus: ["MUG"], supplier: "sup-es"))
        let backorder = try #require(heard)
        guard case .rerouted(let decision, _, let cancels) = RoutingDecider().reroute(&routed, cause: backorder, picture: world.picture,
                                                                                     at: Self.at + 7_200) else {
            Issue.record("not re-routed")
            return
        }
        #expect(decision.revision == 3 && decision.assignments.map(\.supplierID) == ["sup-es", "sup-fr"],
                "the lines routing withdrew from sup-pl stay withdrawn: \(decision.assignments.map { "\($0.supplierID) \($0.skus)" })")
        #expect(decision.assignments.flatMap(\.skus).sorted() == ["LAMP", "MUG"], "each line once")
        #expect(cancels.map(\.supplierID) == ["sup-es"] && routed.openSuppliers == ["sup-es", "sup-fr"])
    }

    /// dhl's lane from Poland to Germany, seen degraded at 02:00.
    static let strike = RerouteCause.laneFailure(dhl, since: "2026-11-24T02:00:00Z")

    /// What the picture learned before that cause: six parcels dhl collected from sup-pl in the
    /// last hours, each flagged a few hours later, so the lane counts slower.
    static func struck(_ world: RoutingWorld) -> RoutingWorld {
        var world = world
        for i in 0..<6 {
            let po = LeadTimeLearningTests.po("strike-\(i)", supplier: "sup-pl", skus: ["LAMP"], at: -2)
            world.picture.apply(po)
            world.picture.apply(LeadTimeLearningTests.update(po, .shipped, tracking: "TS\(i)", at: -0.6 + Double(i) * 0.02))
            world.picture.apply(LeadTimeLearningTests.event(po, .pickedUp, tracking: "TS\(i)", at: -0.5 + Double(i) * 0.02))
            world.picture.apply(LeadTimeLearningTests.event(po, .exception, tracking: "TS\(i)", at: -0.35 + Double(i) * 0.02))
        }
        return world
    }

    @Test("a failing lane that still scores best keeps its parts: they travel slower, but moving them costs more")
    func laneFailureStaysWhenStayingIsBest() throws {
        // sup-pl's only other carrier costs 40.00 more a parcel; nobody else offers the lines.
        var world = RoutingWorld()
        world.offer("sup-pl", "LAMP", cost: "10.00", from: "PL", carriers: ["dhl", "ups"])
        world.offer("sup-pl", "MUG", cost: "4.00", from: "PL", carriers: ["dhl", "ups"])
        world.rate("dhl", .economy, "PL", "DE", base: "5.00", transit: (3, 5))
        world.rate("ups", .economy, "PL", "DE", base: "45.00", transit: (3, 5))
        let order = RoutingWorld.order([("LAMP", 1, "30.00"), ("MUG", 2, "9.00")], option: "economy", priority: "margin")
        let chosen = try #require(world.decide(order).chosen)
        let decision = RoutingMessages.decision(order: order, chosen: chosen, ranked: [chosen], binding: nil, revision: 1, at: Self.at, config: RoutingConfig())
        var routed = RoutedOrder(order: order, decision: decision,
                                 purchaseOrders: RoutingMessages.purchaseOrders(order: order, plan: chosen, revision: 1, at: Self.at), plan: chosen)
        #expect(routed.openLanes == [Self.dhl])
        guard case .nothing = RoutingDecider().reroute(&routed, cause: Self.strike, picture: Self.struck(world).picture, at: Self.at + 7_200) else {
            Issue.record("moved to a carrier that costs more than the delay")
            return
        }
        #expect(routed.revision == 1 && routed.causes.contains(Self.strike.tag), "decided once: staying")
    }

    @Test("a failing lane moves the part waiting for its carrier to another carrier of the same supplier, with a cancellation and a new purchase order; heard twice, once")
    func laneFailure() throws {
        var world = Self.world(plCarriers: ["dhl", "ups"])
        world.rate("ups", .standard, "PL", "DE", base: "7.00", transit: (3, 5))
        var routed = try Self.routed(world)
        #expect(routed.parts.map(\.assignment.carrier) == ["dhl"] && routed.openLanes == [Self.dhl])
        let po = routed.parts[0].purchaseOrderID
        guard case .rerouted(let decision, let pos, let cancels) = RoutingDecider().reroute(&routed, cause: Self.strike, picture: Self.struck(world).picture,
                                                                                          at: Self.at + 7_200) else {
            Issue.record("not re-routed")
            return
        }
        #expect(decision.revision == 2 && decision.rerouteReason == "dhl PL→DE is degraded since 2026-11-24T02:00:00Z")
        #expect(decision.assignments.map(\.supplierID) == ["sup-pl"] && decision.assignments[0].carrier == "ups", "the same supplier, by ups")
        #expect(pos.map(\.purchaseOrderID) == ["po-ord-1-sup-pl-2"] && pos[0].carrier == "ups" && Set(pos[0].lines.map(\.sku)) == ["LAMP", "MUG"])
        #expect(cancels.map(\.purchaseOrderID) == [po] && cancels[0].action == .cancel && Set(cancels[0].lines.map(\.sku)) == ["LAMP", "MUG"])
        #expect(ContractSchema.routingDecision.validate(decision.json).isEmpty)
        for message in (pos + cancels).map(\.json) { #expect(ContractSchema.purchaseOrder.validate(message).isEmpty) }
        #expect(routed.openLanes == [CarrierLane(carrier: "ups", origin: "PL", destination: "DE")])
        // The same spell heard again: nothing.
        guard case .nothing = RoutingDecider().reroute(&routed, cause: Self.strike, picture: Self.struck(world).picture, at: Self.at + 7_300) else {
            Issue.record("a lane failure heard twice re-routed twice")
            return
        }
        #expect(routed.revision == 2)
    }

    @Test("what was handed over to the carrier stays: a failing lane moves only the lines not shipped, here to another supplier; a part shipped whole is not moved")
    func laneFailureSparesShipped() throws {
        let world = Self.world()  // sup-pl ships by dhl alone
        var routed = try Self.routed(world)
        let po = routed.parts[0].purchaseOrderID
        _ = routed.record(Self.update(po, .shipped, skus: ["LAMP"]))
        guard case .rerouted(let decision, let pos, let cancels) = RoutingDecider().reroute(&routed, cause: Self.strike, picture: Self.struck(world).picture,
                                                                                          at: Self.at + 7_200) else {
            Issue.record("not re-routed")
            return
        }
        #expect(pos.map(\.supplierID) == ["sup-es"] && pos.flatMap { $0.lines.map(\.sku) } == ["MUG"], "LAMP shipped: final")
        #expect(cancels.map(\.purchaseOrderID) == [po] && cancels[0].lines.map(\.sku) == ["MUG"])
        #expect(decision.assignments.first { $0.supplierID == "sup-pl" }?.skus == ["LAMP"], "the shipped lamp is still expected")
        #expect(routed.openLanes == [CarrierLane(carrier: "correos", origin: "ES", destination: "DE")])

        var shipped = try Self.routed(world)
        _ = shipped.record(Self.update(shipped.parts[0].purchaseOrderID, .shipped))
        #expect(shipped.openLanes.isEmpty)
        guard case .nothing = RoutingDecider().reroute(&shipped, cause: Self.strike, picture: world.picture, at: Self.at + 7_200) else {
            Issue.record("a part handed over to the carrier was re-routed")
            return
        }
        #expect(shipped.revision == 1)
    }

    @Test("what routing kept before parts had an origin, and routing.open values before they had lanes, still read")
    func olderRecordsRead() throws {
        let routed = try Self.routed(Self.world())
        var kept = routed.state.json
        guard case .array(let parts) = kept["parts"] else {
            Issue.record("no parts")
            return
        }
        kept = kept.adding(["parts": .array(parts.map { part in
            guard case .object(var members) = part else { return part }
            members["origin"] = nil
            return .object(members)
        })])
        let old = RoutedOrder(state: try RoutedOrderState(json: kept))
        #expect(old.parts.count == 1 && old.parts[0].origin == nil && old.openSuppliers == ["sup-pl"] && old.openLanes.isEmpty)
        #expect(RoutedOrder(state: try RoutedOrderState(json: routed.state.json)) == routed, "the origin is kept")
        let open = try RoutingOpenOrder(json: ["suppliers": ["sup-pl"]])
        #expect(open.suppliers == ["sup-pl"] && open.lanes.isEmpty)
        let lanes = RoutingOpenOrder(suppliers: ["sup-pl"], lanes: [Self.dhl])
        #expect(try RoutingOpenOrder(json: lanes.json) == lanes)
    }
}
