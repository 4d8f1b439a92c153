import Foundation

/// Platt scaling: `p = 1 / (1 + exp(-(a * s + b)))` for a raw log-odds score `s`, fitted on a
/// calibration split the model was not trained on. It undoes the class weighting of training and
/// any over- or under-confidence, so probabilities match observed fraud rates.
///
/// Its probabilities are right at the fraud rate of the orders it was fitted on (``fraudRate``).
/// A merchant whose own rate differs (a storefront with twice the fraud sees twice the odds at
/// every score) moves them there with ``shifted(toFraudRate:)``: the prior-shift correction,
/// which adds `logit(new rate) - logit(fitted rate)` to every log-odds.
public struct PlattCalibration: Sendable, Hashable {
    public var a: Double
    public var b: Double
    /// The fraud rate of the orders the calibration was fitted on; nil when not known (a model
    /// file written before it was recorded).
    public var fraudRate: Double?

    public init(a: Double = 1, b: Double = 0, fraudRate: Double? = nil) {
        self.a = a
        self.b = b
        self.fraudRate = fraudRate
    }

    /// The calibration for a storefront whose fraud rate is `rate` (0 < rate < 1); nil when the
    /// rate it was fitted at is not known.
    public func shifted(toFraudRate rate: Double) -> PlattCalibration? {
        guard let fitted = fraudRate, fitted > 0, fitted < 1, rate > 0, rate < 1 else { return nil }
        func logit(_ p: Double) -> Double { log(p / (1 - p)) }
        return PlattCalibration(a: a, b: b + logit(rate) - logit(fitted), fraudRate: rate)
    }

    /// Calibrated log-odds of raw score `s`.
    public func logOdds(_ s: Double) -> Double { a * s + b }

    /// Calibrated probability of raw score `s`.
    public func probability(_ s: Double) -> Double { 1 / (1 + exp(-logOdds(s))) }

    /// Fits `a` and `b` by Newton's method on the log loss, with Platt's smoothed targets
    /// (`(N+ + 1) / (N+ + 2)` and `1 / (N- + 2)`), which keep it finite on separable data.
    public static func fit(scores: [Double], labels: [Bool]) -> PlattCalibration {
        let positives = Double(labels.filter { $0 }.count)
        let negatives = Double(labels.count) - positives
        let hi = (positives + 1) / (positives + 2)
        let lo = 1 / (negatives + 2)
        var a = 1.0, b = 0.0
        for _ in 0..<100 {
            var ga = 0.0, gb = 0.0, haa = 1e-9, hab = 0.0, hbb = 1e-9
            for (s, y) in zip(scores, labels) {
                let p = 1 / (1 + exp(-(a * s + b)))
                let r = p - (y ? hi : lo)
                let w = max(p * (1 - p), 1e-12)
                ga += r * s
                gb += r
                haa += w * s * s
                hab += w * s
                hbb += w
            }
            let det = haa * hbb - hab * hab
            guard det > 0 else { break }
            let da = (hbb * ga - hab * gb) / det
            let db = (haa * gb - hab * ga) / det
            a -= da
            b -= db
            if abs(da) < 1e-10 && abs(db) < 1e-10 { break }
        }
        return PlattCalibration(a: a, b: b, fraudRate: labels.isEmpty ? nil : positives / Double(labels.count))
    }
}
