import DropflowContract
import DropflowCore
import DropflowJSON
import DropflowPipeline
import DropflowRouting
import Foundation
import Testing

/// Routing learns lead times from events: the stated figures are a prior, the events move it,
/// old events fade, and a supplier whose feed understates its handling is found out.
@Suite("Routing: learned lead times")
struct LeadTimeLearningTests {
    static let t0 = RoutingWorld.now
    static func time(_ days: Double) -> String { DateTimeFormat.format(epochSeconds: t0 + Int64(days * 86_400)) }

    static func po(_ id: String, supplier: String, skus: [String], at days: Double, carrier: String = "dhl") -> PurchaseOrder {
        PurchaseOrder(purchaseOrderID: id, orderID: "o-" + id, supplierID: supplier, revision: 1,
                      lines: skus.map { PurchaseOrder.Line(sku: $0, quantity: 1, unitCost: "1.00") }, carrier: carrier,
                      shipTo: RoutingWorld.order([("LAMP", 1, "20.00")]).shippingAddress, at: time(days), action: .place)
    }

    static func update(_ po: PurchaseOrder, _ status: SupplierOrderUpdate.Status, skus: [String]? = nil, tracking: String? = nil,
                       at days: Double) -> SupplierOrderUpdate {
        SupplierOrderUpdate(orderID: po.orderID, supplierID: po.supplierID, purchaseOrderID: po.purchaseOrderID, status: status, skus: skus,
                            carrier: tracking == nil ? nil : po.carrier, trackingNumber: tracking, at: time(days))
    }

    static func event(_ po: PurchaseOrder, _ status: ShipmentEvent.Status, tracking: String, at days: Double) -> ShipmentEvent {
        ShipmentEvent(orderID: po.orderID, carrier: po.carrier, trackingNumber: tracking, status: status, at: time(days))
    }

    @Test("the prior alone without events; a few events move it part way, many all the way")
    func posterior() {
        let prior = LogNormalDays(p50: 2, p90: 3)
        var stats = DecayingLogDays()
        #expect(stats.posterior(prior: prior, priorWeight: 3, at: Self.t0, halfLifeDays: 21) == prior)
        for i in 0..<3 { stats.add(6 + Double(i % 3 - 1) * 0.5, at: Self.t0, halfLifeDays: 21) }
        let few = stats.posterior(prior: prior, priorWeight: 3, at: Self.t0, halfLifeDays: 21)
        #expect(few.median > 3 && few.median < 5.5, "\(few.median)")
        #expect(few.sigma > prior.sigma, "a prior far from the events widens the spread")
        for i in 0..<60 { stats.add(6 + Double(i % 3 - 1) * 0.5, at: Self.t0, halfLifeDays: 21) }
        let many = stats.posterior(prior: prior, priorWeight: 3, at: Self.t0, halfLifeDays: 21)
        #expect(abs(many.median - 6) < 0.35, "\(many.median)")
        // Three half-lives later the same events weigh an eighth.
        let later = Self.t0 + 63 * 86_400
        #expect(abs(stats.weight(at: later, halfLifeDays: 21) - 63.0 / 8) < 0.01)
    }

    @Test("handling from the purchase order to shipped, pickup to collection, transit to delivery; backordered lines and lost parcels left out")
    func fromEvents() throws {
        var picture = RoutingWorld().picture
        var world = RoutingWorld()
        world.offer("sup-a", "LAMP", cost: "10.00", from: "PL", carriers: ["dhl"])
        world.offer("sup-a", "MUG", cost: "4.00", from: "PL", carriers: ["dhl"])
        picture = world.picture
        let a = Self.po("1", supplier: "sup-a", skus: ["LAMP", "MUG"], at: 0)
        picture.apply(a)
        picture.apply(Self.update(a, .backordered, skus: ["MUG"], at: 0.1))
        picture.apply(Self.update(a, .shipped, skus: ["LAMP"], tracking: "T1", at: 4))
        #expect(picture.learned.following.purchaseOrders == 1, "MUG is still open")
        picture.apply(Self.event(a, .pickedUp, tracking: "T1", at: 4.5))
        picture.apply(Self.event(a, .delivered, tracking: "T1", at: 7.5))
        picture.apply(Self.update(a, .shipped, skus: ["MUG"], tracking: "T2", at: 12))
        picture.apply(Self.event(a, .lost, tracking: "T2", at: 20))
        #expect(picture.learned.following == (0, 0), "everything shipped, delivered or lost")
        let now = Self.t0 + 20 * 86_400
        let stated = LogNormalDays(p50: 1, p90: 2)
        let handling = picture.learned.handling(supplier: "sup-a", stated: stated, at: now)
        #expect(handling.observations == 1, "the backordered MUG's wait is a restock's, not handling")
        #expect(picture.learned.handling["sup-a"]?.count == 1)
        #expect(abs(try #require(picture.learned.pickup["dhl"]).posterior(prior: stated, priorWeight: 0, at: now, halfLifeDays: 21).median - 0.5) < 0.01)
        let transit = picture.learned.transit(carrier: "dhl", origin: "PL", destination: "DE", stated: stated, at: now)
        #expect(transit.observations == 1 && transit.dataShare > 0.1 && transit.days.median > stated.median)

        // The topics read in another order (a replay reads one before another): the same lessons.
        var replayed = world.picture
        replayed.apply(Self.event(a, .pickedUp, tracking: "T1", at: 4.5))
        replayed.apply(Self.event(a, .delivered, tracking: "T1", at: 7.5))
        replayed.apply(Self.event(a, .lost, tracking: "T2", at: 20))
        replayed.apply(Self.update(a, .backordered, skus: ["MUG"], at: 0.1))
        replayed.apply(Self.update(a, .shipped, skus: ["LAMP"], tracking: "T1", at: 4))
        replayed.apply(Self.update(a, .shipped, skus: ["MUG"], tracking: "T2", at: 12))
        #expect(replayed.learned.early == 3, "the answers wait for their purchase order, the tracking for its shipment")
        replayed.apply(a)
        #expect(replayed.learned.early == 0 && replayed.learned.following == (0, 0))
        #expect(replayed.learned.handling == picture.learned.handling && replayed.learned.pickup == picture.learned.pickup
                && replayed.learned.transit == picture.learned.transit)
    }

    @Test("a supplier whose feed understates its handling is found out after a few orders, and the explanation says so")
    func lyingFeed() throws {
        var world = RoutingWorld()
        world.offer("sup-a", "LAMP", cost: "10.00", from: "PL", handling: (1, 2), carriers: ["dhl"])
        world.offer("sup-b", "LAMP", cost: "12.00", from: "PL", handling: (2, 3), carriers: ["dhl"])
        world.rate("dhl", .standard, "PL", "DE", base: "5.00", transit: (3, 4))
        let order = RoutingWorld.order([("LAMP", 1, "30.00")])
        #expect(world.decide(order).chosen?.name == "sup-a", "believed, the cheaper supplier wins")
        // sup-a ships each purchase order a week after it gets it.
        for i in 0..<6 {
            let po = Self.po("a\(i)", supplier: "sup-a", skus: ["LAMP"], at: -16 + Double(i))
            world.picture.apply(po)
            world.picture.apply(Self.update(po, .shipped, tracking: "TA\(i)", at: -16 + Double(i) + 7 + Double(i % 2)))
        }
        let outcome = world.decide(order)
        #expect(outcome.chosen?.name == "sup-b", "found out, it no longer keeps the promise")
        let runnerUp = try #require(outcome.ranked.first { $0.name == "sup-a" })
        #expect(runnerUp.shipments[0].handling.observations == 6 && runnerUp.shipments[0].handling.days.median > 3)
        let decision = RoutingMessages.decision(order: order, chosen: outcome.chosen!, ranked: outcome.ranked, binding: outcome.binding,
                                                revision: 1, at: RoutingWorld.now + 600, config: RoutingConfig())
        #expect(decision.explanation.summary.contains("sup-a handles in"), "\(decision.explanation.summary)")
        #expect(decision.explanation.summary.contains("not the 1 its feed states"), "\(decision.explanation.summary)")
        #expect(ContractSchema.routingDecision.validate(decision.json).isEmpty)
    }
}

extension LeadTimeLearningTests {
    @Test("a run of exceptions on a lane, as in a strike, degrades it within hours; it recovers as parcels flow again")
    func laneHealth() throws {
        var world = RoutingWorld()
        world.offer("sup-a", "LAMP", cost: "10.00", from: "PL", carriers: ["dhl", "ups"])
        world.rate("dhl", .standard, "PL", "DE", base: "5.00", transit: (3, 4))
        world.rate("ups", .standard, "PL", "DE", base: "6.00", transit: (3, 4))
        let order = RoutingWorld.order([("LAMP", 1, "30.00")])
        #expect(world.decide(order).chosen?.shipments.first?.lane.carrier == "dhl", "healthy, the cheaper carrier")
        // Six parcels collected by dhl in the last hours, each flagged a few hours later.
        for i in 0..<6 {
            let po = Self.po("s\(i)", supplier: "sup-a", skus: ["LAMP"], at: -2)
            world.picture.apply(po)
            world.picture.apply(Self.update(po, .shipped, tracking: "TS\(i)", at: -0.6 + Double(i) * 0.02))
            world.picture.apply(Self.event(po, .pickedUp, tracking: "TS\(i)", at: -0.5 + Double(i) * 0.02))
            var flagged = Self.event(po, .exception, tracking: "TS\(i)", at: -0.35 + Double(i) * 0.02)
            flagged.detail = "delayed: industrial action on the lane"
            world.picture.apply(flagged)
        }
        let health = world.picture.learned.laneHealth(carrier: "dhl", origin: "PL", destination: "DE", at: RoutingWorld.now)
        #expect(health.isDegraded && health.exceptionShare > 0.9, "\(health)")
        #expect(!world.picture.learned.laneHealth(carrier: "ups", origin: "PL", destination: "DE", at: RoutingWorld.now).isDegraded)
        // Six flagged, fading by half every 12 hours: about four by the decision, eight hours on.
        let struck = world.decide(order)
        #expect(struck.chosen?.shipments.first?.lane.carrier == "ups", "the struck lane is avoided")
        let decision = RoutingMessages.decision(order: order, chosen: struck.chosen!, ranked: struck.ranked, binding: struck.binding,
                                                revision: 1, at: RoutingWorld.now + 600, config: RoutingConfig())
        #expect(decision.explanation.summary.contains("; dhl PL→DE is degraded: 4 exceptions on about 4 recent parcels"), "\(decision.explanation.summary)")
        #expect(decision.explanation.summary.contains("(delayed: industrial action on the lane)"))

        // Two days on, the strike over: parcels are collected and delivered without exceptions.
        for i in 0..<10 {
            let po = Self.po("r\(i)", supplier: "sup-a", skus: ["LAMP"], at: 1)
            world.picture.apply(po)
            world.picture.apply(Self.update(po, .shipped, tracking: "TR\(i)", at: 1.5 + Double(i) * 0.02))
            world.picture.apply(Self.event(po, .pickedUp, tracking: "TR\(i)", at: 1.6 + Double(i) * 0.02))
        }
        let later = RoutingWorld.now + 2 * 86_400
        #expect(!world.picture.learned.laneHealth(carrier: "dhl", origin: "PL", destination: "DE", at: later).isDegraded)
        let recovered = RoutingDecider().decide(order, picture: world.picture, at: later)
        #expect(recovered.chosen?.shipments.first?.lane.carrier == "dhl", "recovered, the cheaper carrier again")
    }
}

extension LeadTimeLearningTests {
    @Test("the exception that turns a lane degraded is its failure, once a spell; a lane that recovers and fails again fails anew; a spell over re-routes nothing")
    func laneFailure() throws {
        var world = RoutingWorld()
        world.offer("sup-a", "LAMP", cost: "10.00", from: "PL", carriers: ["dhl"])
        let dhl = CarrierLane(carrier: "dhl", origin: "PL", destination: "DE")
        /// `count` parcels collected by dhl from `day`, a minute apart, and their exceptions an hour on.
        func parcels(_ prefix: String, _ count: Int, from day: Double) -> [ShipmentEvent] {
            (0..<count).map { i in
                let po = Self.po(prefix + "\(i)", supplier: "sup-a", skus: ["LAMP"], at: day - 1)
                world.picture.apply(po)
                world.picture.apply(Self.update(po, .shipped, tracking: prefix + "\(i)", at: day - 0.1))
                world.picture.apply(Self.event(po, .pickedUp, tracking: prefix + "\(i)", at: day + Double(i) / 1_440))
                var flagged = Self.event(po, .exception, tracking: prefix + "\(i)", at: day + (60 + Double(i)) / 1_440)
                flagged.detail = "delayed: industrial action"
                return flagged
            }
        }
        func failures(_ exceptions: [ShipmentEvent]) -> [LaneFailure?] {
            exceptions.map { event in
                world.picture.apply(event)
                return world.picture.learned.laneFailure(turnedBy: event)
            }
        }
        // Four exceptions on four parcels: each fades a little, so three weigh just under 3 and the fourth turns the lane.
        let first = failures(parcels("a", 4, from: 0))
        #expect(first.map { $0 != nil } == [false, false, false, true], "\(first)")
        let failure = try #require(first[3])
        #expect(failure.lane == dhl && failure.since == DateTimeFormat.epochSeconds(Self.time(63.0 / 1_440)) && failure.health.isDegraded)
        #expect(failure.health.lastDetail == "delayed: industrial action")
        #expect(world.picture.learned.laneFailure(turnedBy: Self.exception(at: 63)) == failure, "asked again for the same exception (a redelivery): the same failure")

        // Three days on, parcels flow without exceptions: the spell is over, and its failure with it.
        for i in 0..<10 {
            let po = Self.po("r\(i)", supplier: "sup-a", skus: ["LAMP"], at: 2)
            world.picture.apply(po)
            world.picture.apply(Self.update(po, .shipped, tracking: "R\(i)", at: 2.9))
            world.picture.apply(Self.event(po, .pickedUp, tracking: "R\(i)", at: 3 + Double(i) / 1_440))
        }
        #expect(!world.picture.learned.laneHealth(dhl, at: Self.t0 + 3 * 86_400).isDegraded)
        #expect(world.picture.learned.laneFailure(turnedBy: Self.exception(at: 63)) == nil, "a spell over: replaying its exception re-routes nothing")

        // A second strike: a new failure, from its own moment.
        let second = failures(parcels("b", 8, from: 4)).compactMap { $0 }
        #expect(second.count == 1 && second[0].lane == dhl && second[0].since > failure.since, "\(second)")
    }

    /// The exception of parcel `a3` above, `minutes` after the start.
    static func exception(at minutes: Double) -> ShipmentEvent {
        var event = event(po("a3", supplier: "sup-a", skus: ["LAMP"], at: -1), .exception, tracking: "a3", at: minutes / 1_440)
        event.detail = "delayed: industrial action"
        return event
    }
}

extension RoutingPicture {
    /// A supplier's answer, at its own time.
    mutating func apply(_ update: SupplierOrderUpdate) { apply(update, at: DateTimeFormat.epochSeconds(update.at)!) }
}
