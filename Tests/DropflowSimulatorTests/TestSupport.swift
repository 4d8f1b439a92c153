import DropflowCore
import DropflowJSON
import DropflowContract
@testable import DropflowSimulator

/// The default start, 2026-11-24T00:00:00Z.
let start = SimulationConfig.defaultStart

/// Every record of the run of `config`.
func records(_ config: SimulationConfig) -> [SimRecord] {
    Array(Simulation.run(config))
}

/// The `orders.placed` records of `records`.
func orders(_ records: [SimRecord]) -> [SimRecord] {
    records.filter { $0.topic == SimRecord.Topic.ordersPlaced }
}

/// The `q` quantile of `values` (nearest rank on the sorted values).
func quantile(_ values: [Double], _ q: Double) -> Double {
    let sorted = values.sorted()
    let rank = min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[rank]
}

/// Whether `a` is within `tolerance` (a fraction, e.g. 0.1 for ±10%) of `expected`.
func within(_ a: Double, _ expected: Double, _ tolerance: Double) -> Bool {
    abs(a - expected) <= tolerance * abs(expected)
}

extension SimRecord {
    /// The truth's `pattern`, for orders.
    var pattern: String? { truth?["pattern"]?.stringValue }
}
