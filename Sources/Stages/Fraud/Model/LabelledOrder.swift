import DropflowContract
import DropflowCore

/// One order of history with its outcome: the order, intake's computed value of it (when the
/// order went through intake), whether it turned out to be fraud, when it was placed, and when
/// it was charged back, if known.
public struct LabelledOrder: Sendable, Hashable {
    public var order: OrderPlaced
    /// Intake's `order_value` (lines and shipping), when known.
    public var computedValue: String?
    public var isFraud: Bool
    /// `placed_at`, seconds since the epoch.
    public var at: Int64
    /// When the chargeback arrived (known to the tracker from then on), if any.
    public var chargebackAt: Int64?
    /// The kind of fraud (`stolen_card`, `friendly_fraud`, ...), when the history says; nil for a
    /// legitimate order or an unnamed fraud.
    public var pattern: String?

    public init(order: OrderPlaced, computedValue: String? = nil, isFraud: Bool, at: Int64, chargebackAt: Int64? = nil,
                pattern: String? = nil) {
        self.order = order
        self.computedValue = computedValue
        self.isFraud = isFraud
        self.at = at
        self.chargebackAt = chargebackAt
        self.pattern = pattern
    }

    /// A labelled order whose time is the order's `placed_at`; nil when that is not a valid date-time.
    public init?(order: OrderPlaced, computedValue: String? = nil, isFraud: Bool, chargebackAt: Int64? = nil, pattern: String? = nil) {
        guard let at = DateTimeFormat.epochSeconds(order.placedAt) else { return nil }
        self.init(order: order, computedValue: computedValue, isFraud: isFraud, at: at, chargebackAt: chargebackAt, pattern: pattern)
    }

    /// What the order is worth and in which categories, for the costs of deciding it.
    public var economics: OrderEconomics { OrderEconomics(order: order, computedValue: computedValue) }

    /// The order's signal for the velocity tracker.
    public var signal: OrderSignal? { OrderSignal(order: order, computedValue: computedValue) }

    /// The order's features given `history`.
    public func features(history: OrderHistory) -> FraudFeatures {
        FraudFeatures(order: order, computedValue: computedValue, history: history)
    }
}
