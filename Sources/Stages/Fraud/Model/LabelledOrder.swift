import DropflowCore
import DropflowJSON
import DropflowContract

/// One order of history with its outcome: the `orders.placed` value, whether it turned out to be
/// fraud, when it was placed, and when it was charged back, if known.
public struct LabelledOrder: Sendable, Hashable {
    public var order: JSONValue
    public var isFraud: Bool
    /// `placed_at`, seconds since the epoch.
    public var at: Int64
    /// When the chargeback arrived (known to the tracker from then on), if any.
    public var chargebackAt: Int64?

    public init(order: JSONValue, isFraud: Bool, at: Int64, chargebackAt: Int64? = nil) {
        self.order = order
        self.isFraud = isFraud
        self.at = at
        self.chargebackAt = chargebackAt
    }

    /// A labelled order whose time is the order's `placed_at`; nil when that is missing or invalid.
    public init?(order: JSONValue, isFraud: Bool, chargebackAt: Int64? = nil) {
        guard let placed = order["placed_at"]?.stringValue, let at = DateTimeFormat.epochSeconds(placed) else { return nil }
        self.init(order: order, isFraud: isFraud, at: at, chargebackAt: chargebackAt)
    }
}
