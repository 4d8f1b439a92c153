import DropflowCore
import DropflowJSON
import DropflowContract

/// One reason behind a score: which feature, in words, and how far it moved the log-odds.
public struct FraudReason: Sendable, Hashable {
    /// The feature name, e.g. `card_shipping_country_mismatch`.
    public var code: String
    /// The reviewer-readable phrase, e.g. `card issued in NG but shipping to US`.
    public var detail: String
    /// Contribution in calibrated log-odds; positive raises the fraud probability.
    public var weight: Double

    public init(code: String, detail: String, weight: Double) {
        self.code = code
        self.detail = detail
        self.weight = weight
    }

    /// The contract's reason (as `orders.rejected` and `review.queue` carry it), the weight
    /// rounded to 3 decimals.
    public var reason: Reason {
        Reason(code: code, detail: detail, weight: (weight * 1_000).rounded() / 1_000)
    }
}
