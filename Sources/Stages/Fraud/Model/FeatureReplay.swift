/// Replays labelled orders in time order through a ``VelocityTracker``, exactly as the fraud
/// stage sees them: each order's history is taken before the order is recorded, and a chargeback
/// becomes known to the tracker only from its `chargebackAt` on.
public struct FeatureReplay: Sendable {
    /// One replayed order.
    public struct Row: Sendable {
        public var features: FraudFeatures
        public var isFraud: Bool
        public var at: Int64
        /// Order value in minor units.
        public var value: Double
        /// Value and categories, for the costs of a decision.
        public var economics: OrderEconomics
        /// The kind of fraud, when known.
        public var pattern: String?
        /// The order's currency.
        public var currency: String?

        public init(features: FraudFeatures, isFraud: Bool, at: Int64, value: Double, economics: OrderEconomics,
                    pattern: String? = nil, currency: String? = nil) {
            self.features = features
            self.isFraud = isFraud
            self.at = at
            self.value = value
            self.economics = economics
            self.pattern = pattern
            self.currency = currency
        }
    }

    /// Rows in time order (orders without an `order_id` are left out).
    public private(set) var rows: [Row] = []
    /// The tracker after the replay.
    public private(set) var tracker: VelocityTracker

    /// Replays `orders` (sorted here by time; ties keep their order).
    public init(_ orders: [LabelledOrder], horizonSeconds: Int64 = 30 * 86_400) {
        tracker = VelocityTracker(horizonSeconds: horizonSeconds)
        let sorted = orders.enumerated().sorted { $0.element.at != $1.element.at ? $0.element.at < $1.element.at : $0.offset < $1.offset }
            .map(\.element)
        // Chargebacks, by the time they become known.
        var pending: [(at: Int64, customer: String?, card: String?)] = []
        for o in sorted {
            guard let c = o.chargebackAt, let s = o.signal else { continue }
            pending.append((c, s.customerID, s.card))
        }
        pending.sort { $0.at < $1.at }
        var next = 0
        rows.reserveCapacity(sorted.count)
        for o in sorted {
            guard let signal = o.signal else { continue }
            while next < pending.count && pending[next].at <= signal.at {
                tracker.recordChargeback(customerID: pending[next].customer, card: pending[next].card, at: pending[next].at)
                next += 1
            }
            let history = tracker.history(for: signal, at: signal.at)
            rows.append(Row(features: o.features(history: history), isFraud: o.isFraud, at: signal.at,
                            value: signal.value, economics: o.economics, pattern: o.pattern, currency: o.order.currency))
            tracker.record(signal)
        }
    }
}
