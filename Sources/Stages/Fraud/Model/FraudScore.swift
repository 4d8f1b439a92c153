/// The model's answer for one order.
public struct FraudScore: Sendable, Hashable {
    /// Calibrated probability that the order is fraudulent, in [0, 1].
    public var probability: Double
    /// The calibrated log-odds behind it.
    public var logOdds: Double
    /// The features that moved the score most: those raising it first (largest first), then
    /// those lowering it (largest magnitude first).
    public var reasons: [FraudReason]

    public init(probability: Double, logOdds: Double, reasons: [FraudReason]) {
        self.probability = probability
        self.logOdds = logOdds
        self.reasons = reasons
    }
}
