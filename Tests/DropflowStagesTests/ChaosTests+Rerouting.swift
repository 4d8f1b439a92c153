import DropflowContract
import DropflowCore
import DropflowJSON
import DropflowKafka
import DropflowRouting

extension ChaosTests {
    /// Where a message sits on `orders.approved`: everything about one order is on one partition,
    /// and its owner decides in offset order, so what it had heard by a decision is what came
    /// before the decision's cause.
    struct Position: Comparable, CustomStringConvertible {
        let partition: Int32
        let offset: Int64

        static func < (a: Position, b: Position) -> Bool { (a.partition, a.offset) < (b.partition, b.offset) }
        var description: String { "\(partition)/\(offset)" }
    }

    /// The trace id of a message's `traceparent` (`00-<trace>-<span>-<flags>`). A stage's output
    /// continues its input's trace, so a routing decision shares its trace with the message on
    /// `orders.approved` it was decided on: the approved order, or a follow-up (each begins a
    /// trace of its own, from the answer, status or verdict that caused it), except the follow-ups
    /// of a ledger's refusals, which continue the trace of the decision whose lines it refused.
    static func trace(_ headers: [KafkaHeader]) -> String? {
        headers.string("traceparent")?.split(separator: "-").dropFirst().first.map(String.init)
    }

    /// A follow-up of routing's about an order it routed (`routing_update`, `routing_outage`,
    /// `routing_outsold`, `routing_lane`): its kind, its value and where it sits.
    struct FollowUp {
        let kind: String
        let value: JSONValue
        let at: Position

        /// A cause to re-route for: anything but a supplier's acceptance, shipment or confirmation
        /// of routing's own cancellation.
        var isCause: Bool {
            guard kind == "routing_update" else { return true }
            switch value["status"]?.stringValue {
            case "backordered", "rejected": return true
            case "cancelled": return value["reason"]?.stringValue != ChaosSuppliers.confirmation
            default: return false
            }
        }
    }

    /// One routing decision and its trace (``trace(_:)``).
    struct Decided {
        let decision: JSONValue
        let trace: String?
    }

    /// What the re-route checks found.
    struct Rerouting {
        /// Orders re-routed more often than they had causes.
        var tooMany: [String] = []
        /// Cancellations naming a line whose shipment routing had heard of.
        var shippedWithdrawn: [String] = []
        /// Decisions made after routing heard of a line's shipment that no longer assign it to its supplier.
        var shippedMoved: [String] = []
        /// Lines a supplier would not ship that its latest decision still assigns to it, though another supplier could surely take them.
        var failedKept: [String] = []
        /// Open lines of the supplier in outage that the latest decision still assigns to it, though another supplier could surely take them.
        var outageKept: [String] = []
        /// Lines that stayed with their supplier, no other surely able to take them, by cause.
        var stayed: [String: Int] = [:]
        /// Lines a supplier rejected or cancelled that no supplier is to ship any more (nobody else could).
        var dropped = 0
        /// Re-route decisions by cause (from `reroute_reason`).
        var byCause: [String: Int] = [:]
        /// Orders with a decision whose trace is on none of their messages on `orders.approved`.
        var untraced: [String] = []
        /// Orders whose shipments were not checked: a decision's cause is not known (a ledger's refusal).
        var unordered = 0

        var summary: String {
            "re-routes by cause: " + byCause.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
                + "; stayed for lack of another supplier with units to spare: " + (stayed.isEmpty ? "none"
                    : stayed.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
                + "; \(dropped) rejected or cancelled lines no supplier ships any more; "
                + "shipments checked against every later decision and cancellation in all orders but \(unordered)"
        }

        /// The cause a `reroute_reason` names (``RerouteCause/reason``).
        static func cause(of reason: String) -> String {
            let words = reason.split(separator: " ")
            if words.first?.hasSuffix("'s") ?? false { return "outsold" }
            if reason.contains(" is degraded") { return "lane_failure" }
            switch words.dropFirst().first {
            case "backordered": return "backordered"
            case "rejected": return "rejected"
            case "cancelled": return "cancelled_by_supplier"
            case "is": return "supplier_outage"
            default: return "other"
            }
        }
    }
}

extension ChaosTests.Outcomes {
    /// Whether `decision` assigns `sku` to `supplier`.
    static func assigns(_ decision: JSONValue?, _ supplier: String, _ sku: String) -> Bool {
        (decision?["assignments"]?.arrayValue ?? []).contains {
            $0["supplier_id"]?.stringValue == supplier && ($0["skus"]?.arrayValue ?? []).contains(.string(sku))
        }
    }

    /// Checks the re-routes against what the suppliers said (`suppliers`), the orders placed
    /// (`orders`) and the world's offers (`world`).
    func rerouting(_ suppliers: ChaosSuppliers.State, orders: [String: OrderPlaced], world: RoutingPicture) -> ChaosTests.Rerouting {
        var r = ChaosTests.Rerouting()
        let received = Dictionary(grouping: suppliers.received.values) { $0.purchaseOrder.orderID }
        // Units routing ever placed, by `supplier/sku`: more than its holds can ever have been.
        var placedUnits: [String: Int] = [:]
        for po in purchaseOrders.values.flatMap(\.values) where po["action"]?.stringValue != "cancel" {
            for line in po["lines"]?.arrayValue ?? [] {
                placedUnits[(po["supplier_id"]?.stringValue ?? "") + "/" + (line["sku"]?.stringValue ?? ""), default: 0] += line["quantity"]?.intValue ?? 0
            }
        }
        /// Suppliers that surely could have taken `units` of `sku` for `order` instead of `excluding`:
        /// not in outage, given that SKU by no decision of the order yet, offering more units than
        /// routing's purchase orders there ever asked for (whatever they held, enough was left),
        /// and with a lane to the customer (the routing decider, on the world's feeds, plans it).
        func takers(_ sku: String, _ units: Int, order: String, excluding: String) -> [String] {
            let tried = Set((history[order] ?? [:]).values.flatMap { decided in
                (decided.decision["assignments"]?.arrayValue ?? []).filter { ($0["skus"]?.arrayValue ?? []).contains(.string(sku)) }
                    .compactMap { $0["supplier_id"]?.stringValue }
            })
            let offering = world.suppliersBySKU[sku] ?? []
            let candidates = offering.filter { supplier in
                supplier != excluding && !tried.contains(supplier) && supplier != suppliers.outage
                    && (world.offer(supplier: supplier, sku: sku)?.availableQty ?? 0) - placedUnits[supplier + "/" + sku, default: 0] >= units
            }
            guard !candidates.isEmpty, var line = orders[order], var item = line.lines.first(where: { $0.sku == sku }) else { return [] }
            item.quantity = units
            line.lines = [item]
            let at = DateTimeFormat.epochSeconds(line.placedAt) ?? 0
            guard case .routed(let chosen, _, _) = RoutingDecider().decide(line, picture: world, at: at,
                                                                          excluding: Set(offering).subtracting(candidates)) else { return [] }
            return chosen.shipments.map(\.supplierID)
        }

        for (order, decisions) in history.sorted(by: { $0.key < $1.key }) {
            let followUps = heard[order] ?? []
            // Each decision with the `orders.approved` message it was decided on (nil when its
            // trace has several there: a ledger refused lines of the decision before).
            let revisions = decisions.mapValues { d in
                (decision: d.decision, cause: d.trace.flatMap { traces[order]?[$0] }.flatMap { $0.count == 1 ? $0[0] : nil })
            }
            let traced = decisions.values.allSatisfy { d in d.trace.map { traces[order]?[$0] != nil } ?? false }
            // Each cause re-routes at most once.
            let causes = Set(followUps.filter(\.isCause).map { JSONValue.object(["kind": .string($0.kind), "value": $0.value]) })
            let reroutes = revisions.filter { $0.key > 1 }.sorted { $0.key < $1.key }
            for (_, decided) in reroutes {
                r.byCause[ChaosTests.Rerouting.cause(of: decided.decision["reroute_reason"]?.stringValue ?? ""), default: 0] += 1
            }
            if reroutes.count > causes.count {
                r.tooMany.append("\(order): \(reroutes.count) re-routes (\(reroutes.map { $0.value.decision["reroute_reason"]?.stringValue ?? "-" })) "
                                 + "for \(causes.count) causes heard")
            }
            if !traced { r.untraced.append(order) }
            // A shipment routing heard of is final: no later decision moves it, no cancellation names it.
            // (Checked where every decision's cause is known: all but some orders a ledger refused lines of.)
            guard revisions.values.allSatisfy({ $0.cause != nil }) else {
                r.unordered += 1
                continue
            }
            var shipped: [String: (supplier: String, sku: String, at: ChaosTests.Position)] = [:]
            for f in followUps where f.kind == "routing_update" && f.value["status"]?.stringValue == "shipped" {
                guard let po = f.value["purchase_order_id"]?.stringValue, let supplier = f.value["supplier_id"]?.stringValue else { continue }
                let skus = f.value["skus"]?.arrayValue?.compactMap(\.stringValue)
                    ?? suppliers.received[po].map { Array($0.lines.keys) } ?? []
                for sku in skus where shipped[po + "/" + sku].map({ f.at < $0.at }) ?? true {
                    shipped[po + "/" + sku] = (supplier, sku, f.at)
                }
            }
            let decided = revisions.compactMap { revision, d in d.cause.map { (revision, d.decision, $0) } }.sorted { $0.2 < $1.2 }
            for (po, line) in shipped.sorted(by: { $0.key < $1.key }) {
                // Only a line its supplier still had when routing heard it shipped (not one withdrawn as it shipped).
                guard Self.assigns(decided.last { $0.2 < line.at }?.1, line.supplier, line.sku) else { continue }
                for (revision, decision, cause) in decided where line.at < cause && !Self.assigns(decision, line.supplier, line.sku) {
                    r.shippedMoved.append("\(order): revision \(revision) (decided at \(cause)) no longer assigns \(po), shipped "
                                          + "(heard at \(line.at)), to \(line.supplier)")
                }
            }
            for po in (purchaseOrders[order] ?? [:]).values where po["action"]?.stringValue == "cancel" {
                guard let id = po["purchase_order_id"]?.stringValue, let revision = po["revision"]?.intValue,
                      let cause = revisions[revision]?.cause else { continue }
                for sku in (po["lines"]?.arrayValue ?? []).compactMap({ $0["sku"]?.stringValue }) {
                    if let line = shipped[id + "/" + sku], line.at < cause {
                        r.shippedWithdrawn.append("\(order): the cancellation of revision \(revision) (decided at \(cause)) withdraws "
                                                  + "\(sku) of \(id), shipped (heard at \(line.at))")
                    }
                }
            }
        }
        // What a supplier would not ship leaves it, unless nobody else could take it.
        let latest = decisions
        for failure in suppliers.failures.sorted(by: { ($0.orderID, $0.purchaseOrderID, $0.sku) < ($1.orderID, $1.purchaseOrderID, $1.sku) }) {
            let decision = latest[failure.orderID]
            guard Self.assigns(decision, failure.supplierID, failure.sku) else {
                // Moved, or, nobody else taking it, out of the decision (rejected or cancelled: it will not come).
                let anywhere = (decision?["assignments"]?.arrayValue ?? []).contains { ($0["skus"]?.arrayValue ?? []).contains(.string(failure.sku)) }
                if !anywhere { r.dropped += 1 }
                continue
            }
            let lines = suppliers.received[failure.purchaseOrderID]?.lines ?? [:]
            let others = takers(failure.sku, lines[failure.sku] ?? 1, order: failure.orderID, excluding: failure.supplierID)
            if others.isEmpty {
                r.stayed[failure.status.rawValue, default: 0] += 1
            } else {
                r.failedKept.append("\(failure.orderID): \(failure.supplierID) \(failure.status.rawValue) \(failure.sku) of \(failure.purchaseOrderID) "
                                    + "(\(lines.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: ", "))) is still its in the "
                                    + "latest decision (revision \(decision?["revision"]?.intValue ?? 0)), though \(others) could take it")
            }
        }
        // The supplier in outage keeps no open line another supplier could take.
        if let outage = suppliers.outage {
            for (order, decision) in latest.sorted(by: { $0.key < $1.key }) {
                for a in decision["assignments"]?.arrayValue ?? [] where a["supplier_id"]?.stringValue == outage {
                    let units = Dictionary((a["lines"]?.arrayValue ?? []).compactMap { l in
                        l["sku"]?.stringValue.map { ($0, l["quantity"]?.intValue ?? 1) }
                    }) { $0 + $1 }
                    for sku in (a["skus"]?.arrayValue ?? []).compactMap(\.stringValue) {
                        let at = (received[order] ?? []).filter { $0.purchaseOrder.supplierID == outage && $0.lines[sku] != nil }
                        guard !at.contains(where: { $0.shipped.contains(sku) }) else { continue }
                        let others = takers(sku, units[sku] ?? 1, order: order, excluding: outage)
                        if others.isEmpty {
                            r.stayed["outage", default: 0] += 1
                        } else {
                            r.outageKept.append("\(order): revision \(decision["revision"]?.intValue ?? 0) still assigns \(sku) to \(outage) "
                                                + "(in outage; \(at.isEmpty ? "never placed there" : "placed, not shipped")), though \(others) could take it")
                        }
                    }
                }
            }
        }
        return r
    }
}
