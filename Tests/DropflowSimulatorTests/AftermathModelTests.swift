import DropflowCore
import DropflowJSON
import DropflowContract
import Testing
@testable import DropflowSimulator

/// Parcel journeys, the responder and customers' reaction rates.
@Suite struct AftermathModelTests {
    static let strike = CarrierStrike(carrier: nil, origin: "CN", destination: "US", start: start, end: start + .days(20),
                                      transitMultiplier: 3)
    static let world = World.generate(SimulationConfig(seed: 404, scenarios: [.carrierStrike(strike)]))

    static func journeys(_ lane: Lane, shippedAt: SimInstant, count: Int) -> [ParcelJourney] {
        (0..<count).map { n in
            world.journey(orderID: "ord-\(n)", supplierID: "sup-x", carrier: lane.carrier, trackingNumber: "T\(n)",
                          origin: lane.origin, destination: lane.destination, shippedAt: shippedAt,
                          seedKey: "\(lane.carrier)/\(lane.origin)/\(lane.destination)/T\(n)")
        }
    }

    /// Days from picked_up to delivered, read from the events, for parcels delivered at the
    /// first attempt without an exception (a strike's warning aside).
    static func transitDays(_ journeys: [ParcelJourney]) -> [Double] {
        journeys.compactMap { j in
            guard j.outcome == .delivered, !j.records.contains(where: {
                      $0.value?["status"] == "exception" && $0.value?["detail"]?.stringValue != World.strikeDetail }),
                  let pickup = j.records.first(where: { $0.value?["status"] == "picked_up" }),
                  let delivered = j.records.first(where: { $0.value?["status"] == "delivered" }) else { return nil }
            return (delivered.at - pickup.at).days
        }
    }

    @Test func journeysAreValidOrderedAndEndOnce() throws {
        let lanes = Self.world.network.lanes.filter { $0.customsHoldProbability > 0 }
        var outcomes: [ParcelOutcome: Int] = [:]
        var holds = 0
        for (i, lane) in lanes.prefix(40).enumerated() {
            for j in Self.journeys(lane, shippedAt: start + .days(Double(i % 5)), count: 50) {
                outcomes[j.outcome, default: 0] += 1
                let statuses = j.records.map { $0.value!["status"]!.stringValue! }
                #expect(statuses.first == "label_created" && statuses[1] == "picked_up")
                #expect(zip(j.records, j.records.dropFirst()).allSatisfy { $0.at <= $1.at })
                let terminal = statuses.filter { ["delivered", "lost", "returned_to_sender"].contains($0) }
                #expect(terminal.count == 1 && terminal[0] == statuses.last)
                if statuses.contains("customs_hold") { holds += 1 }
                for r in j.records {
                    #expect(ContractSchema.shipmentEvent.validate(r.value!) == [])
                    #expect(r.truth?["outcome"]?.stringValue == j.outcome.rawValue)
                }
            }
        }
        #expect((outcomes[.delivered] ?? 0) > 1_700)
        #expect((outcomes[.deliveredAfterRetry] ?? 0) > 20 && (outcomes[.returnedToSender] ?? 0) > 3 && (outcomes[.lost] ?? 0) > 3)
        #expect(holds > 20)
        let lane = lanes[0]
        #expect(Self.journeys(lane, shippedAt: start, count: 20) == Self.journeys(lane, shippedAt: start, count: 20))
    }

    /// Tolerance: p50 and p90 of picked-up-to-delivered days over 3,000 parcels on a lane
    /// without customs holds or strikes within ±10% of the lane's distribution.
    @Test func transitFollowsTheLanesDistribution() throws {
        let lane = try #require(Self.world.network.lanes.first {
            $0.customsHoldProbability == 0 && $0.origin != $0.destination && !($0.origin == "CN" && $0.destination == "US")
        })
        let days = Self.transitDays(Self.journeys(lane, shippedAt: start, count: 3_000))
        #expect(days.count > 2_700)
        #expect(within(quantile(days, 0.5), lane.transit.p50, 0.1), "p50 \(quantile(days, 0.5)) vs \(lane.transit.p50)")
        #expect(within(quantile(days, 0.9), lane.transit.p90, 0.1), "p90 \(quantile(days, 0.9)) vs \(lane.transit.p90)")
    }

    /// Tolerance: the median on a struck lane within ±15% of 3× the median after the strike.
    @Test func aStrikeSlowsItsLaneByItsMultiplier() throws {
        let lane = try #require(Self.world.network.lanes.first { $0.origin == "CN" && $0.destination == "US" })
        func median(_ at: SimInstant) -> Double {
            let js = Self.journeys(lane, shippedAt: at, count: 2_000).filter { $0.customsHoldDays == 0 }
            return quantile(Self.transitDays(js), 0.5)
        }
        let struck = median(start + .days(1))
        let normal = median(start + .days(30))
        #expect(within(struck / normal, 3, 0.15), "struck \(struck), normal \(normal)")
        // The carrier warns of the strike on every struck parcel, and only on those.
        func warned(_ at: SimInstant) -> Int {
            Self.journeys(lane, shippedAt: at, count: 200).filter { j in
                j.records.contains { $0.value?["detail"]?.stringValue == World.strikeDetail }
            }.count
        }
        #expect(warned(start + .days(1)) == 200 && warned(start + .days(30)) == 0)
        #expect(within(normal, lane.transit.p50, 0.1))
    }

    @Test func theResponderAnswersEachPurchaseOrderRevisionOnce() throws {
        let run = Simulation.run(SimulationConfig(seed: 12, orders: 300))
        let merchant = BaselineMerchant(world: run.world)
        let responder = WorldResponder(world: run.world)
        var pos: [SimRecord] = []
        for record in run {
            responder.observe(record)
            pos += merchant.purchaseOrders(for: record)
        }
        var total = 0
        var answers: [[SimRecord]] = []
        for po in pos {
            let first = responder.respond(toPurchaseOrder: po.value!, receivedAt: po.at)
            #expect(!first.isEmpty && first.allSatisfy { $0.at >= po.at })
            #expect(zip(first, first.dropFirst()).allSatisfy { $0.at <= $1.at })
            answers.append(first)
            #expect(responder.respond(toPurchaseOrder: po.value!, receivedAt: po.at + .hours(1)).isEmpty)
            #expect(responder.respond(toPurchaseOrder: po.value!, receivedAt: po.at).isEmpty)
            total += 1
        }
        // A function of the world and the purchase orders in their order (stock taken included).
        let again = WorldResponder(world: run.world)
        for record in run { again.observe(record) }
        #expect(pos.map { again.respond(toPurchaseOrder: $0.value!, receivedAt: $0.at) } == answers, "same purchase orders, same answers")
        #expect(responder.answered == pos.count && responder.duplicatesIgnored == 2 * pos.count)
        // A new revision is a new purchase order.
        var revised = pos[0].value!.objectValue!
        revised["revision"] = 2
        #expect(!responder.respond(toPurchaseOrder: .object(revised), receivedAt: pos[0].at + .hours(2)).isEmpty)
        #expect(responder.answered == total + 1)

        // Orders it never observed: supplier answers and parcels, no customers.
        let stranger = WorldResponder(world: run.world)
        var topics: Set<String> = []
        for po in pos { topics.formUnion(stranger.respond(toPurchaseOrder: po.value!, receivedAt: po.at).map(\.topic)) }
        #expect(topics == [SimRecord.Topic.supplierOrderUpdates, SimRecord.Topic.shipmentsEvents])
    }

    // MARK: - Reaction rates

    static let reactions = CustomerReactions(seed: 99)
    static let placedAt = start + .hours(9)

    static func facts(_ n: Int, category: String, pattern: String = "legit", language: String = "en-GB") -> OrderFacts {
        OrderFacts(orderID: "ord-\(n)", customerID: "cus-\(n)", language: language,
                   lines: [.init(sku: "SKU-\(n)", quantity: 1, category: category, title: "Cosy Thing", unitPrice: "19.90")],
                   placedAt: placedAt, shippingOption: "standard", pattern: pattern)
    }

    /// A parcel delivered on time and intact.
    static let onTime = ParcelJourney(records: [], outcome: .delivered, shippedAt: placedAt + .days(1),
                                      pickedUpAt: placedAt + .days(1.2), deliveredAt: placedAt + .days(5), endedAt: placedAt + .days(5),
                                      transitDays: 3.8, customsHoldDays: 0, customsHoldAt: nil, strikeMultiplier: 1, damaged: false,
                                      laneKnown: true)

    /// Tolerance: the share of returned lines over 4,000 on-time deliveries per category within
    /// ±3 standard errors (binomial) of ReactionRates; apparel returns are mostly wrong sizes
    /// (45% ± 6 points).
    @Test(arguments: ["apparel", "electronics", "home", "gift_cards"])
    func returnRatesFollowTheCategory(category: String) throws {
        let n = 4_000
        var returned = 0
        var reasons: [String: Int] = [:]
        for i in 0..<n {
            let out = Self.reactions.afterShipment(Self.facts(i, category: category), skus: ["SKU-\(i)"], journey: Self.onTime,
                                                   trackingNumber: "T\(i)")
            for r in out where r.topic == SimRecord.Topic.returnsRequested {
                returned += 1
                reasons[r.truth!["category"]!.stringValue!, default: 0] += 1
                #expect(r.at > Self.onTime.deliveredAt!)
                #expect(ContractSchema.returnRequested.validate(r.value!) == [])
            }
        }
        let p = ReactionRates().returnRate(category: category)
        let se = (p * (1 - p) / Double(n)).squareRoot()
        #expect(abs(Double(returned) / Double(n) - p) <= max(3 * se, 0.001), "\(category): \(returned)/\(n) vs \(p)")
        if category == "apparel" {
            #expect(abs(Double(reasons["wrong_size"] ?? 0) / Double(returned) - 0.45) <= 0.06)
        }
    }

    @Test func damagedAndLateParcelsRaiseReturnsAndInquiries() {
        let late = ParcelJourney(records: [], outcome: .delivered, shippedAt: Self.placedAt + .days(4),
                                 pickedUpAt: Self.placedAt + .days(4.2), deliveredAt: Self.placedAt + .days(16),
                                 endedAt: Self.placedAt + .days(16), transitDays: 11.8, customsHoldDays: 0, customsHoldAt: nil,
                                 strikeMultiplier: 1, damaged: false, laneKnown: true)
        let damaged = ParcelJourney(records: [], outcome: .delivered, shippedAt: Self.onTime.shippedAt, pickedUpAt: Self.onTime.pickedUpAt,
                                    deliveredAt: Self.onTime.deliveredAt, endedAt: Self.onTime.endedAt, transitDays: 3.8,
                                    customsHoldDays: 0, customsHoldAt: nil, strikeMultiplier: 1, damaged: true, laneKnown: true)
        func count(_ journey: ParcelJourney, _ predicate: (SimRecord) -> Bool) -> Int {
            (0..<2_000).reduce(0) { sum, i in
                sum + Self.reactions.afterShipment(Self.facts(i, category: "home"), skus: ["SKU-\(i)"], journey: journey,
                                                   trackingNumber: "T\(i)").filter(predicate).count
            }
        }
        let isReturn: (SimRecord) -> Bool = { $0.topic == SimRecord.Topic.returnsRequested }
        let isWISMO: (SimRecord) -> Bool = { $0.truth?["intent"] == "where_is_my_order" }
        #expect(count(late, isReturn) > count(Self.onTime, isReturn) + 60)
        #expect(count(late, isWISMO) > 500 && count(Self.onTime, isWISMO) < 100)
        #expect(count(damaged, isReturn) > 1_300)
        let conditions = (0..<500).flatMap { i in
            Self.reactions.afterShipment(Self.facts(i, category: "home"), skus: ["SKU-\(i)"], journey: damaged, trackingNumber: "T\(i)")
                .filter { $0.truth?["category"] == "damaged_in_transit" }.compactMap { $0.truth?["condition"]?.stringValue }
        }
        #expect(Double(conditions.filter { $0 == "damaged" }.count) / Double(conditions.count) > 0.8)
    }

    /// Tolerance: friendly fraudsters claim non-receipt of 90% ± 4 points of delivered parcels,
    /// always after the delivery; legitimate buyers never do.
    @Test func friendlyFraudClaimsNonReceiptAfterDelivery() {
        var claims = 0
        var withOrderID = 0
        for i in 0..<1_000 {
            let out = Self.reactions.afterShipment(Self.facts(i, category: "electronics", pattern: "friendly_fraud", language: "fr-FR"),
                                                   skus: ["SKU-\(i)"], journey: Self.onTime, trackingNumber: "T\(i)")
            #expect(!out.contains { $0.topic == SimRecord.Topic.returnsRequested })
            for claim in out where claim.truth?["claim"] == "non_receipt" {
                claims += 1
                #expect(claim.at > Self.onTime.deliveredAt! && claim.truth?["intent"] == "where_is_my_order")
                #expect(claim.value?["language"] == "fr-FR")
                if claim.value?["text"]?.stringValue?.contains("ord-\(i)") == true { withOrderID += 1 }
            }
            let legit = Self.reactions.afterShipment(Self.facts(i, category: "electronics"), skus: ["SKU-\(i)"], journey: Self.onTime,
                                                     trackingNumber: "T\(i)")
            #expect(!legit.contains { $0.truth?["claim"] != nil })
        }
        #expect(abs(Double(claims) / 1_000 - 0.9) <= 0.04)
        #expect(Double(withOrderID) / Double(claims) > 0.9, "the slot is filled (a typo may garble it)")
    }

    @Test func textsVaryAndFillTheirSlots() {
        var rng = SimRandom(seed: 3, stream: "text")
        for language in CustomerText.languages {
            for intent in InquiryIntent.allCases {
                let texts = (0..<40).map { _ in
                    CustomerText.inquiry(intent, orderID: "ord-00000042", title: "Cosy Lamp", days: 6, language: language, &rng)
                }
                #expect(Set(texts).count >= 10, "\(language) \(intent) varies")
                #expect(texts.allSatisfy { !$0.contains("{") && !$0.isEmpty })
                #expect(texts.contains { $0.contains("ord-00000042") || $0.contains("Cosy Lamp") || $0.lowercased().contains("order") })
            }
        }
        #expect(CustomerText.language(for: "de-DE") == "de" && CustomerText.language(for: "es-US") == "es")
        #expect(CustomerText.language(for: "it-IT") == "en" && CustomerText.language(for: nil) == "en")
    }
}
