import DropflowContract
import DropflowCore
import DropflowJSON
import DropflowRouting
import DropflowSimulator

/// The upper bound of the routing report: among the plans the decider ranks for an order, the
/// one the truth says is best. It knows the suppliers' true stock and what earlier purchase
/// orders took, their true handling, and every parcel's true transit — the same draws the run
/// makes, since the world's answers are a function of the purchase order and the stock — and
/// picks the cheapest plan delivered in full by the promise, else the one delivered in full
/// soonest, else the decider's choice.
final class RoutingOracle {
    let world: World
    /// The promise by shipping option, days from placement.
    let promisedDays: [String: Double]
    /// Plans looked at per order (the decider's choice and the next ones it ranks).
    let candidates: Int
    private var responder: WorldResponder?
    /// What it foresaw for the plan it picked, by order: when the last unit arrives (nil: not in full).
    private(set) var foreseen: [String: SimInstant?] = [:]

    init(world: World, promisedDays: [String: Double] = ReactionRates().promisedDays, candidates: Int = 8) {
        self.world = world
        self.promisedDays = promisedDays
        self.candidates = candidates
    }

    func meet(_ responder: WorldResponder) { self.responder = responder }

    /// What `plan` would really bring for `order` if sent at `seconds`: delivered in full, when
    /// the last unit arrives.
    func outcome(of plan: RoutingPlan, order: OrderPlaced, at seconds: Int64) -> (inFull: Bool, completion: SimInstant?) {
        guard let responder else { return (false, nil) }
        var ledger = responder.ledger
        let at = SimInstant(seconds: seconds)
        var inFull = true
        var completion: SimInstant?
        for po in RoutingMessages.purchaseOrders(order: order, plan: plan, revision: 1, at: seconds) {
            guard let supplier = world.supplier(id: po.supplierID) else { return (false, nil) }
            var shipped: Set<String> = []
            for record in world.answer(purchaseOrder: po.json, at: at, stock: responder.stock, ledger: &ledger) {
                guard let v = record.value, v["status"]?.stringValue == "shipped", let carrier = v["carrier"]?.stringValue,
                      let tracking = v["tracking_number"]?.stringValue else { continue }
                let skus = v["skus"]?.arrayValue?.compactMap(\.stringValue) ?? po.lines.map(\.sku)
                let journey = world.journey(orderID: order.orderID, supplierID: po.supplierID, carrier: carrier, trackingNumber: tracking,
                                            origin: supplier.country, destination: order.shippingAddress.country, shippedAt: record.at,
                                            seedKey: po.purchaseOrderID + "/" + tracking)
                guard let delivered = journey.deliveredAt else { continue }
                shipped.formUnion(skus)
                completion = max(completion ?? delivered, delivered)
            }
            if !Set(po.lines.map(\.sku)).isSubset(of: shipped) { inFull = false }
        }
        return (inFull, inFull ? completion : nil)
    }

    /// The best of `chosen` and `ranked` by the truth.
    func pick(_ chosen: RoutingPlan, _ ranked: [RoutingPlan], order: OrderPlaced, at seconds: Int64) -> RoutingPlan {
        let placed = DateTimeFormat.epochSeconds(order.placedAt) ?? seconds
        let promise = SimInstant(seconds: placed) + .days(promisedDays[(order.shippingOption ?? .standard).rawValue] ?? 9)
        var plans = [chosen]
        for plan in ranked where plans.count < candidates && !plans.contains(plan) { plans.append(plan) }
        let judged = plans.map { ($0, outcome(of: $0, order: order, at: seconds)) }
        let picked = judged.filter { $0.1.inFull && $0.1.completion.map { $0 <= promise } == true }.min { $0.0.landedCost < $1.0.landedCost }
            ?? judged.filter { $0.1.completion != nil }.min { $0.1.completion! < $1.1.completion! }
            ?? judged[0]
        foreseen[order.orderID] = picked.1.completion
        return picked.0
    }
}
