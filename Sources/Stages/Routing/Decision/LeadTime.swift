import Foundation

/// A log-normal distribution of days, fitted to a stated median and 90th percentile: the shape
/// of handling and transit times (never negative, a long right tail).
public struct LogNormalDays: Sendable, Hashable {
    public var mu: Double
    public var sigma: Double

    /// The 90th percentile of a standard normal.
    static let z90 = 1.2815515655446004

    public init(mu: Double, sigma: Double) {
        self.mu = mu
        self.sigma = max(sigma, 1e-6)
    }

    /// The fit to a median `p50` and a 90th percentile `p90` (days). A p90 at or below the
    /// median (a feed that states one figure) gets the spread of `p90 = 1.5 × p50`; a median of
    /// zero (same-day) counts as a tenth of a day.
    public init(p50: Double, p90: Double) {
        let median = max(p50, 0.1)
        let tail = p90 > median ? p90 : median * 1.5
        self.init(mu: log(median), sigma: (log(tail) - log(median)) / Self.z90)
    }

    public var median: Double { exp(mu) }
    public var p90: Double { exp(mu + Self.z90 * sigma) }
    public var mean: Double { exp(mu + sigma * sigma / 2) }

    /// P(X <= days).
    public func cdf(_ days: Double) -> Double {
        guard days > 0 else { return 0 }
        return 0.5 * erfc(-(log(days) - mu) / (sigma * 2.0.squareRoot()))
    }
}

/// When one shipment arrives, in days from the moment it is ordered: the supplier's handling,
/// the wait for the carrier to collect the labelled parcel, then the carrier's transit, and on a
/// customs lane, with some probability, a hold at customs. They are independent: the
/// distribution of the sum is their convolution,
/// computed once on a grid of ``step`` days (each variable's mass put at the nearest grid point)
/// and kept as a table of the distribution function, so each question after is a lookup.
public struct ShipmentLeadTime: Sendable, Hashable {
    public let handling: LogNormalDays
    public let transit: LogNormalDays
    /// From the supplier's label to the carrier's collection (nil: none).
    public let pickup: LogNormalDays?
    /// Chance of a customs hold, and how long one lasts.
    public let customsHoldProbability: Double
    public let customsHold: LogNormalDays?
    /// P(arrival <= k × step), k = 0 ..< ``points``.
    private let table: [Double]

    /// The grid, days; beyond ``points`` × ``step`` (120 days) a parcel counts as not arrived.
    static let step = 0.25
    static let points = 480

    public init(handling: LogNormalDays, transit: LogNormalDays, pickup: LogNormalDays? = nil, customsHoldProbability: Double = 0,
                customsHold: LogNormalDays? = nil) {
        self.handling = handling
        self.transit = transit
        self.pickup = pickup
        let q = customsHold == nil ? 0 : min(max(customsHoldProbability, 0), 1)
        self.customsHoldProbability = q
        self.customsHold = customsHold
        var afterHandling = Self.masses(transit)
        if let customsHold, q > 0 {
            let held = Self.convolve(afterHandling, Self.masses(customsHold))
            afterHandling = zip(afterHandling, held).map { (1 - q) * $0 + q * $1 }
        }
        var beforeTransit = Self.masses(handling)
        if let pickup { beforeTransit = Self.convolve(beforeTransit, Self.masses(pickup)) }
        var cumulative = 0.0
        table = Self.convolve(beforeTransit, afterHandling).map { mass in
            cumulative += mass
            return min(cumulative, 1)
        }
    }

    /// A distribution's mass at each grid point (the mass within half a step of it).
    static func masses(_ d: LogNormalDays) -> [Double] {
        var out = Array(repeating: 0.0, count: points)
        var previous = 0.0
        for k in 0..<points {
            let upTo = d.cdf((Double(k) + 0.5) * step)
            out[k] = upTo - previous
            previous = upTo
            if 1 - upTo < 1e-12 { break }
        }
        return out
    }

    /// The masses of the sum of two independent variables given by their masses.
    static func convolve(_ a: [Double], _ b: [Double]) -> [Double] {
        var out = Array(repeating: 0.0, count: points)
        let lastA = a.lastIndex { $0 > 1e-14 } ?? 0, lastB = b.lastIndex { $0 > 1e-14 } ?? 0
        for i in 0...lastA where a[i] > 1e-14 {
            let ai = a[i]
            for j in 0...min(lastB, points - 1 - i) { out[i + j] += ai * b[j] }
        }
        return out
    }

    /// P(handling (+ pickup) + transit (+ hold) <= days), interpolated between grid points.
    public func cdf(_ days: Double) -> Double {
        guard days > 0 else { return 0 }
        // A point's mass stands for the half step around it.
        let x = days / Self.step - 0.5
        if x <= 0 { return table[0] * max(0, days / (Self.step / 2)) }
        let k = Int(x)
        if k >= Self.points - 1 { return table[Self.points - 1] }
        let f = x - Double(k)
        return table[k] * (1 - f) + table[k + 1] * f
    }

    /// The mean, days.
    public var meanDays: Double {
        handling.mean + (pickup?.mean ?? 0) + transit.mean + customsHoldProbability * (customsHold?.mean ?? 0)
    }

    public static func == (a: ShipmentLeadTime, b: ShipmentLeadTime) -> Bool {
        a.handling == b.handling && a.transit == b.transit && a.pickup == b.pickup && a.customsHoldProbability == b.customsHoldProbability
            && a.customsHold == b.customsHold
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(handling)
        hasher.combine(transit)
        hasher.combine(pickup)
        hasher.combine(customsHoldProbability)
        hasher.combine(customsHold)
    }
}

/// When a whole order has arrived: the last of its shipments (independent of one another).
public struct OrderLeadTime: Sendable, Hashable {
    public var shipments: [ShipmentLeadTime]

    public init(_ shipments: [ShipmentLeadTime]) { self.shipments = shipments }

    /// P(every shipment has arrived within `days`).
    public func cdf(_ days: Double) -> Double {
        shipments.reduce(1) { $0 * $1.cdf(days) }
    }

    /// The smallest day (to 0.01) by which the probability reaches `p`.
    public func quantile(_ p: Double) -> Double {
        var lo = 0.0, hi = 1.0
        while cdf(hi) < p && hi < 365 { hi *= 2 }
        for _ in 0..<40 where hi - lo > 0.01 {
            let mid = (lo + hi) / 2
            if cdf(mid) < p { lo = mid } else { hi = mid }
        }
        return hi
    }

    /// The mean of the last arrival, days (integrated from the distribution function).
    public var meanDays: Double {
        if shipments.count == 1 { return shipments[0].meanDays }
        var mean = 0.0, d = 0.0
        let step = 0.5
        while d < 365 {
            let survival = 1 - cdf(d + step / 2)
            if survival < 1e-4 && d > 1 { break }
            mean += survival * step
            d += step
        }
        return mean
    }
}
