import DropflowCore
import DropflowJSON

/// A model measured on one world's labelled orders: how well it ranks (ROC AUC, PR AUC), what
/// its policy and the comparison policies did (``PolicyOutcome``: cost, recall by pattern, good
/// orders held), and how well its probabilities are calibrated (``ReliabilityTable``).
///
/// The comparisons: approving everything, the hand-written rule baseline at its own points, and
/// the model's probabilities under the flag-rate thresholds (the rule before expected costs).
public struct FraudEvaluation: Sendable {
    /// What was measured, e.g. "held-out test split" or "shifted world".
    public var name: String
    /// Ranking and, at the policy's thresholds, the threshold metrics.
    public var metrics: FraudMetrics
    /// The model's policy first, then the comparisons.
    public var policies: [PolicyOutcome]
    public var reliability: ReliabilityTable

    /// The model's own policy.
    public var model: PolicyOutcome { policies[0] }

    /// Measures `model` (with its policy) on `rows`, already replayed in time order; `days` is
    /// the time they cover (by default from the first to the last).
    public init(name: String, model: FraudModel, rows: some Collection<FeatureReplay.Row>, days: Double? = nil) {
        self.name = name
        let probabilities = rows.map { model.probability($0.features) }
        let labels = rows.map(\.isFraud)
        let policy = model.policy
        metrics = FraudMetrics.evaluate(scores: probabilities, labels: labels, reviewAt: policy.reviewAt, declineAt: policy.declineAt)
        let costs = policy.costs
        let rules = RuleBaseline()
        let ruleActions = rows.map { rules.action(points: rules.points($0.features)) }
        let ruleName = policy.rule == .expectedCost ? "model, expected cost" : "model, thresholds"
        policies = [
            PolicyOutcome(name: ruleName, policy: policy, probabilities: probabilities, rows: rows, days: days),
            PolicyOutcome(name: "approve all", actions: rows.map { _ in .approve }, rows: rows, costs: costs, days: days),
            PolicyOutcome(name: "rule baseline", actions: ruleActions, rows: rows, costs: costs, days: days),
        ]
        if policy.rule == .expectedCost {
            var thresholds = policy
            thresholds.rule = .thresholds
            policies.append(PolicyOutcome(name: "model, flag-rate", policy: thresholds, probabilities: probabilities, rows: rows, days: days))
        }
        reliability = ReliabilityTable(probabilities: probabilities, labels: labels)
    }

    /// The evaluation for a terminal: ranking, each policy's costs and catches, recall by
    /// pattern, the reliability table.
    public var text: String {
        var lines = ["━━ \(name): \(metrics.rows) orders, \(metrics.frauds) frauds ━━",
                     "  ROC AUC \(PolicyOutcome.fixed(metrics.rocAUC, 3))  PR AUC \(PolicyOutcome.fixed(metrics.prAUC, 3))",
                     "  policy                  cost/order"]
        lines += policies.map { "  " + $0.line }
        lines.append("  recall by pattern (\(model.name)): " + model.patternLine)
        if let friendly = model.recall(patterns: ["friendly_fraud"]) {
            lines.append("  friendly fraud (a dispute problem, not a screening target): recall " + PolicyOutcome.fixed(friendly, 3))
        }
        lines.append("  reliability (predicted against observed fraud rate):")
        lines.append(reliability.text)
        return lines.joined(separator: "\n")
    }

    /// Another model (or this one told another fraud rate) on the same orders, in three lines to
    /// print under this world's ``text``: `heading` and the ranking, its policy's cost, catches
    /// and good orders held, and its recall by pattern.
    public func comparisonText(heading: String) -> String {
        ["  \(heading): ROC AUC \(PolicyOutcome.fixed(metrics.rocAUC, 3))  PR AUC \(PolicyOutcome.fixed(metrics.prAUC, 3))",
         "  " + model.line, "  recall by pattern (\(model.name)): " + model.patternLine].joined(separator: "\n")
    }

    public var json: JSONValue {
        [
            "name": .string(name), "metrics": metrics.json, "policies": .array(policies.map(\.json)),
            "reliability": reliability.json,
        ]
    }
}
