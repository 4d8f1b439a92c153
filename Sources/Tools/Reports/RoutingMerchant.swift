import DropflowContract
import DropflowCore
import DropflowJSON
import DropflowRouting
import DropflowSimulator

/// Dropflow's routing as a merchant of the simulated world: it keeps the picture a routing
/// worker keeps (offers, statuses, carrier rates, suppliers' answers), decides each legitimate
/// order with ``RoutingDecider`` a little after it is placed (the pipeline's latency), publishes
/// the decision (`orders.routed`, whose window the tally judges) and its purchase orders, and
/// holds an order nothing can fill until a feed change lets it be filled — as the stage does.
/// It learns lead times from its own purchase orders, the answers and the parcels' tracking.
/// Fraudulent orders (by the truth) never reach it: routing sees approved orders.
struct RoutingMerchant: Merchant {
    let decider: RoutingDecider
    /// From placement to the routing decision: intake and fraud before it.
    let latency: SimDuration
    /// Whether it learns lead times from its purchase orders and their parcels (else the stated
    /// figures alone, as before learning).
    let learns: Bool
    private(set) var picture = RoutingPicture()
    /// Held orders by id, and the held ids by the SKUs they wait for.
    private var held: [String: (order: OrderPlaced, since: SimInstant)] = [:]
    private var heldBySKU: [String: Set<String>] = [:]
    private var seen: Set<String> = []
    /// Orders with something not shipped yet: what re-routes work from.
    private var routed: [String: RoutedOrder] = [:]
    /// Whether it re-routes when a supplier backorders, rejects, cancels or goes into outage.
    let reroutes: Bool
    private(set) var counts = Counts()

    struct Counts: Sendable {
        var routed = 0, held = 0, routedAfterHold = 0, split = 0, estimatedLane = 0, undecodable = 0
        /// The sum over routed orders of the chosen plan's P(on time): what the decider expected.
        var expectedOnTime = 0.0
        var holdReasons: [String: Int] = [:]
        /// Re-routes by cause, and causes no other supplier could take.
        var reroutes: [String: Int] = [:]
        var reroutesImpossible = 0
        /// Days each order routed after a hold waited.
        var waitedDays: [Double] = []
    }

    /// When set, the truth picks among the decider's plans (the report's upper bound).
    let oracle: RoutingOracle?

    init(decider: RoutingDecider, learns: Bool = true, reroutes: Bool = true, oracle: RoutingOracle? = nil,
         latency: SimDuration = .minutes(2)) {
        self.decider = decider
        picture = RoutingPicture(reservations: Reservations(expirySeconds: decider.config.reservationExpirySeconds))
        self.learns = learns
        self.reroutes = reroutes
        self.oracle = oracle
        self.latency = latency
    }

    mutating func meet(_ responder: WorldResponder) { oracle?.meet(responder) }

    mutating func react(to record: SimRecord) -> [SimRecord] {
        do {
            switch record.topic {
            case SimRecord.Topic.supplierOffers:
                picture.apply(offerKey: record.key ?? "", try record.value.map { try DropflowContract.SupplierOffer(json: $0) })
                let sku = record.key.flatMap { $0.split(separator: "/", maxSplits: 1).last.map(String.init) } ?? ""
                return retry(heldBySKU[sku] ?? [], at: record.at)
            case SimRecord.Topic.supplierStatus:
                guard let value = record.value else { return [] }
                let status = try SupplierStatus(json: value)
                picture.apply(status)
                var out = retry(Set(held.keys), at: record.at)
                if reroutes, status.status == .outage {
                    for id in routed.keys.sorted() where !(routed[id]?.openParts(of: status.supplierID).isEmpty ?? true) {
                        let cause = RerouteCause(kind: .outage, supplierID: status.supplierID, purchaseOrderID: nil, skus: [],
                                                 detail: status.updatedAt)
                        out += reroute(id, cause, at: record.at)
                    }
                }
                return out
            case SimRecord.Topic.carrierRates:
                picture.apply(rateKey: record.key ?? "", try record.value.map { try CarrierRate(json: $0) })
                return retry(Set(held.keys), at: record.at)
            case SimRecord.Topic.supplierOrderUpdates:
                guard let value = record.value else { return [] }
                let update = try SupplierOrderUpdate(json: value)
                picture.apply(update, at: record.at.seconds)
                guard var order = routed[update.orderID] else { return [] }
                let cause = order.record(update)
                routed[update.orderID] = order.parts.contains { !$0.open.isEmpty } ? order : nil
                guard reroutes, let cause else { return [] }
                return reroute(update.orderID, cause, at: record.at)
            case SimRecord.Topic.purchaseOrders:
                // Its own purchase orders hold their units until the feeds show them (always), and
                // time the suppliers (when it learns).
                if let value = record.value { picture.apply(try PurchaseOrder(json: value), learning: learns) }
                return []
            case SimRecord.Topic.shipmentsEvents:
                guard learns, let value = record.value else { return [] }
                let event = try ShipmentEvent(json: value)
                picture.apply(event)
                // An exception that turns its lane degraded moves the parts not handed over on it.
                guard reroutes, event.status == .exception, let failure = picture.learned.laneFailure(turnedBy: event) else { return [] }
                let cause = RerouteCause.laneFailure(failure.lane, since: DateTimeFormat.format(epochSeconds: failure.since))
                return routed.keys.sorted().filter { routed[$0]?.openLanes.contains(failure.lane) ?? false }
                    .flatMap { reroute($0, cause, at: record.at) }
            case "orders.routed":
                // Its own decisions: what each predicted, set against the deliveries to calibrate windows.
                if learns, let value = record.value { picture.apply(try RoutingDecision(json: value)) }
                return []
            case SimRecord.Topic.ordersPlaced:
                guard record.truth?["is_fraud"]?.boolValue != true, let value = record.value else { return [] }
                let order = try OrderPlaced(json: value)
                guard seen.insert(order.orderID).inserted else { return [] }
                return route(order, at: record.at + latency, first: true)
            default:
                return []
            }
        } catch {
            counts.undecodable += 1
            return []
        }
    }

    /// Held orders among `ids` that the picture now lets be filled, routed at `at`.
    private mutating func retry(_ ids: Set<String>, at: SimInstant) -> [SimRecord] {
        ids.sorted().flatMap { id in held[id].map { route($0.order, at: at, first: false) } ?? [] }
    }

    /// Re-routes what `cause` affects of `orderID`, a little after the cause was heard.
    private mutating func reroute(_ orderID: String, _ cause: RerouteCause, at heard: SimInstant) -> [SimRecord] {
        guard var order = routed[orderID] else { return [] }
        let at = heard + latency
        let outcome = decider.reroute(&order, cause: cause, picture: picture, at: at.seconds)
        routed[orderID] = order
        switch outcome {
        case .rerouted(let decision, let purchaseOrders, let cancellations):
            counts.reroutes[cause.kind.rawValue, default: 0] += 1
            let truth: JSONValue = ["source": "dropflow_routing", "reroute": .string(cause.kind.rawValue)]
            return [SimRecord(topic: "orders.routed", key: orderID, value: decision.json, truth: truth, at: at)]
                + (cancellations + purchaseOrders).map { SimRecord(topic: SimRecord.Topic.purchaseOrders, key: orderID, value: $0.json, truth: truth, at: at) }
        case .cannot:
            counts.reroutesImpossible += 1
            return []
        case .nothing:
            return []
        }
    }

    private mutating func route(_ order: OrderPlaced, at: SimInstant, first: Bool) -> [SimRecord] {
        switch decider.decide(order, picture: picture, at: at.seconds) {
        case .routed(let decided, let ranked, let binding):
            let chosen = oracle?.pick(decided, ranked, order: order, at: at.seconds) ?? decided
            if !first, let since = held.removeValue(forKey: order.orderID)?.since {
                counts.waitedDays.append(Double((at - since).seconds) / 86_400)
                for line in order.lines { heldBySKU[line.sku]?.remove(order.orderID) }
                counts.routedAfterHold += 1
            }
            counts.routed += 1
            counts.expectedOnTime += chosen.onTime
            if chosen.shipments.count > 1 { counts.split += 1 }
            if chosen.usesEstimatedLane { counts.estimatedLane += 1 }
            let decision = RoutingMessages.decision(order: order, chosen: chosen, ranked: ranked, binding: binding, revision: 1,
                                                    at: at.seconds, config: decider.config, calibration: learns ? picture.learned.calibration : nil)
            let truth: JSONValue = ["source": "dropflow_routing"]
            let purchaseOrders = RoutingMessages.purchaseOrders(order: order, plan: chosen, revision: 1, at: at.seconds)
            if reroutes { routed[order.orderID] = RoutedOrder(order: order, decision: decision, purchaseOrders: purchaseOrders, plan: chosen) }
            return [SimRecord(topic: "orders.routed", key: order.orderID, value: decision.json, truth: truth, at: at)]
                + purchaseOrders.map { SimRecord(topic: SimRecord.Topic.purchaseOrders, key: order.orderID, value: $0.json, truth: truth, at: at) }
        case .hold(let reasons):
            guard first else { return [] }
            counts.held += 1
            for reason in reasons { counts.holdReasons[reason.code, default: 0] += 1 }
            held[order.orderID] = (order, at)
            for line in order.lines { heldBySKU[line.sku, default: []].insert(order.orderID) }
            return []
        }
    }
}
