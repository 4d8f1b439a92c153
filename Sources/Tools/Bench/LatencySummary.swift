import Histogram

/// Latencies of a benchmark in an HdrHistogram (microsecond resolution, 3 significant digits,
/// up to an hour), summarised as the percentiles the benchmarks print.
public struct LatencyRecorder: Sendable {
    private var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)

    public init() {}

    /// Records one latency of `nanoseconds` (clamped to the histogram's range).
    public mutating func record(nanoseconds: UInt64) {
        _ = histogram.record(min(max(1, nanoseconds / 1_000), histogram.highestTrackableValue))
    }

    public var count: UInt64 { histogram.totalCount }

    /// p50, p99 and the largest, in milliseconds (NaN when nothing was recorded).
    public var summary: LatencySummary {
        guard count > 0 else { return LatencySummary(p50: .nan, p99: .nan, max: .nan) }
        return LatencySummary(p50: Double(histogram.valueAtPercentile(50)) / 1_000, p99: Double(histogram.valueAtPercentile(99)) / 1_000,
                              max: Double(histogram.max) / 1_000)
    }
}

/// Milliseconds.
public struct LatencySummary: Sendable, Hashable {
    public var p50: Double
    public var p99: Double
    public var max: Double
}

/// Columns of the benchmarks' tables.
enum Column {
    static func left(_ s: String, _ n: Int) -> String { s.padding(toLength: n, withPad: " ", startingAt: 0) }
    static func right(_ s: String, _ n: Int) -> String { s.count >= n ? " " + s : String(repeating: " ", count: n - s.count) + s }
    static func number(_ x: Double, _ digits: Int) -> String { x.isFinite ? String(format: "%.\(digits)f", x) : "-" }
    static func ratio(_ a: Double, _ b: Double) -> String { a.isFinite && b.isFinite && b > 0 ? String(format: "%.2fx", a / b) : "-" }
}
