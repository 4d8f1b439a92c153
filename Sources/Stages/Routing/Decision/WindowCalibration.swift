import DropflowContract
import DropflowCore
import Foundation

/// How the lead-time model's windows have fared against deliveries, by service level, to
/// calibrate the promised window by (conformalized quantile regression, asymmetric, in log
/// days: Romano, Patterson and Candès, 2019). Each purchase order's decision stated a band
/// [lo, hi] (the model's quantiles at ``RoutingConfig/windowConfidence``); its delivery after y
/// days gives two scores, ln y − ln lo and ln y − ln hi. To hold a share τ of deliveries, the
/// promised window runs from the model's band's lower end times e^(the (1 − τ)/2 quantile of the
/// first score) to its upper end times e^(the (1 + τ)/2 quantile of the second): a model too
/// quick moves both ends later, one too sure widens them, one right leaves them be.
///
/// Parcels still on their way are known to take longer than they have so far: their scores are
/// right-censored, and the quantiles come from the Kaplan–Meier estimate, so that a slow
/// lane's fast first deliveries do not pass for all of them. A window wider than the shipping
/// option's maximum is narrowed to the span of that width the calibrated distribution says
/// holds the most deliveries, and its `confidence` says what share that is.
public struct WindowCalibration: Sendable {
    public struct Settings: Sendable, Hashable {
        /// Decisions of the last this many days of event time calibrate the window.
        public var lookbackDays = 21.0
        /// Delivered shipments remembered per service level.
        public var capacity = 3_000
        /// Deliveries needed before the calibration is trusted (before: the model's own quantiles).
        public var minimum = 40

        public init() {}
    }

    /// What one purchase order's decision predicted: its band, in days from `at`.
    struct Prediction: Sendable {
        var at: Int64
        var lo: Double, hi: Double
        let level: String
        let orderID: String
    }

    public var settings: Settings
    /// Purchase orders not delivered yet, by id, and their ids by order.
    private var open: [String: Prediction] = [:]
    private var byOrder: [String: Set<String>] = [:]
    /// The first prediction of an order whose purchase order failed before a re-route placed
    /// its replacement: the replacement inherits it.
    private var failed: [String: Prediction] = [:]
    /// Service level → delivered shipments (decided at, both scores), a ring of ``Settings/capacity``, and its next slot.
    private var delivered: [String: [(at: Int64, low: Double, high: Double)]] = [:]
    private var next: [String: Int] = [:]
    /// Scores worked out, shared by copies (nil inside: known to be too few deliveries).
    private let cache = SharedAnswers<ScoreKey, WindowScores?>(limit: 64)

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// Purchase order `id` of `orderID`, decided at `seconds` for service `level`, with the model's
    /// band `lo`–`hi` days. A replacement of a failed purchase order inherits the first
    /// prediction: the promise was made then, and the re-route's delay is part of what it must hold.
    mutating func predicted(_ id: String, orderID: String, at seconds: Int64, lo: Double, hi: Double, level: String) {
        guard open[id] == nil, lo > 0, hi >= lo else { return }
        open[id] = failed.removeValue(forKey: orderID) ?? Prediction(at: seconds, lo: lo, hi: hi, level: level, orderID: orderID)
        byOrder[orderID, default: []].insert(id)
    }

    /// Whether `id`'s prediction is followed.
    func follows(_ id: String) -> Bool { open[id] != nil }

    /// Purchase order `id`'s first parcel delivered at `seconds`.
    mutating func delivered(_ id: String, at seconds: Int64) {
        guard let p = remove(id), seconds > p.at else { return }
        add(level: p.level, at: p.at, lo: p.lo, hi: p.hi, days: Double(seconds - p.at) / 86_400)
    }

    /// Purchase order `id`'s parcel was lost or returned: the order is not delivered in full, and
    /// tells nothing of the window.
    mutating func dropped(_ id: String) {
        _ = remove(id)
    }

    /// Purchase order `id` will not ship (backordered and withdrawn, rejected, cancelled): its
    /// order's replacement, placed before or after, inherits its prediction.
    mutating func failed(_ id: String) {
        guard let p = remove(id) else { return }
        let later = (byOrder[p.orderID] ?? []).filter { open[$0].map { $0.at > p.at } ?? false }
        if later.isEmpty {
            failed[p.orderID] = p
        } else {
            for other in later { open[other]?.at = p.at; open[other]?.lo = p.lo; open[other]?.hi = p.hi }
        }
    }

    private mutating func remove(_ id: String) -> Prediction? {
        guard let p = open.removeValue(forKey: id) else { return nil }
        byOrder[p.orderID]?.remove(id)
        if byOrder[p.orderID]?.isEmpty == true { byOrder[p.orderID] = nil }
        return p
    }

    /// Forgets predictions decided before `seconds`.
    mutating func forget(before seconds: Int64) {
        for (id, p) in open where p.at < seconds { _ = remove(id) }
        failed = failed.filter { $0.value.at >= seconds }
    }

    /// One shipment of `level`, decided at `seconds` with the band `lo`–`hi`, delivered after `days`.
    public mutating func add(level: String, at seconds: Int64, lo: Double, hi: Double, days: Double) {
        guard lo > 0, hi >= lo, days > 0 else { return }
        let entry = (at: seconds, low: log(days / lo), high: log(days / hi))
        var ring = delivered[level] ?? []
        if ring.count < settings.capacity {
            ring.append(entry)
        } else {
            let k = next[level, default: 0]
            ring[k] = entry
            next[level] = (k + 1) % settings.capacity
        }
        delivered[level] = ring
    }

    /// Shipments of `level` delivered, remembered.
    public func samples(_ level: String) -> Int { delivered[level]?.count ?? 0 }

    /// The scores of `level`'s shipments decided in the lookback before `seconds`, the ones
    /// still on their way censored at their elapsed time; nil until ``Settings/minimum`` are
    /// delivered. Worked out once an hour of event time.
    public func scores(_ level: String, at seconds: Int64) -> WindowScores? {
        let key = ScoreKey(level: level, hour: seconds / 3_600)
        if let known = cache[key] { return known }
        let since = seconds - Int64(settings.lookbackDays * 86_400)
        let done = (delivered[level] ?? []).filter { $0.at >= since && $0.at <= seconds }
        var answer: WindowScores?
        if done.count >= settings.minimum {
            let waiting = open.values.filter { $0.level == level && $0.at >= since && $0.at < seconds }
            let elapsed = waiting.map { (days: Double(seconds - $0.at) / 86_400, p: $0) }
            answer = WindowScores(
                low: KaplanMeier(observed: done.map(\.low), censored: elapsed.map { log($0.days / $0.p.lo) }),
                high: KaplanMeier(observed: done.map(\.high), censored: elapsed.map { log($0.days / $0.p.hi) }))
        }
        cache[key] = .some(answer)
        return answer
    }
}

/// The two scores' distributions (``WindowCalibration``).
public struct WindowScores: Sendable, Hashable {
    /// ln(delivered days / the band's lower end), and ln(delivered days / its upper end).
    public let low: KaplanMeier, high: KaplanMeier
    public init(low: KaplanMeier, high: KaplanMeier) {
        self.low = low
        self.high = high
    }
}

/// A distribution estimated from observed and right-censored values (Kaplan–Meier): a step
/// function; mass it cannot place (every value above the last observed one was censored) lies
/// beyond the last step, where ``quantile(_:)`` answers nil.
public struct KaplanMeier: Sendable, Hashable {
    /// Observed values, sorted, and the distribution function just after each.
    public let values: [Double]
    public let cdf: [Double]
    /// Observed and censored values it rests on, and the largest of all.
    public let observed: Int, censored: Int
    public let largest: Double

    public init(observed: [Double], censored: [Double]) {
        self.observed = observed.count
        self.censored = censored.count
        largest = (observed + censored).max() ?? 0
        // Sorted by value; at a tie, observed before censored (the usual convention).
        let all = (observed.map { ($0, true) } + censored.map { ($0, false) }).sorted { $0.0 != $1.0 ? $0.0 < $1.0 : ($0.1 && !$1.1) }
        var atRisk = all.count
        var survival = 1.0
        var values: [Double] = [], cdf: [Double] = []
        for (x, seen) in all {
            if seen {
                survival *= 1 - 1 / Double(atRisk)
                values.append(x)
                cdf.append(1 - survival)
            }
            atRisk -= 1
        }
        self.values = values
        self.cdf = cdf
    }

    /// The smallest observed value where the distribution reaches `p`; nil past the last step.
    public func quantile(_ p: Double) -> Double? {
        var lo = 0, hi = cdf.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if cdf[mid] < p - 1e-12 { lo = mid + 1 } else { hi = mid }
        }
        return lo < values.count ? values[lo] : nil
    }

    /// P(X ≤ x).
    public func probability(atMost x: Double) -> Double {
        var lo = 0, hi = values.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if values[mid] <= x { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? 0 : cdf[lo - 1]
    }
}

/// What window scores are worked out for: a service level, an hour of event time.
struct ScoreKey: Hashable, Sendable {
    let level: String
    let hour: Int64
}

/// A delivery window and how it was built.
public struct CalibratedWindow: Sendable, Hashable {
    /// Days from the decision.
    public var earliest: Double, latest: Double
    /// The share of deliveries such a window holds: of recent deliveries when calibrated, else
    /// the model's own.
    public var confidence: Double
    /// Deliveries the calibration rests on (0: the model's own quantiles).
    public var samples: Int
    /// Whether the shipping option's maximum width narrowed it.
    public var capped: Bool

    public var width: Double { latest - earliest }

    /// The window holding a share `coverage` of deliveries of `leadTime`, whose model band at
    /// `band` is calibrated by `scores` (nil: not enough yet, the model's own quantiles), at most
    /// `maxWidth` days wide.
    public static func make(_ leadTime: OrderLeadTime, band: Double, coverage: Double, scores: WindowScores?,
                            maxWidth: Double?) -> CalibratedWindow {
        let tail = (1 - coverage) / 2
        var earliest: Double, latest: Double
        var held: ((Double, Double) -> Double)?
        if let scores {
            let lo = max(leadTime.quantile((1 - band) / 2), 0.05), hi = leadTime.quantile((1 + band) / 2)
            earliest = lo * exp(scores.low.quantile(tail) ?? scores.low.largest)
            latest = hi * exp(scores.high.quantile(1 - tail) ?? scores.high.largest)
            // Deliveries between a and b, by the calibrated upper score (y = hi · e^score).
            held = { a, b in
                scores.high.probability(atMost: log(max(b, 1e-3) / hi)) - scores.high.probability(atMost: log(max(a, 1e-3) / hi))
            }
        } else {
            earliest = leadTime.quantile(tail)
            latest = leadTime.quantile(1 - tail)
        }
        var confidence = coverage
        var capped = false
        if let maxWidth, latest - earliest > maxWidth {
            let share = held ?? { a, b in leadTime.cdf(b) - leadTime.cdf(a) }
            // The span of that width holding the most.
            let steps = 64
            var best = (a: earliest, held: -1.0)
            for k in 0...steps {
                let a = earliest + (latest - maxWidth - earliest) * Double(k) / Double(steps)
                let h = share(a, a + maxWidth)
                if h > best.held { best = (a, h) }
            }
            earliest = best.a
            latest = best.a + maxWidth
            confidence = max(0, best.held)
            capped = true
        }
        return CalibratedWindow(earliest: max(0, earliest), latest: latest, confidence: confidence,
                                samples: scores?.high.observed ?? 0, capped: capped)
    }

    /// As the contract's `delivery_window`, from `seconds`.
    public func deliveryWindow(from seconds: Int64) -> DeliveryWindow {
        DeliveryWindow(earliest: DateTimeFormat.format(epochSeconds: seconds + Int64((earliest * 86_400).rounded())),
                       latest: DateTimeFormat.format(epochSeconds: seconds + Int64((latest * 86_400).rounded())),
                       confidence: (confidence * 1000).rounded() / 1000)
    }
}
