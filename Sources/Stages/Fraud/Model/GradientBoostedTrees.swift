import DropflowCore
import DropflowJSON
import DropflowContract
import Foundation

/// Gradient-boosted regression trees on the log loss (second-order, as XGBoost does), grown
/// level by level on features pre-binned into at most 32 quantile bins. Deterministic: no
/// sampling, ties broken by feature and bin order.
///
/// Monotone constraints (``Parameters/monotone``, as XGBoost's `monotone_constraints`): the
/// ensemble's log-odds never decrease as a +1 feature grows, nor increase as a -1 feature grows,
/// whatever the other features are.
public struct GradientBoostedTrees: Sendable, Hashable {
    /// The starting log-odds.
    public let base: Double
    public let trees: [RegressionTree]
    /// Every tree's nodes in one array (children as absolute indices), for fast scoring.
    private let nodes: [FlatNode]
    private let roots: [Int]

    struct FlatNode: Sendable, Hashable {
        var feature: Int
        var threshold: Double
        var left: Int
        var right: Int
        var value: Double
    }

    public init(base: Double, trees: [RegressionTree]) {
        self.base = base
        self.trees = trees
        var nodes: [FlatNode] = []
        var roots: [Int] = []
        for t in trees {
            let offset = nodes.count
            roots.append(offset)
            for n in t.feature.indices {
                nodes.append(FlatNode(feature: t.feature[n], threshold: t.threshold[n], left: t.left[n] + offset,
                                      right: t.right[n] + offset, value: t.value[n]))
            }
        }
        self.nodes = nodes
        self.roots = roots
    }

    /// How the ensemble is grown.
    public struct Parameters: Sendable, Hashable {
        public var rounds = 80
        public var maxDepth = 3
        public var learningRate = 0.15
        /// L2 penalty on leaf values.
        public var lambda = 1.0
        /// Least hessian (weighted rows × p(1-p)) in a child.
        public var minChildWeight = 1.0
        public var bins = 32
        /// Per feature: +1 the log-odds may only rise with it, -1 only fall, 0 free (XGBoost's
        /// `monotone_constraints`). Empty: no constraint. Otherwise one entry per feature. The
        /// default is the fraud vector's ``FraudFeature/monotoneConstraints``.
        ///
        /// A split on a constrained feature is kept only if its children's Newton values go the
        /// right way (for +1: right child, `x > threshold`, at least the left one); every node
        /// carries bounds from its ancestors (after such a split at `mid = (wL + wR) / 2`, a +1
        /// split's left subtree is capped at `mid` and its right subtree floored at `mid`,
        /// mirrored for -1), and every node value is clamped to its bounds. So each tree, and the
        /// sum, is monotone in each constrained feature.
        public var monotone: [Int] = FraudFeature.monotoneConstraints

        public init() {}
    }

    /// Raw (uncalibrated) log-odds of `x`.
    public func logit(_ x: [Double]) -> Double {
        var s = base
        nodes.withUnsafeBufferPointer { nb in
            x.withUnsafeBufferPointer { xb in
                for root in roots {
                    var n = root
                    while nb[n].feature >= 0 { n = xb[nb[n].feature] <= nb[n].threshold ? nb[n].left : nb[n].right }
                    s += nb[n].value
                }
            }
        }
        return s
    }

    /// Per-feature contributions (Saabas) and the bias they add to: `bias + sum == logit(x)`.
    public func contributions(_ x: [Double]) -> (bias: Double, contributions: [Double]) {
        var c = [Double](repeating: 0, count: x.count)
        var bias = base
        for root in roots {
            bias += nodes[root].value
            var n = root
            while nodes[n].feature >= 0 {
                let next = x[nodes[n].feature] <= nodes[n].threshold ? nodes[n].left : nodes[n].right
                c[nodes[n].feature] += nodes[next].value - nodes[n].value
                n = next
            }
        }
        return (bias, c)
    }

    /// Fits an ensemble; `positiveWeight` as for
    /// ``LogisticModel/fit(rows:labels:l2:positiveWeight:maxIterations:monotone:)``. The
    /// constraints are `parameters.monotone` (the fraud features' directions by default).
    public static func fit(rows: [[Double]], labels: [Bool], positiveWeight: Double,
                           parameters p: Parameters = Parameters()) -> GradientBoostedTrees {
        precondition(rows.count == labels.count && !rows.isEmpty)
        let n = rows.count
        let d = rows[0].count
        precondition(p.monotone.isEmpty || p.monotone.count == d,
                     "monotone has \(p.monotone.count) constraints for \(d) features (empty for none)")
        let monotone = p.monotone.isEmpty ? [Int](repeating: 0, count: d) : p.monotone.map { $0.signum() }
        // Bin edges per feature: midpoints between distinct values, or quantiles when there are many.
        var edges: [[Double]] = []
        for j in 0..<d {
            var distinct = rows.map { $0[j] }.sorted()
            var unique: [Double] = []
            for v in distinct where unique.last != v { unique.append(v) }
            if unique.count <= p.bins {
                edges.append(zip(unique, unique.dropFirst()).map { ($0 + $1) / 2 })
            } else {
                var e: [Double] = []
                for k in 1..<p.bins {
                    let v = distinct[k * n / p.bins]
                    if e.last != v, v < unique.last! { e.append(v) }
                }
                edges.append(e)
            }
            distinct.removeAll()
        }
        let binCount = edges.map { $0.count + 1 }.max() ?? 1
        // Codes: how many edges lie below the value, row-major.
        var codes = [UInt8](repeating: 0, count: n * d)
        for (i, r) in rows.enumerated() {
            for j in 0..<d {
                let e = edges[j]
                var lo = 0, hi = e.count
                while lo < hi { let m = (lo + hi) / 2; if e[m] < r[j] { lo = m + 1 } else { hi = m } }
                codes[i * d + j] = UInt8(lo)
            }
        }
        let positives = labels.filter { $0 }.count
        let unit = Double(n) / (Double(n - positives) + Double(positives) * positiveWeight)
        let weight = labels.map { ($0 ? positiveWeight : 1) * unit }
        let wPos = zip(weight, labels).reduce(0.0) { $0 + ($1.1 ? $1.0 : 0) }
        let wAll = weight.reduce(0, +)
        let base = log(max(wPos, 1e-9) / max(wAll - wPos, 1e-9))
        var score = [Double](repeating: base, count: n)
        var g = [Double](repeating: 0, count: n)
        var h = [Double](repeating: 0, count: n)
        var trees: [RegressionTree] = []
        var nodeOf = [Int](repeating: 0, count: n)

        for _ in 0..<p.rounds {
            for i in 0..<n {
                let prob = 1 / (1 + exp(-score[i]))
                g[i] = weight[i] * (prob - (labels[i] ? 1 : 0))
                h[i] = weight[i] * max(prob * (1 - prob), 1e-12)
            }
            var feature = [-1], threshold = [0.0], left = [-1], right = [-1]
            var sumG = [g.reduce(0, +)], sumH = [h.reduce(0, +)]
            // Bounds on each node's (unscaled) Newton value, from the constrained splits above it.
            var lower = [-Double.infinity], upper = [Double.infinity]
            for i in 0..<n { nodeOf[i] = 0 }
            var active = [0]
            for _ in 0..<p.maxDepth where !active.isEmpty {
                var slot = [Int](repeating: -1, count: feature.count)
                for (s, node) in active.enumerated() { slot[node] = s }
                let stride = d * binCount
                var histG = [Double](repeating: 0, count: active.count * stride)
                var histH = [Double](repeating: 0, count: active.count * stride)
                codes.withUnsafeBufferPointer { cb in
                    histG.withUnsafeMutableBufferPointer { hg in
                        histH.withUnsafeMutableBufferPointer { hh in
                            for i in 0..<n {
                                let s = slot[nodeOf[i]]
                                if s < 0 { continue }
                                let base = s * stride
                                let gi = g[i], hi = h[i]
                                for j in 0..<d {
                                    let k = base + j * binCount + Int(cb[i * d + j])
                                    hg[k] += gi
                                    hh[k] += hi
                                }
                            }
                        }
                    }
                }
                var next: [Int] = []
                for (s, node) in active.enumerated() {
                    let G = sumG[node], H = sumH[node]
                    let lo = lower[node], hi = upper[node]
                    let parentGain = newton(G, H, p.lambda, lo, hi).gain
                    var best = (gain: 1e-9, feature: -1, bin: 0, gl: 0.0, hl: 0.0, wl: 0.0, wr: 0.0)
                    for j in 0..<d where !edges[j].isEmpty {
                        let c = monotone[j]
                        var gl = 0.0, hl = 0.0
                        for b in 0..<edges[j].count {
                            let k = s * stride + j * binCount + b
                            gl += histG[k]
                            hl += histH[k]
                            let gr = G - gl, hr = H - hl
                            guard hl >= p.minChildWeight, hr >= p.minChildWeight else { continue }
                            let l = newton(gl, hl, p.lambda, lo, hi), r = newton(gr, hr, p.lambda, lo, hi)
                            if (c > 0 && l.value > r.value) || (c < 0 && l.value < r.value) { continue }
                            let splitGain = l.gain + r.gain - parentGain
                            if splitGain > best.gain { best = (splitGain, j, b, gl, hl, l.value, r.value) }
                        }
                    }
                    guard best.feature >= 0 else { continue }
                    // Children inherit the bounds; a constrained split also separates them at mid.
                    var leftBounds = (lo, hi), rightBounds = (lo, hi)
                    let mid = (best.wl + best.wr) / 2
                    switch monotone[best.feature] {
                    case 1: leftBounds.1 = mid; rightBounds.0 = mid
                    case -1: leftBounds.0 = mid; rightBounds.1 = mid
                    default: break
                    }
                    lower += [leftBounds.0, rightBounds.0]
                    upper += [leftBounds.1, rightBounds.1]
                    let l = feature.count, r = l + 1
                    feature[node] = best.feature
                    threshold[node] = edges[best.feature][best.bin]
                    left[node] = l
                    right[node] = r
                    feature += [-1, -1]; threshold += [0, 0]; left += [-1, -1]; right += [-1, -1]
                    sumG += [best.gl, G - best.gl]; sumH += [best.hl, H - best.hl]
                    next += [l, r]
                }
                let splitBin = (0..<feature.count).map { feature[$0] >= 0 ? edgesIndex(edges[feature[$0]], threshold[$0]) : -1 }
                for i in 0..<n {
                    let node = nodeOf[i]
                    if feature[node] >= 0 {
                        nodeOf[i] = Int(codes[i * d + feature[node]]) <= splitBin[node] ? left[node] : right[node]
                    }
                }
                active = next
            }
            let value = (0..<feature.count).map { clamp(-sumG[$0] / (sumH[$0] + p.lambda), lower[$0], upper[$0]) * p.learningRate }
            let tree = RegressionTree(feature: feature, threshold: threshold, left: left, right: right, value: value)
            for i in 0..<n { score[i] += value[nodeOf[i]] }
            trees.append(tree)
        }
        return GradientBoostedTrees(base: base, trees: trees)
    }

    /// A node's Newton value `-G / (H + lambda)` clamped to `[lo, hi]`, and its loss reduction
    /// `-(2 G w + (H + lambda) w^2)` at that value (`G^2 / (H + lambda)` when not clamped).
    @inline(__always)
    private static func newton(_ g: Double, _ h: Double, _ lambda: Double, _ lo: Double, _ hi: Double) -> (value: Double, gain: Double) {
        let w = -g / (h + lambda)
        if w >= lo && w <= hi { return (w, g * g / (h + lambda)) }
        let c = clamp(w, lo, hi)
        return (c, -(2 * g * c + (h + lambda) * c * c))
    }

    /// `x` within `[lo, hi]`.
    @inline(__always)
    private static func clamp(_ x: Double, _ lo: Double, _ hi: Double) -> Double { min(max(x, lo), hi) }

    /// The bin index of an edge value.
    private static func edgesIndex(_ e: [Double], _ t: Double) -> Int {
        var lo = 0, hi = e.count
        while lo < hi { let m = (lo + hi) / 2; if e[m] < t { lo = m + 1 } else { hi = m } }
        return lo
    }

    var json: JSONValue {
        ["base": .double(base), "trees": .array(trees.map(\.json))]
    }

    init?(json: JSONValue, featureCount: Int) {
        guard let base = json["base"]?.doubleValue, let list = json["trees"]?.arrayValue else { return nil }  // model file format
        var trees: [RegressionTree] = []
        for t in list {
            guard let tree = RegressionTree(json: t, featureCount: featureCount) else { return nil }
            trees.append(tree)
        }
        self.init(base: base, trees: trees)
    }
}
