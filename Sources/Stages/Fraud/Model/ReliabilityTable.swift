import DropflowJSON

/// Calibration checked: the orders binned by predicted probability, and per bin the mean
/// prediction against the observed fraud rate. A calibrated model has the two close in every
/// bin with enough orders; the expected calibration error sums the gaps weighted by the bins'
/// shares.
public struct ReliabilityTable: Sendable, Hashable {
    public struct Bin: Sendable, Hashable {
        public var lower: Double
        public var upper: Double
        public var orders = 0
        public var frauds = 0
        public var predictedSum = 0.0

        public var meanPredicted: Double { orders > 0 ? predictedSum / Double(orders) : 0 }
        public var observed: Double { orders > 0 ? Double(frauds) / Double(orders) : 0 }
    }

    /// Bin edges: fine where most orders are, coarse above.
    public static let defaultEdges: [Double] = [0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]

    public var bins: [Bin]

    public init(probabilities: [Double], labels: [Bool], edges: [Double] = ReliabilityTable.defaultEdges) {
        precondition(probabilities.count == labels.count && edges.count >= 2)
        bins = zip(edges, edges.dropFirst()).map { Bin(lower: $0, upper: $1) }
        for (p, y) in zip(probabilities, labels) {
            // The last bin is closed above; every other [lower, upper).
            var i = bins.count - 1
            while i > 0 && p < bins[i].lower { i -= 1 }
            bins[i].orders += 1
            bins[i].predictedSum += p
            if y { bins[i].frauds += 1 }
        }
    }

    public var orders: Int { bins.reduce(0) { $0 + $1.orders } }

    /// Σ (orders in bin / orders) · |mean predicted − observed|.
    public var expectedCalibrationError: Double {
        let n = Double(orders)
        guard n > 0 else { return 0 }
        return bins.reduce(0) { $0 + Double($1.orders) / n * abs($1.meanPredicted - $1.observed) }
    }

    /// A table for a terminal.
    public var text: String {
        var lines = ["  predicted        orders  frauds  mean predicted  observed"]
        for b in bins {
            let range = PolicyOutcome.padded(PolicyOutcome.percent(b.lower) + "–" + PolicyOutcome.percent(b.upper), 15)
            let mean = b.orders > 0 ? PolicyOutcome.fixed(b.meanPredicted, 4) : "-"
            let observed = b.orders > 0 ? PolicyOutcome.fixed(b.observed, 4) : "-"
            lines.append("  " + range + PolicyOutcome.padded(String(b.orders), 8, left: true) + PolicyOutcome.padded(String(b.frauds), 8, left: true)
                         + PolicyOutcome.padded(mean, 16, left: true) + PolicyOutcome.padded(observed, 10, left: true))
        }
        lines.append("  expected calibration error " + PolicyOutcome.fixed(expectedCalibrationError, 4))
        return lines.joined(separator: "\n")
    }

    public var json: JSONValue {
        func r(_ x: Double) -> JSONValue { .double((x * 1e6).rounded() / 1e6) }
        return [
            "bins": .array(bins.map { ["lower": r($0.lower), "upper": r($0.upper), "orders": .integer(Int64($0.orders)),
                                       "frauds": .integer(Int64($0.frauds)), "mean_predicted": r($0.meanPredicted)] }),
            "expected_calibration_error": r(expectedCalibrationError),
        ]
    }
}
