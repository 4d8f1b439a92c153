import DropflowContract
import DropflowCore
import DropflowPipeline
import Foundation

/// What routing sent for one order and what became of each part: what a re-route works from.
/// Built from the decision and its purchase orders, then kept up to date with the suppliers'
/// answers (``record(_:)``).
public struct RoutedOrder: Sendable, Hashable {
    /// One purchase order: its lines, and which of them shipped or ended.
    public struct Part: Sendable, Hashable {
        public var purchaseOrderID: String
        public var assignment: RoutingDecision.Assignment
        /// SKU → units asked for.
        public var lines: [String: Int]
        /// Lines the supplier shipped (final: never re-routed), unless they had ended before.
        public var shipped: Set<String> = []
        /// Lines that will not come from this supplier: rejected, cancelled, or withdrawn by a re-route.
        public var ended: Set<String> = []
        /// Where the supplier ships it from (nil in what was kept before routing stored it).
        public var origin: String?

        public var supplierID: String { assignment.supplierID }
        /// Lines neither shipped nor ended, with their units.
        public var open: [String: Int] { lines.filter { !shipped.contains($0.key) && !ended.contains($0.key) } }
    }

    public var order: OrderPlaced
    public var revision: Int
    public var parts: [Part]
    /// Causes already acted on (``RerouteCause/tag``): one re-route per cause, however often it is heard.
    public var causes: Set<String> = []

    /// The order as `decision` routed it with `purchaseOrders`, by the shipments of `plan`.
    public init(order: OrderPlaced, decision: RoutingDecision, purchaseOrders: [PurchaseOrder], plan: RoutingPlan) {
        self.order = order
        revision = decision.revision
        parts = Self.parts(purchaseOrders, of: decision.assignments, plan: plan)
    }

    /// A part for each purchase order placed, with the supplier's (first) assignment and the
    /// origin its shipment in `plan` leaves from.
    static func parts(_ purchaseOrders: [PurchaseOrder], of assignments: [RoutingDecision.Assignment], plan: RoutingPlan) -> [Part] {
        purchaseOrders.filter { $0.action != .cancel }.compactMap { po in
            guard let assignment = assignments.first(where: { $0.supplierID == po.supplierID }) else { return nil }
            return Part(purchaseOrderID: po.purchaseOrderID, assignment: assignment,
                        lines: Dictionary(po.lines.map { ($0.sku, $0.quantity) }, uniquingKeysWith: +),
                        origin: plan.shipments.first { $0.supplierID == po.supplierID }?.origin)
        }
    }

    /// Lines of purchase order `id` its supplier's ledger refused (they never reached the
    /// supplier): they end there, and the cause to re-route them for.
    public mutating func outsold(_ lines: OutsoldLines) -> RerouteCause? {
        guard let k = parts.firstIndex(where: { $0.purchaseOrderID == lines.purchaseOrderID }) else { return nil }
        let affected = Set(lines.skus).intersection(parts[k].open.keys)
        guard !affected.isEmpty else { return nil }
        parts[k].ended.formUnion(affected)
        return RerouteCause(kind: .outsold, supplierID: parts[k].supplierID, purchaseOrderID: lines.purchaseOrderID,
                            skus: affected.sorted(), detail: lines.detail)
    }

    /// The suppliers with lines not shipped yet, sorted.
    public var openSuppliers: [String] { Set(parts.filter { !$0.open.isEmpty }.map(\.supplierID)).sorted() }

    /// The lane `part` travels: its carrier, from its origin to the order's country (nil when
    /// its origin was not kept).
    public func lane(of part: Part) -> CarrierLane? {
        part.origin.map { CarrierLane(carrier: part.assignment.carrier, origin: $0, destination: order.shippingAddress.country) }
    }

    /// The lanes of the parts with lines not shipped yet, sorted.
    public var openLanes: [CarrierLane] { Set(parts.filter { !$0.open.isEmpty }.compactMap(lane(of:))).sorted() }

    /// Parts with something open at `supplierID`.
    public func openParts(of supplierID: String) -> [Part] { parts.filter { $0.supplierID == supplierID && !$0.open.isEmpty } }

    /// Reads a supplier's answer to one of this order's purchase orders; the cause to re-route
    /// for, if the answer is one (a backorder, a rejection, a cancellation the supplier made).
    public mutating func record(_ update: SupplierOrderUpdate) -> RerouteCause? {
        guard let id = update.purchaseOrderID, let k = parts.firstIndex(where: { $0.purchaseOrderID == id }) else { return nil }
        let named = update.skus.map(Set.init) ?? Set(parts[k].lines.keys)
        switch update.status {
        case .shipped:
            // Not lines that had ended (withdrawn by a re-route whose cancellation the shipment
            // crossed, refused by the ledger): they went elsewhere, and the decision has them there.
            parts[k].shipped.formUnion(named.intersection(parts[k].lines.keys).subtracting(parts[k].ended))
            return nil
        case .accepted:
            return nil
        case .backordered, .rejected, .cancelled:
            // Lines already shipped, or ended by routing itself (its own cancellation confirmed): nothing to do.
            let affected = named.intersection(parts[k].open.keys)
            guard !affected.isEmpty else { return nil }
            if update.status != .backordered { parts[k].ended.formUnion(affected) }
            let kind: RerouteCause.Kind = update.status == .backordered ? .backordered : update.status == .rejected ? .rejected : .cancelledBySupplier
            return RerouteCause(kind: kind, supplierID: parts[k].supplierID, purchaseOrderID: id, skus: affected.sorted(),
                                detail: update.reason)
        }
    }
}

/// Why part of an order must go elsewhere.
public struct RerouteCause: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case backordered, rejected
        case cancelledBySupplier = "cancelled_by_supplier"
        case outage = "supplier_outage"
        /// The supplier's ledger refused the lines before they reached it: earlier purchase
        /// orders took the last units (``SupplierLedger``).
        case outsold
        /// The carrier's lane failing before the parcel was handed over (``LaneFailure``).
        case laneFailure = "lane_failure"
    }

    public var kind: Kind
    /// The supplier whose parts it concerns; a lane failure's is empty: it concerns the parts
    /// on ``lane``, whoever ships them.
    public var supplierID: String
    /// The purchase order answered (nil for an outage or a lane failure: every open one concerned).
    public var purchaseOrderID: String?
    public var skus: [String]
    /// What the supplier said; for an outage or a lane failure, since when (RFC 3339).
    public var detail: String?
    /// The lane that failed (a lane failure's alone).
    public var lane: CarrierLane?

    public init(kind: Kind, supplierID: String, purchaseOrderID: String?, skus: [String], detail: String? = nil) {
        self.kind = kind
        self.supplierID = supplierID
        self.purchaseOrderID = purchaseOrderID
        self.skus = skus
        self.detail = detail
    }

    /// `lane` failing since `since` (the moment it was seen degraded, RFC 3339): every part on
    /// it with lines not handed over goes to another carrier or supplier.
    public static func laneFailure(_ lane: CarrierLane, since: String) -> RerouteCause {
        var cause = RerouteCause(kind: .laneFailure, supplierID: "", purchaseOrderID: nil, skus: [], detail: since)
        cause.lane = lane
        return cause
    }

    /// Identifies the cause, so that hearing it twice re-routes once. A spell of outage or of
    /// a lane's degradation is told apart by when it began: a second one is a new cause.
    public var tag: String {
        [kind.rawValue, lane?.key ?? supplierID, purchaseOrderID ?? "*", skus.joined(separator: ","), isSpell ? detail ?? "" : ""]
            .joined(separator: "/")
    }

    /// An outage or a lane failure: every open line of what it concerns moves, and the
    /// cause's supplier may still ship what is withdrawn (a cancellation tells it not to).
    var isSpell: Bool { kind == .outage || kind == .laneFailure }

    /// Whether `part` of `routed` is one the cause moves lines of.
    func concerns(_ part: RoutedOrder.Part, of routed: RoutedOrder) -> Bool {
        if let lane { return routed.lane(of: part) == lane }
        return part.supplierID == supplierID && (purchaseOrderID == nil || part.purchaseOrderID == purchaseOrderID)
    }

    /// The decision's `reroute_reason`.
    public var reason: String {
        let what = skus.isEmpty ? "" : " " + skus.joined(separator: ", ")
        switch kind {
        case .backordered: return "\(supplierID) backordered\(what)"
        case .rejected: return "\(supplierID) rejected\(what)" + (detail.map { ": " + $0 } ?? "")
        case .cancelledBySupplier: return "\(supplierID) cancelled\(what)" + (detail.map { ": " + $0 } ?? "")
        case .outage: return "\(supplierID) is in outage" + (detail.map { " since " + $0 } ?? "")
        case .outsold: return "\(supplierID)'s last units of\(what) went to earlier orders" + (detail.map { " (" + $0 + ")" } ?? "")
        case .laneFailure: return "\(lane?.name ?? "a lane") is degraded" + (detail.map { " since " + $0 } ?? "")
        }
    }
}

/// What a re-route decided.
public enum RerouteOutcome: Sendable {
    /// The new decision (revision + 1), the new purchase orders, and the cancellations of what
    /// it withdraws from the cause's supplier.
    case rerouted(decision: RoutingDecision, purchaseOrders: [PurchaseOrder], cancellations: [PurchaseOrder])
    /// Heard before, nothing open is affected, or (a lane failure) staying on the slower lane scores best.
    case nothing
    /// No other supplier can take the lines now (they stay where they are, or wait).
    case cannot([HoldReason])
}

extension RoutingDecider {
    /// Re-routes the lines `cause` affects, away from its supplier (for a lane failure, away
    /// from the failed carrier on that lane: the same supplier may ship them by another) and
    /// from every supplier that already failed those lines of this order, at `seconds`: a new plan for
    /// them (the promise counts from placement, so less of it is left), a decision of the next
    /// revision that keeps every other part, new purchase orders, and a cancellation to the
    /// cause's supplier for what it withdraws (not for lines it rejected or cancelled itself).
    /// When some of the lines have nowhere else to go, the others move all the same; those stay
    /// open where they are, or, when their supplier will not ship them, leave the decision.
    /// `routed` learns the cause and the new parts.
    public func reroute(_ routed: inout RoutedOrder, cause: RerouteCause, picture: RoutingPicture, at seconds: Int64) -> RerouteOutcome {
        guard !routed.causes.contains(cause.tag) else { return .nothing }
        routed.causes.insert(cause.tag)
        // The affected units, by part.
        var affected: [(part: Int, lines: [String: Int])] = []
        for (k, part) in routed.parts.enumerated() where cause.concerns(part, of: routed) {
            let ended = cause.kind == .rejected || cause.kind == .cancelledBySupplier || cause.kind == .outsold
            let candidates = ended ? part.lines.filter { cause.skus.contains($0.key) && !part.shipped.contains($0.key) } : part.open
            let lines = cause.isSpell ? candidates : candidates.filter { cause.skus.contains($0.key) }
            if !lines.isEmpty { affected.append((k, lines)) }
        }
        guard !affected.isEmpty else { return .nothing }
        var units: [String: Int] = [:]
        for a in affected { for (sku, n) in a.lines { units[sku, default: 0] += n } }
        var sub = routed.order
        sub.lines = routed.order.lines.compactMap { line in
            guard let n = units[line.sku] else { return nil }
            units[line.sku] = nil
            var copy = line
            copy.quantity = n
            return copy
        }
        // Away from the cause, and from every supplier that already failed these lines of this order.
        func placement(_ lines: OrderPlaced) -> RoutingOutcome {
            let skus = Set(lines.lines.map(\.sku))
            let failed = Set(routed.parts.filter { !$0.ended.isDisjoint(with: skus) }.map(\.supplierID))
            return decide(lines, picture: picture, at: seconds, excluding: cause.lane == nil ? failed.union([cause.supplierID]) : failed)
        }
        var outcome = placement(sub)
        // A failed lane still carries what stays on it, only slower (the picture counts its transit
        // so): the parts move only when a plan off that lane scores better than staying.
        if let lane = cause.lane, case .routed(let chosen, _, _) = outcome,
           chosen.shipments.contains(where: { CarrierLane(carrier: $0.lane.carrier, origin: $0.origin, destination: $0.lane.destination) == lane }) {
            return .nothing
        }
        // A line nobody else can take now does not keep the others from moving: it stays where it
        // is (ended, when the supplier said it will not ship it), and they go.
        if case .hold = outcome, cause.kind != .outsold, sub.lines.count > 1 {
            var movable = sub
            movable.lines = sub.lines.filter { line in
                var one = sub
                one.lines = [line]
                if case .routed = placement(one) { return true }
                return false
            }
            let partial = movable.lines.isEmpty ? outcome : placement(movable)
            if case .routed = partial {
                let moving = Set(movable.lines.map(\.sku))
                affected = affected.compactMap { a in
                    let lines = a.lines.filter { moving.contains($0.key) }
                    return lines.isEmpty ? nil : (a.part, lines)
                }
                sub = movable
                outcome = partial
            }
        }
        // Lines a ledger refused that nobody else has now: placed with that supplier all the same,
        // as a backorder (it ships them when it restocks), as they would have been without the ledger.
        if case .hold(let reasons) = outcome, cause.kind == .outsold,
           let plan = backorderPlan(sub, supplier: cause.supplierID, picture: picture, at: seconds) {
            let why = reasons.map(\.detail).joined(separator: "; ")
            outcome = .routed(chosen: plan, ranked: [plan],
                              binding: "no other supplier can take them now (\(why)): placed with \(cause.supplierID) as a backorder, shipped when it restocks")
        }
        guard case .routed(let chosen, let ranked, let binding) = outcome else {
            if case .hold(let reasons) = outcome { return .cannot(reasons) }
            return .cannot([])
        }
        let revision = routed.revision + 1
        var decision = RoutingMessages.decision(order: sub, chosen: chosen, ranked: ranked, binding: binding, revision: revision,
                                                rerouteReason: cause.reason, at: seconds, config: config, calibration: picture.learned.calibration)
        let purchaseOrders = RoutingMessages.purchaseOrders(order: sub, plan: chosen, revision: revision, at: seconds)
        // Withdraw the affected lines from their parts; cancel what the supplier may still ship.
        var cancellations: [PurchaseOrder] = []
        for a in affected {
            routed.parts[a.part].ended.formUnion(a.lines.keys)
            guard cause.kind == .backordered || cause.isSpell else { continue }
            let part = routed.parts[a.part]
            cancellations.append(PurchaseOrder(
                purchaseOrderID: part.purchaseOrderID, orderID: routed.order.orderID, supplierID: part.supplierID, revision: revision,
                lines: a.lines.sorted { $0.key < $1.key }.map { PurchaseOrder.Line(sku: $0.key, quantity: $0.value) },
                carrier: part.assignment.carrier, shipTo: routed.order.shippingAddress, at: DateTimeFormat.format(epochSeconds: seconds),
                action: .cancel))
        }
        // The decision names every part still expected, then the new ones.
        let kept = routed.parts.filter { !$0.shipped.union($0.open.keys).isEmpty }.map { part -> RoutingDecision.Assignment in
            var assignment = part.assignment
            let lines = part.lines.filter { part.shipped.contains($0.key) || part.open[$0.key] != nil }
            assignment.skus = lines.keys.sorted()
            assignment.lines = lines.sorted { $0.key < $1.key }.map { RoutingDecision.Assignment.Line(sku: $0.key, quantity: $0.value) }
            return assignment
        }
        let keptCost = kept.compactMap { MoneyAmount($0.cost)?.doubleValue }.reduce(0, +)
        let fresh = decision.assignments
        decision.assignments = kept + fresh
        if let later = kept.map(\.deliveryWindow.latest).max(), later > decision.deliveryWindow.latest {
            decision.deliveryWindow.latest = later
        }
        decision.totalCost = RoutingMessages.money(chosen.landedCost + keptCost)
        decision.expectedMargin = RoutingMessages.money(routed.order.revenue - chosen.landedCost - keptCost)
        decision.explanation.summary = "re-routed (\(cause.reason)): " + decision.explanation.summary
        routed.revision = revision
        routed.parts += RoutedOrder.parts(purchaseOrders, of: fresh, plan: chosen)
        return .rerouted(decision: decision, purchaseOrders: purchaseOrders, cancellations: cancellations)
    }
}

extension RoutedOrder {
    /// As routing keeps it in its store.
    public var state: RoutedOrderState {
        RoutedOrderState(order: order, revision: revision, parts: parts.map { part in
            RoutedOrderState.Part(purchaseOrderID: part.purchaseOrderID, assignment: part.assignment,
                                  lines: part.lines.sorted { $0.key < $1.key }.map { PurchaseOrder.Line(sku: $0.key, quantity: $0.value) },
                                  shipped: part.shipped.sorted(), ended: part.ended.sorted(), origin: part.origin)
        }, causes: causes.sorted())
    }

    public init(state: RoutedOrderState) {
        order = state.order
        revision = state.revision
        parts = state.parts.map { part in
            Part(purchaseOrderID: part.purchaseOrderID, assignment: part.assignment,
                 lines: Dictionary(part.lines.map { ($0.sku, $0.quantity) }, uniquingKeysWith: +),
                 shipped: Set(part.shipped), ended: Set(part.ended), origin: part.origin)
        }
        causes = Set(state.causes)
    }
}
