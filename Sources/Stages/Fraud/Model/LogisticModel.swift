import Foundation

/// L2-regularized logistic regression on standardized features, fitted by Newton's method
/// (iteratively reweighted least squares): deterministic, no learning rate, converges in a
/// handful of full passes.
public struct LogisticModel: Sendable, Hashable {
    /// Per-feature mean and scale of the training rows; `z = (x - mean) / scale`.
    public var mean: [Double]
    public var scale: [Double]
    /// Weights on standardized features, and the intercept.
    public var weights: [Double]
    public var intercept: Double

    public init(mean: [Double], scale: [Double], weights: [Double], intercept: Double) {
        precondition(mean.count == scale.count && mean.count == weights.count)
        self.mean = mean
        self.scale = scale
        self.weights = weights
        self.intercept = intercept
    }

    /// Log-odds of `x` (uncalibrated).
    public func logit(_ x: [Double]) -> Double {
        var s = intercept
        for i in 0..<weights.count { s += weights[i] * (x[i] - mean[i]) / scale[i] }
        return s
    }

    /// Each feature's share of ``logit(_:)`` above the intercept: `w_i * z_i`.
    public func contributions(_ x: [Double]) -> [Double] {
        (0..<weights.count).map { weights[$0] * (x[$0] - mean[$0]) / scale[$0] }
    }

    /// Fits a model.
    /// - Parameters:
    ///   - rows: feature vectors, all of one length.
    ///   - labels: true for fraud.
    ///   - l2: penalty on the squared weights (not the intercept), relative to the mean loss.
    ///   - positiveWeight: weight of a positive row relative to a negative one (class imbalance).
    ///   - maxIterations: Newton steps at most; stops earlier once a step changes no weight by 1e-9.
    public static func fit(rows: [[Double]], labels: [Bool], l2: Double, positiveWeight: Double,
                           maxIterations: Int = 30) -> LogisticModel {
        precondition(rows.count == labels.count && !rows.isEmpty)
        let n = rows.count
        let d = rows[0].count
        var mean = [Double](repeating: 0, count: d)
        var scale = [Double](repeating: 0, count: d)
        for r in rows { for j in 0..<d { mean[j] += r[j] } }
        for j in 0..<d { mean[j] /= Double(n) }
        for r in rows { for j in 0..<d { scale[j] += (r[j] - mean[j]) * (r[j] - mean[j]) } }
        for j in 0..<d {
            let sd = (scale[j] / Double(n)).squareRoot()
            scale[j] = sd > 1e-9 ? sd : 1
        }
        // Design matrix with a leading 1 for the intercept, row-major.
        let p = d + 1
        var z = [Double](repeating: 0, count: n * p)
        for (i, r) in rows.enumerated() {
            z[i * p] = 1
            for j in 0..<d { z[i * p + j + 1] = (r[j] - mean[j]) / scale[j] }
        }
        let positives = labels.filter { $0 }.count
        let rawTotal = Double(n - positives) + Double(positives) * positiveWeight
        let unit = Double(n) / rawTotal
        let rowWeight = labels.map { ($0 ? positiveWeight : 1) * unit / Double(n) }

        var beta = [Double](repeating: 0, count: p)
        var hessian = [Double](repeating: 0, count: p * p)
        var gradient = [Double](repeating: 0, count: p)
        for _ in 0..<maxIterations {
            for k in 0..<(p * p) { hessian[k] = 0 }
            for k in 0..<p { gradient[k] = 0 }
            z.withUnsafeBufferPointer { zb in
                hessian.withUnsafeMutableBufferPointer { hb in
                    gradient.withUnsafeMutableBufferPointer { gb in
                        beta.withUnsafeBufferPointer { bb in
                            for i in 0..<n {
                                let base = i * p
                                var s = 0.0
                                for j in 0..<p { s += zb[base + j] * bb[j] }
                                let prob = 1 / (1 + exp(-s))
                                let c = rowWeight[i]
                                let residual = c * (prob - (labels[i] ? 1 : 0))
                                let curvature = c * max(prob * (1 - prob), 1e-12)
                                for j in 0..<p {
                                    let zj = zb[base + j]
                                    gb[j] += residual * zj
                                    let cz = curvature * zj
                                    if cz == 0 { continue }
                                    for k in j..<p { hb[j * p + k] += cz * zb[base + k] }
                                }
                            }
                        }
                    }
                }
            }
            for j in 1..<p {
                gradient[j] += l2 * beta[j]
                hessian[j * p + j] += l2
            }
            hessian[0] += 1e-9
            for j in 0..<p { for k in 0..<j { hessian[j * p + k] = hessian[k * p + j] } }
            let step = LinearAlgebra.solveSymmetric(hessian, gradient, size: p)
            var largest = 0.0
            for j in 0..<p {
                beta[j] -= step[j]
                largest = max(largest, abs(step[j]))
            }
            if largest < 1e-9 { break }
        }
        return LogisticModel(mean: mean, scale: scale, weights: Array(beta[1...]), intercept: beta[0])
    }
}
