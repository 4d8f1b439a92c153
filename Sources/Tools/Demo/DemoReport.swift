import DropflowContract
import Foundation

/// What the demo prints at the end: where every order went, how the pipeline did against the
/// simulator's truth, and what routing made of the approved orders.
public struct DemoReport: Sendable {
    public let outcomes: [String: DemoOutcome]
    /// The simulator's label of each order: fraud or not, and the pattern (`legit` when not).
    public let labels: [String: (fraud: Bool, pattern: String)]
    public let orders: Int
    /// What routing did with each approved order it said something about.
    public let routing: [String: DemoRouting]
    /// Purchase orders routing sent.
    public let purchaseOrders: Int
    /// The simulated suppliers' answers to them, by status (`accepted`, `backordered`, ...).
    public let supplierAnswers: [String: Int]
    /// From each cause (a supplier's backorder, rejection or cancellation, an outage) to the
    /// re-route decision that answers it.
    public let rerouteLatency: DemoLatency

    public init(outcomes: [String: DemoOutcome], labels: [String: (fraud: Bool, pattern: String)], orders: Int,
                routing: [String: DemoRouting] = [:], purchaseOrders: Int = 0, supplierAnswers: [String: Int] = [:],
                rerouteLatency: DemoLatency = DemoLatency()) {
        self.rerouteLatency = rerouteLatency
        self.outcomes = outcomes
        self.labels = labels
        self.orders = orders
        self.routing = routing
        self.purchaseOrders = purchaseOrders
        self.supplierAnswers = supplierAnswers
    }

    /// The scored figures.
    public struct Figures: Sendable, Hashable {
        public var byOutcome: [String: Int] = [:]
        public var frauds = 0, legit = 0
        public var caught = 0, missed = 0, falseDeclines = 0, pendingFraud = 0
        public var missedPatterns: [String: Int] = [:]
    }

    public var figures: Figures {
        var f = Figures()
        for (id, o) in outcomes {
            f.byOutcome["\(o.kind.rawValue) by \(o.by)", default: 0] += 1
            guard let label = labels[id] else { continue }
            if label.fraud { f.frauds += 1 } else { f.legit += 1 }
            switch (o.kind, label.fraud) {
            case (.rejected, true): f.caught += 1
            case (.approved, true): f.missed += 1; f.missedPatterns[label.pattern, default: 0] += 1
            case (.rejected, false): f.falseDeclines += 1
            case (.review, true): f.pendingFraud += 1
            default: break
            }
        }
        return f
    }

    /// What routing made of the approved orders.
    public struct RoutingFigures: Sendable, Hashable {
        /// Orders the fraud phase approved.
        public var approved = 0
        /// Routed in the end; of them those routed after a hold, and those re-routed (a decision
        /// of a later revision, after a supplier backordered, rejected, cancelled or went down).
        public var routed = 0, routedAfterHold = 0, rerouted = 0
        /// Held by routing at some point; of them still held, and rejected by a person.
        public var held = 0, stillHeld = 0, rejectedAfterHold = 0
        /// Approved orders routing has said nothing about.
        public var noRoutingYet = 0
        /// Held orders per hold reason code.
        public var holdReasons: [String: Int] = [:]
        /// Routed orders shipped by more than one supplier, and by a lane with no published rate.
        public var split = 0, estimatedLanes = 0
    }

    public var routingFigures: RoutingFigures {
        var r = RoutingFigures()
        let approved = Set(outcomes.filter { $0.value.kind == .approved }.map(\.key))
        r.approved = approved.count
        for id in approved {
            guard let routing = routing[id] else { r.noRoutingYet += 1; continue }
            if let reasons = routing.holdReasons {
                r.held += 1
                for code in Set(reasons.map(\.code)) { r.holdReasons[code, default: 0] += 1 }
            }
            switch routing.state {
            case .routed:
                r.routed += 1
                if routing.wasHeld { r.routedAfterHold += 1 }
                if (routing.decision?.revision ?? 1) > 1 { r.rerouted += 1 }
                if routing.isSplit { r.split += 1 }
                if routing.usesEstimatedLane { r.estimatedLanes += 1 }
            case .held: r.stillHeld += 1
            case .rejected: r.rejectedAfterHold += 1
            }
        }
        return r
    }

    public var text: String {
        let f = figures
        var lines = ["", "━━ outcome of \(outcomes.count) of \(orders) orders ━━"]
        for (k, v) in f.byOutcome.sorted(by: { $0.key < $1.key }) {
            lines.append("  " + k.padding(toLength: 24, withPad: " ", startingAt: 0) + String(v))
        }
        lines.append("━━ against the simulator's truth ━━")
        lines.append("  fraudulent orders: \(f.frauds); caught (rejected): \(f.caught); missed (approved): \(f.missed); still in review: \(f.pendingFraud)")
        if !f.missedPatterns.isEmpty {
            lines.append("  missed by pattern: " + f.missedPatterns.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        lines.append("  legitimate orders: \(f.legit); wrongly rejected: \(f.falseDeclines)")
        lines.append("━━ a few decisions and why ━━")
        let samples = outcomes.filter { $0.value.by == "fraud" && !$0.value.reasons.isEmpty }.sorted { $0.key < $1.key }.prefix(3)
        for (id, o) in samples {
            lines.append("  \(id): \(o.kind.rawValue), score \(o.score.map { String(format: "%.3f", $0) } ?? "-"), truth: \(labels[id]?.pattern ?? "?")")
            for r in o.reasons.prefix(4) { lines.append("      · \(r)") }
        }
        lines += routingText
        return lines.joined(separator: "\n")
    }

    /// The routing part of the report.
    var routingText: [String] {
        let r = routingFigures
        var lines = ["━━ routing of the \(r.approved) approved orders ━━"]
        lines.append("  routed: \(r.routed) (\(r.routedAfterHold) after a hold, \(r.rerouted) re-routed); split across suppliers: \(r.split); "
                     + "on an estimated lane (no published rate): \(r.estimatedLanes)")
        var holds = "  held by routing: \(r.held)"
        if !r.holdReasons.isEmpty {
            holds += " (" + r.holdReasons.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
        }
        holds += "; still held: \(r.stillHeld); rejected by the reviewer: \(r.rejectedAfterHold)"
        lines.append(holds)
        if r.noRoutingYet > 0 { lines.append("  not yet routed nor held: \(r.noRoutingYet)") }
        var answers = "  purchase orders: \(purchaseOrders)"
        if supplierAnswers.isEmpty {
            answers += "; no supplier answers yet"
        } else {
            let order = ["accepted", "backordered", "rejected", "shipped", "cancelled"]
            let known = order.filter { supplierAnswers[$0] != nil }.map { "\($0) \(supplierAnswers[$0]!)" }
            let others = supplierAnswers.keys.filter { !order.contains($0) }.sorted().map { "\($0) \(supplierAnswers[$0]!)" }
            answers += "; supplier answers: " + (known + others).joined(separator: ", ")
        }
        lines.append(answers)
        let l = rerouteLatency
        if let w50 = DemoLatency.quantile(l.wall, 0.5), let w99 = DemoLatency.quantile(l.wall, 0.99),
           let e50 = DemoLatency.quantile(l.event, 0.5), let e99 = DemoLatency.quantile(l.event, 0.99) {
            lines.append(String(format: "  from cause to re-route (%d timed): wall clock p50 %.2f s, p99 %.2f s; event time p50 %.0f s, p99 %.0f s",
                                l.wall.count, w50, w99, e50, e99))
        }
        let samples = sampleDecisions
        if !samples.isEmpty { lines.append("━━ a few routing decisions ━━") }
        for (id, decision) in samples {
            let window = decision.deliveryWindow
            let confidence = window.confidence.map { String(format: " (%.0f%%)", $0 * 100) } ?? ""
            let cost = decision.totalCost.map { ", landed \($0) \(decision.currency ?? "")" } ?? ""
            lines.append("  \(id): \(decision.assignments.count) supplier\(decision.assignments.count == 1 ? "" : "s")\(cost), "
                         + "delivery \(window.earliest) – \(window.latest)\(confidence)")
            lines.append("      · \(decision.explanation.summary)")
        }
        let waiting = routing.filter { $0.value.state == .held }.sorted { $0.key < $1.key }.first
        if let (id, h) = waiting, let reason = h.holdReasons?.first {
            lines.append("  \(id): held, \(reason.code): \(reason.detail)")
        }
        return lines
    }

    /// One decision shipped by one supplier and one split (when there is one), first by order id.
    var sampleDecisions: [(String, RoutingDecision)] {
        let routed = routing.compactMap { id, r in r.state == .routed ? r.decision.map { (id, $0) } : nil }.sorted { $0.0 < $1.0 }
        return [routed.first { $0.1.assignments.count == 1 }, routed.first { $0.1.assignments.count > 1 }].compactMap { $0 }
    }
}
