import Foundation

/// What the demo prints at the end: where every order went, and how the pipeline did against
/// the simulator's truth.
public struct DemoReport: Sendable {
    public let outcomes: [String: DemoOutcome]
    /// The simulator's label of each order: fraud or not, and the pattern (`legit` when not).
    public let labels: [String: (fraud: Bool, pattern: String)]
    public let orders: Int

    public init(outcomes: [String: DemoOutcome], labels: [String: (fraud: Bool, pattern: String)], orders: Int) {
        self.outcomes = outcomes
        self.labels = labels
        self.orders = orders
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
        return lines.joined(separator: "\n")
    }
}
