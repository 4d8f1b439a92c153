/// What to do with an order.
public enum FraudAction: String, Sendable, Hashable, CaseIterable {
    /// Let it through.
    case approve
    /// Hold it for a person to look at.
    case review
    /// Reject it.
    case decline
}
