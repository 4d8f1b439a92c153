/// How order intensity varies over the hours of a day (UTC, the store's clock): 24 factors whose
/// mean is 1, so `ordersPerDay` stays the daily average whatever the curve's shape.
public struct DailyRhythm: Sendable, Hashable {
    /// The factor of each hour 0–23 (mean 1).
    public let hourly: [Double]

    /// A rhythm from 24 relative weights (any positive scale; normalized to mean 1).
    public init(weights: [Double]) {
        precondition(weights.count == 24 && weights.allSatisfy { $0 >= 0 } && weights.contains { $0 > 0 },
                     "a daily rhythm has 24 non-negative weights, not all zero")
        let mean = weights.reduce(0, +) / 24
        hourly = weights.map { $0 / mean }
    }

    /// Quiet nights, a lunchtime bump and an evening peak.
    public static let ecommerce = DailyRhythm(weights: [
        0.35, 0.25, 0.18, 0.14, 0.13, 0.17, 0.30, 0.55, 0.85, 1.05, 1.20, 1.30,
        1.40, 1.35, 1.30, 1.30, 1.35, 1.45, 1.55, 1.70, 1.80, 1.65, 1.25, 0.75,
    ])

    /// The same intensity at every hour.
    public static let flat = DailyRhythm(weights: [Double](repeating: 1, count: 24))

    /// The factor at `instant`.
    public func factor(at instant: SimInstant) -> Double { hourly[instant.hourOfDay] }
}
