import Foundation

/// L2-regularized logistic regression on standardized features, fitted by Newton's method
/// (iteratively reweighted least squares): deterministic, no learning rate, converges in a
/// handful of full passes. Weights can be sign-constrained (the fraud features' directions by
/// default): a feature known to raise risk never gets a negative weight, one known to lower it
/// never a positive one.
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
    ///   - monotone: per feature, +1 keeps its weight >= 0, -1 keeps it <= 0, 0 leaves it free;
    ///     empty for no constraint, otherwise one entry per feature. The default is the fraud
    ///     vector's ``FraudFeature/monotoneConstraints``. The scales are positive, so a weight's
    ///     sign is the direction the raw feature moves the log-odds.
    ///
    /// With constraints, each Newton step minimizes the same quadratic model subject to the signs
    /// (an exact active-set solve: clamp the coordinate that would cross zero first, fix it at
    /// zero, re-solve on the free ones; free a fixed one whose gradient points back into its
    /// allowed side) and is taken only as far as the penalized loss does not grow. When the plain
    /// Newton step already respects every sign, it is taken as is.
    public static func fit(rows: [[Double]], labels: [Bool], l2: Double, positiveWeight: Double,
                           maxIterations: Int = 30, monotone: [Int] = FraudFeature.monotoneConstraints) -> LogisticModel {
        precondition(rows.count == labels.count && !rows.isEmpty)
        let n = rows.count
        let d = rows[0].count
        precondition(monotone.isEmpty || monotone.count == d,
                     "monotone has \(monotone.count) constraints for \(d) features (empty for none)")
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

        // Sign constraint per coefficient (the intercept, 0, is free).
        let sign = [0] + (monotone.isEmpty ? [Int](repeating: 0, count: d) : monotone.map { $0.signum() })
        let constrained = sign.contains { $0 != 0 }

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
            guard constrained else {
                var largest = 0.0
                for j in 0..<p {
                    beta[j] -= step[j]
                    largest = max(largest, abs(step[j]))
                }
                if largest < 1e-9 { break }
                continue
            }
            var target = (0..<p).map { beta[$0] - step[$0] }
            if !(0..<p).allSatisfy({ Double(sign[$0]) * target[$0] >= 0 }) {
                target = boundedNewtonStep(hessian: hessian, gradient: gradient, at: beta, sign: sign)
            }
            // Step towards the target (feasible, as both ends are) while the penalized loss grows.
            let before = penalizedLoss(beta, z: z, rowWeight: rowWeight, labels: labels, l2: l2)
            var t = 1.0
            var next = beta
            for _ in 0..<40 {
                for j in 0..<p {
                    next[j] = beta[j] + t * (target[j] - beta[j])
                    if Double(sign[j]) * next[j] < 0 { next[j] = 0 }
                }
                if penalizedLoss(next, z: z, rowWeight: rowWeight, labels: labels, l2: l2) <= before + 1e-12 * max(1, abs(before)) { break }
                t /= 2
                next = beta
            }
            var largest = 0.0
            for j in 0..<p { largest = max(largest, abs(next[j] - beta[j])) }
            beta = next
            if largest < 1e-9 { break }
        }
        return LogisticModel(mean: mean, scale: scale, weights: Array(beta[1...]), intercept: beta[0])
    }

    /// The minimizer of the Newton model `g·(b - β) + ½ (b - β)ᵀ H (b - β)` subject to
    /// `sign[k] * b[k] >= 0`, by a primal active-set method from the feasible `β`: solve on the
    /// free coordinates, stop at the first coordinate that would cross zero and fix it there;
    /// at the minimum of a face, free the fixed coordinate whose gradient pulls hardest into its
    /// allowed side, until none does. `H` is positive definite (L2), so this ends; it is exact
    /// and deterministic (ties go to the lowest index).
    static func boundedNewtonStep(hessian h: [Double], gradient g: [Double], at beta: [Double], sign: [Int]) -> [Double] {
        let p = beta.count
        var b = beta
        var fixed = (0..<p).map { sign[$0] != 0 && beta[$0] == 0 }
        // The model's gradient at b: g + H (b - β).
        func modelGradient() -> [Double] {
            (0..<p).map { j in
                var s = g[j]
                for k in 0..<p where b[k] != beta[k] { s += h[j * p + k] * (b[k] - beta[k]) }
                return s
            }
        }
        var atFaceMinimum = false
        for _ in 0..<(20 * p + 20) {
            let r = modelGradient()
            if !atFaceMinimum {
                let free = (0..<p).filter { !fixed[$0] }
                var sub = [Double](repeating: 0, count: free.count * free.count)
                for (a, j) in free.enumerated() { for (c, k) in free.enumerated() { sub[a * free.count + c] = h[j * p + k] } }
                let delta = LinearAlgebra.solveSymmetric(sub, free.map { -r[$0] }, size: free.count)
                // The longest step along delta that keeps every sign; the coordinate that stops it.
                var alpha = 1.0, blocking = -1
                for (a, k) in free.enumerated() where sign[k] != 0 && Double(sign[k]) * (b[k] + delta[a]) < 0 {
                    let ratio = max(0, b[k] / -delta[a])
                    if ratio < alpha { alpha = ratio; blocking = k }
                }
                for (a, k) in free.enumerated() {
                    b[k] += alpha * delta[a]
                    if sign[k] != 0 && Double(sign[k]) * b[k] < 0 { b[k] = 0 }
                }
                if blocking >= 0 {
                    b[blocking] = 0
                    fixed[blocking] = true
                } else {
                    atFaceMinimum = true
                }
                continue
            }
            // At a face's minimum: done unless a fixed coordinate wants back into its side.
            var release = -1, pull = -1e-12
            for k in 0..<p where fixed[k] && Double(sign[k]) * r[k] < pull {
                pull = Double(sign[k]) * r[k]
                release = k
            }
            if release < 0 { break }
            fixed[release] = false
            atFaceMinimum = false
        }
        return b
    }

    /// `Σ wᵢ · logloss(zᵢ·β) + l2/2 · Σ_{j≥1} β_j²`, the objective the fit minimizes.
    static func penalizedLoss(_ beta: [Double], z: [Double], rowWeight: [Double], labels: [Bool], l2: Double) -> Double {
        let p = beta.count
        var loss = 0.0
        z.withUnsafeBufferPointer { zb in
            for i in 0..<labels.count {
                var s = 0.0
                for j in 0..<p { s += zb[i * p + j] * beta[j] }
                // log(1 + e^s) - y s, without overflow.
                let softplus = s > 0 ? s + log1p(exp(-s)) : log1p(exp(s))
                loss += rowWeight[i] * (softplus - (labels[i] ? s : 0))
            }
        }
        for j in 1..<p { loss += l2 / 2 * beta[j] * beta[j] }
        return loss
    }
}
