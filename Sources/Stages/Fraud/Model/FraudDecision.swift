/// A decision on one order, with the score and the reasons a reviewer or the customer
/// service desk reads.
public struct FraudDecision: Sendable, Hashable {
    public var action: FraudAction
    public var score: FraudScore
    /// The score's reasons, preceded by the policy's own (e.g. the value limit) when it applied.
    public var reasons: [FraudReason]

    public init(action: FraudAction, score: FraudScore, reasons: [FraudReason]) {
        self.action = action
        self.score = score
        self.reasons = reasons
    }
}
