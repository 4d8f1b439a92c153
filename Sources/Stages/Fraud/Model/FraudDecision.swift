/// A decision on one order, with the score and the reasons a reviewer or the customer
/// service desk reads.
public struct FraudDecision: Sendable, Hashable {
    public var action: FraudAction
    public var score: FraudScore
    /// The score's reasons, preceded by the policy's own (e.g. the value limit) when it applied,
    /// and followed by the expected costs when the policy weighed them (`expected_cost`).
    public var reasons: [FraudReason]
    /// The expected cost of each action, when the policy decided by them.
    public var costs: ExpectedCosts?

    public init(action: FraudAction, score: FraudScore, reasons: [FraudReason], costs: ExpectedCosts? = nil) {
        self.action = action
        self.score = score
        self.reasons = reasons
        self.costs = costs
    }
}
