import DropflowCore
import DropflowJSON
import DropflowContract

/// One regression tree of a boosted ensemble, as flat arrays. Node 0 is the root; an internal
/// node sends `x[feature] <= threshold` left; `value` is every node's output (a leaf's is what the
/// tree adds; an internal node's is used to attribute the score to features along the path).
public struct RegressionTree: Sendable, Hashable {
    /// Split feature per node, -1 for a leaf.
    public var feature: [Int]
    public var threshold: [Double]
    public var left: [Int]
    public var right: [Int]
    public var value: [Double]

    public init(feature: [Int], threshold: [Double], left: [Int], right: [Int], value: [Double]) {
        self.feature = feature
        self.threshold = threshold
        self.left = left
        self.right = right
        self.value = value
    }

    /// The leaf value for `x`.
    @inline(__always)
    public func predict(_ x: [Double]) -> Double {
        var n = 0
        while feature[n] >= 0 { n = x[feature[n]] <= threshold[n] ? left[n] : right[n] }
        return value[n]
    }

    var json: JSONValue {
        ["feature": .array(feature.map { .integer(Int64($0)) }), "threshold": .array(threshold.map(JSONValue.double)),
         "left": .array(left.map { .integer(Int64($0)) }), "right": .array(right.map { .integer(Int64($0)) }),
         "value": .array(value.map(JSONValue.double))]
    }

    /// Reads ``json`` back, checking that it is a well-formed tree over `featureCount` features.
    init?(json: JSONValue, featureCount: Int) {
        guard let f = json["feature"]?.arrayValue?.compactMap(\.intValue), let t = json["threshold"]?.arrayValue?.compactMap(\.doubleValue),
              let l = json["left"]?.arrayValue?.compactMap(\.intValue), let r = json["right"]?.arrayValue?.compactMap(\.intValue),
              let v = json["value"]?.arrayValue?.compactMap(\.doubleValue), !f.isEmpty,
              t.count == f.count, l.count == f.count, r.count == f.count, v.count == f.count else { return nil }
        for n in f.indices where f[n] >= 0 {
            // Children come after their parent, so every path ends.
            guard f[n] < featureCount, l[n] > n, r[n] > n, l[n] < f.count, r[n] < f.count else { return nil }
        }
        self.init(feature: f, threshold: t, left: l, right: r, value: v)
    }
}
