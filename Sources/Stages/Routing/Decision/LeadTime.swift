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
/// then the carrier's transit, and on a customs lane, with some probability, a hold at customs.
/// Handling and transit are independent; the distribution of their sum is computed by summing
/// over handling in steps of ``step`` days (a discrete convolution).
public struct ShipmentLeadTime: Sendable, Hashable {
    public var handling: LogNormalDays
    public var transit: LogNormalDays
    /// Chance of a customs hold, and how long one lasts.
    public var customsHoldProbability: Double
    public var customsHold: LogNormalDays?

    /// The convolution's step, days.
    static let step = 0.25
    /// Handling beyond this many days is treated as this many (its probability is counted).
    static let horizon = 120.0

    public init(handling: LogNormalDays, transit: LogNormalDays, customsHoldProbability: Double = 0, customsHold: LogNormalDays? = nil) {
        self.handling = handling
        self.transit = transit
        self.customsHoldProbability = customsHold == nil ? 0 : min(max(customsHoldProbability, 0), 1)
        self.customsHold = customsHold
    }

    /// P(handling + transit (+ hold) <= days).
    public func cdf(_ days: Double) -> Double {
        guard days > 0 else { return 0 }
        var total = 0.0
        var previous = 0.0
        var h = Self.step
        while h <= min(days, Self.horizon) + Self.step / 2 {
            let upTo = handling.cdf(h)
            let mass = upTo - previous
            previous = upTo
            if mass > 1e-12 { total += mass * afterHandling(days - (h - Self.step / 2)) }
            h += Self.step
        }
        return min(max(total, 0), 1)
    }

    /// P(transit (+ hold) <= days).
    func afterHandling(_ days: Double) -> Double {
        guard days > 0 else { return 0 }
        let plain = transit.cdf(days)
        guard let hold = customsHold, customsHoldProbability > 0 else { return plain }
        var held = 0.0, previous = 0.0, c = 0.5
        while c <= days + 0.25 {
            let upTo = hold.cdf(c)
            held += (upTo - previous) * transit.cdf(days - (c - 0.25))
            previous = upTo
            c += 0.5
        }
        return (1 - customsHoldProbability) * plain + customsHoldProbability * held
    }

    /// The mean, days.
    public var meanDays: Double {
        handling.mean + transit.mean + customsHoldProbability * (customsHold?.mean ?? 0)
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
