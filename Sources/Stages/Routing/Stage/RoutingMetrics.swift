import CoreMetrics
import DropflowRouting
import Foundation

/// What an operator watches of routing, through swift-metrics (the worker's Prometheus
/// `/metrics`): decisions by outcome, re-routes by cause and their latency, oversells by
/// supplier, orders held waiting, and the lead times learned per supplier and lane for the
/// plans chosen.
final class RoutingMetrics: @unchecked Sendable {
    private let lock = NSLock()
    /// Handles made once per label and dimensions (looking one up per message is costly).
    private var handles: [String: AnyObject] = [:]

    private func handle<H: AnyObject>(_ label: String, _ dimensions: [(String, String)],
                                      _ make: (String, [(String, String)]) -> H) -> H {
        let key = label + dimensions.map { "|" + $0.1 }.joined()
        return lock.withLock {
            if let known = handles[key] as? H { return known }
            let made = make(label, dimensions)
            handles[key] = made
            return made
        }
    }

    private func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
        handle(label, dimensions) { Counter(label: $0, dimensions: $1) }
    }

    private func gauge(_ label: String, _ dimensions: [(String, String)]) -> Gauge {
        handle(label, dimensions) { Gauge(label: $0, dimensions: $1) }
    }

    /// `routed`, `held`, `rejected` (declined while held), `rerouted`, `reroute_impossible`.
    func decision(_ outcome: String) { counter("dropflow_routing_decisions_total", [("outcome", outcome)]).increment() }

    func reroute(_ cause: RerouteCause.Kind) { counter("dropflow_routing_reroutes_total", [("cause", cause.rawValue)]).increment() }

    /// From the moment a cause became known to its re-route, wall clock.
    func rerouteLatency(seconds: Double, cause: RerouteCause.Kind) {
        handle("dropflow_routing_reroute_latency_seconds", [("cause", cause.rawValue)]) { Timer(label: $0, dimensions: $1) }
            .recordNanoseconds(Int64(seconds * 1e9))
    }

    /// A purchase order of routing's answered `backordered`.
    func oversell(supplier: String) { counter("dropflow_routing_oversells_total", [("supplier", supplier)]).increment() }

    /// What a supplier's ledger did with a purchase order: `granted`, `partly_refused`, `refused`, or `backorder` (sent on knowingly).
    func reservation(_ outcome: String) { counter("dropflow_routing_reservations_total", [("outcome", outcome)]).increment() }

    /// Units held by purchase orders the feeds cannot show yet (every worker sees them all).
    func reservedUnits(_ units: Int) { gauge("dropflow_routing_reserved_units", []).record(units) }

    func heldWaiting(_ count: Int) { gauge("dropflow_routing_held_orders", []).record(count) }

    /// The learned median handling of each chosen supplier and transit of each chosen lane.
    func learned(_ plan: RoutingPlan) {
        for shipment in plan.shipments {
            gauge("dropflow_routing_learned_handling_days", [("supplier", shipment.supplierID)]).record(shipment.handling.days.median)
            gauge("dropflow_routing_learned_transit_days", [("lane", "\(shipment.lane.carrier)/\(shipment.origin)/\(shipment.lane.destination)")])
                .record(shipment.transit.days.median)
        }
    }
}
