import DropflowCore
import DropflowJSON

/// What one decision policy did to a set of labelled orders, counted against the truth: how
/// much fraud it caught (reviewed or declined), by pattern, how many good orders it held for a
/// person or declined, how many reviews a day it asked for, and what it cost the merchant
/// (``FraudCosts/realized(_:isFraud:order:)``, in the orders' currency, major units).
public struct PolicyOutcome: Sendable, Hashable {
    /// The patterns a screen can be expected to catch in any storefront: their orders carry
    /// evidence (stolen cards and card testing: failed checks, mismatched countries, bursts;
    /// account takeover: a new address and device on an old account; rings: reshippers and shared
    /// cards). Friendly fraud looks like a good order until the chargeback: a dispute problem,
    /// reported on its own line, not a screening target.
    public static let detectablePatterns: [String] = ["stolen_card", "card_testing", "account_takeover", "fraud_ring"]

    public var name: String
    public var orders = 0
    public var frauds = 0
    public var approved = 0
    public var reviewed = 0
    public var declined = 0
    /// Legitimate orders sent to a person, and declined.
    public var goodReviewed = 0
    public var goodDeclined = 0
    /// Frauds reviewed or declined.
    public var fraudCaught = 0
    /// Frauds and frauds caught per pattern (`unknown` when the history does not say).
    public var fraudsByPattern: [String: Int] = [:]
    public var caughtByPattern: [String: Int] = [:]
    /// What the decisions cost, summed over the orders.
    public var cost = 0.0
    /// The span of the orders in days (for reviews a day).
    public var days = 0.0

    public init(name: String) { self.name = name }

    /// Counts `actions[i]` on `rows[i]`; `days` is the time they cover (by default from the
    /// first to the last; give it for rows of several storefronts).
    public init(name: String, actions: [FraudAction], rows: some Collection<FeatureReplay.Row>, costs: FraudCosts,
                days: Double? = nil) {
        precondition(actions.count == rows.count)
        self.init(name: name)
        var first = Int64.max, last = Int64.min
        for (action, row) in zip(actions, rows) {
            orders += 1
            first = min(first, row.at)
            last = max(last, row.at)
            switch action {
            case .approve: approved += 1
            case .review: reviewed += 1
            case .decline: declined += 1
            }
            cost += costs.realized(action, isFraud: row.isFraud, order: row.economics)
            if row.isFraud {
                frauds += 1
                let pattern = row.pattern ?? "unknown"
                fraudsByPattern[pattern, default: 0] += 1
                if action != .approve {
                    fraudCaught += 1
                    caughtByPattern[pattern, default: 0] += 1
                }
            } else if action == .review {
                goodReviewed += 1
            } else if action == .decline {
                goodDeclined += 1
            }
        }
        self.days = days ?? (orders > 0 ? max(Double(last - first) / 86_400, 1.0 / 24) : 0)
    }

    /// What `policy` decides on `rows[i]` at probability `probabilities[i]` (value limit included).
    public init(name: String, policy: FraudPolicy, probabilities: [Double], rows: some Collection<FeatureReplay.Row>,
                days: Double? = nil) {
        let actions = zip(probabilities, rows).map { p, row in
            policy.decision(probability: p, order: row.economics, currency: row.currency).action
        }
        self.init(name: name, actions: actions, rows: rows, costs: policy.costs, days: days)
    }

    /// Share of fraud reviewed or declined.
    public var recall: Double { frauds > 0 ? Double(fraudCaught) / Double(frauds) : 0 }

    /// Recall on the given patterns together (nil when none of them occurs).
    public func recall(patterns: [String]) -> Double? {
        let n = patterns.reduce(0) { $0 + (fraudsByPattern[$1] ?? 0) }
        guard n > 0 else { return nil }
        return Double(patterns.reduce(0) { $0 + (caughtByPattern[$1] ?? 0) }) / Double(n)
    }

    /// Recall on ``detectablePatterns``.
    public var detectableRecall: Double? { recall(patterns: Self.detectablePatterns) }

    /// Legitimate orders.
    public var goodOrders: Int { orders - frauds }
    /// Share of legitimate orders held for a person or declined.
    public var goodHoldRate: Double { goodOrders > 0 ? Double(goodReviewed + goodDeclined) / Double(goodOrders) : 0 }
    /// Share of legitimate orders declined.
    public var goodDeclineRate: Double { goodOrders > 0 ? Double(goodDeclined) / Double(goodOrders) : 0 }
    public var costPerOrder: Double { orders > 0 ? cost / Double(orders) : 0 }
    public var reviewsPerDay: Double { days > 0 ? Double(reviewed) / days : 0 }

    /// One line: `expected cost   1.23/order  recall 0.81 (detectable 0.93)  good held 1.9% (declined 0.1%)  reviews 180/day`.
    public var line: String {
        let detectable = detectableRecall.map { " (detectable " + Self.fixed($0, 3) + ")" } ?? ""
        return Self.padded(name, 22) + Self.padded(Self.fixed(costPerOrder, 3), 8, left: true) + "/order  recall "
            + Self.fixed(recall, 3) + detectable + "  good held " + Self.percent(goodHoldRate) + " (declined "
            + Self.percent(goodDeclineRate) + ")  reviews " + Self.fixed(reviewsPerDay, 0) + "/day"
    }

    /// Recall by pattern, one line: `stolen_card 0.95 (40)  card_testing 1.00 (22)  ...`.
    public var patternLine: String {
        fraudsByPattern.keys.sorted().map { p in
            p + " " + Self.fixed(Double(caughtByPattern[p] ?? 0) / Double(fraudsByPattern[p]!), 2) + " (\(fraudsByPattern[p]!))"
        }.joined(separator: "  ")
    }

    public var json: JSONValue {
        func r(_ x: Double) -> JSONValue { .double((x * 1e6).rounded() / 1e6) }
        var byPattern: [String: JSONValue] = [:]
        for (p, n) in fraudsByPattern { byPattern[p] = ["frauds": .integer(Int64(n)), "caught": .integer(Int64(caughtByPattern[p] ?? 0))] }
        return [
            "name": .string(name), "orders": .integer(Int64(orders)), "frauds": .integer(Int64(frauds)),
            "approved": .integer(Int64(approved)), "reviewed": .integer(Int64(reviewed)), "declined": .integer(Int64(declined)),
            "good_reviewed": .integer(Int64(goodReviewed)), "good_declined": .integer(Int64(goodDeclined)),
            "recall": r(recall), "detectable_recall": detectableRecall.map(r) ?? .null, "good_hold_rate": r(goodHoldRate),
            "cost_per_order": r(costPerOrder), "reviews_per_day": r(reviewsPerDay), "by_pattern": .object(byPattern),
        ]
    }

    public static func fixed(_ x: Double, _ digits: Int) -> String {
        let scale = (0..<digits).reduce(1.0) { a, _ in a * 10 }
        let v = (x * scale).rounded() / scale
        guard digits > 0 else { return String(Int64(v)) }
        var s = String(v)
        if let dot = s.firstIndex(of: ".") {
            let have = s.distance(from: dot, to: s.endIndex) - 1
            if have < digits { s += String(repeating: "0", count: digits - have) }
        }
        return s
    }

    static func percent(_ x: Double) -> String { fixed(x * 100, 1) + "%" }

    static func padded(_ s: String, _ width: Int, left: Bool = false) -> String {
        let pad = String(repeating: " ", count: max(0, width - s.count))
        return left ? pad + s : s + pad
    }
}
