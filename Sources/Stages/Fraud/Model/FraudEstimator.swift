import DropflowCore
import DropflowJSON
import DropflowContract

/// The model behind a ``FraudModel``'s raw log-odds: a logistic regression or boosted trees.
public enum FraudEstimator: Sendable, Hashable {
    case logistic(LogisticModel)
    case trees(GradientBoostedTrees)

    /// `logistic_regression` or `gradient_boosted_trees`, as the model file names it.
    public var kind: String {
        switch self {
        case .logistic: return "logistic_regression"
        case .trees: return "gradient_boosted_trees"
        }
    }

    /// Raw (uncalibrated) log-odds.
    @inline(__always)
    public func logit(_ x: [Double]) -> Double {
        switch self {
        case .logistic(let m): return m.logit(x)
        case .trees(let t): return t.logit(x)
        }
    }

    /// Per-feature contributions to ``logit(_:)`` and the bias they add to. For the logistic
    /// regression, `w_i * z_i` (relative to the average training order); for trees, the change
    /// of value at each split along the order's path (Saabas).
    public func contributions(_ x: [Double]) -> (bias: Double, contributions: [Double]) {
        switch self {
        case .logistic(let m): return (m.intercept, m.contributions(x))
        case .trees(let t): return t.contributions(x)
        }
    }

    /// The model file members of this estimator (besides `model`).
    var jsonMembers: [String: JSONValue] {
        switch self {
        case .logistic(let m):
            return ["standardization": ["mean": .array(m.mean.map(JSONValue.double)), "scale": .array(m.scale.map(JSONValue.double))],
                    "weights": .array(m.weights.map(JSONValue.double)), "intercept": .double(m.intercept)]
        case .trees(let t):
            return ["trees": t.json]
        }
    }

    /// The same estimator over a longer feature vector: the feature at position `i` of the
    /// file's vector is at `positions[i]` of the new one, and features the file never knew get
    /// no weight (a zero weight in the regression; no split in the trees).
    func remapped(to positions: [Int], count: Int) -> FraudEstimator {
        switch self {
        case .logistic(let m):
            var mean = Array(repeating: 0.0, count: count), scale = Array(repeating: 1.0, count: count)
            var weights = Array(repeating: 0.0, count: count)
            for (i, p) in positions.enumerated() {
                mean[p] = m.mean[i]
                scale[p] = m.scale[i]
                weights[p] = m.weights[i]
            }
            return .logistic(LogisticModel(mean: mean, scale: scale, weights: weights, intercept: m.intercept))
        case .trees(let t):
            let trees = t.trees.map { tree in
                RegressionTree(feature: tree.feature.map { $0 >= 0 ? positions[$0] : $0 }, threshold: tree.threshold,
                               left: tree.left, right: tree.right, value: tree.value)
            }
            return .trees(GradientBoostedTrees(base: t.base, trees: trees))
        }
    }

    /// Reads the estimator of a model file over `count` features.
    static func read(_ doc: JSONValue, featureCount count: Int) throws(FraudModelError) -> FraudEstimator {
        switch doc["model"]?.stringValue {
        case "logistic_regression":
            func numbers(_ v: JSONValue?, _ what: String) throws(FraudModelError) -> [Double] {
                guard let a = v?.arrayValue else { throw .malformed("no \(what)") }
                let d = a.compactMap(\.doubleValue)
                guard d.count == count else { throw .malformed("\(what) has \(d.count) numbers for \(count) features") }
                return d
            }
            let mean = try numbers(doc["standardization"]?["mean"], "standardization.mean")
            let scale = try numbers(doc["standardization"]?["scale"], "standardization.scale")
            guard scale.allSatisfy({ $0 > 0 }) else { throw .malformed("standardization.scale must be positive") }
            let weights = try numbers(doc["weights"], "weights")
            guard let intercept = doc["intercept"]?.doubleValue else { throw .malformed("no intercept") }
            return .logistic(LogisticModel(mean: mean, scale: scale, weights: weights, intercept: intercept))
        case "gradient_boosted_trees":
            guard let trees = doc["trees"], let t = GradientBoostedTrees(json: trees, featureCount: count) else {
                throw .malformed("trees are missing or not well-formed")
            }
            return .trees(t)
        case let other:
            throw .unsupportedFormat("model \(other.map { "\"\($0)\"" } ?? "missing"), expected logistic_regression or gradient_boosted_trees")
        }
    }
}
