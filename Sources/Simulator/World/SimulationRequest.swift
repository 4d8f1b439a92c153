import DropflowContract
import Foundation

/// A run as `dropflow simulate` asks for it: how many orders, the seed, the scenarios by their
/// command-line names, the base rate, the fraud rate and the surge multiple.
public struct SimulationRequest: Sendable, Hashable {
    public var orders = 1_000
    public var seed: UInt64 = 1
    /// normal, surge, outage, strike, fraud-ring, all.
    public var scenarios = ["normal"]
    public var ordersPerDay = 5_000.0
    public var fraudRate = 0.03
    public var surgeMultiple = 3.0

    public init() {}

    /// Command-line scenario names and the scenarios' own.
    public static let scenarioNames: [String: String] = [
        "normal": "normal_day", "surge": "promotion_surge", "outage": "supplier_outage",
        "strike": "carrier_strike", "fraud-ring": "fraud_ring",
    ]

    /// Why the request cannot run, or nil.
    public var problem: String? {
        if orders < 0 { return "--orders must be 0 or more" }
        if ordersPerDay <= 0 { return "--orders-per-day must be positive" }
        if !(0..<1).contains(fraudRate) { return "--fraud-rate must be in [0, 1)" }
        if surgeMultiple <= 0 { return "--surge-multiple must be positive" }
        for name in scenarios where Self.scenarioNames[name] == nil && name != "all" {
            return "unknown scenario \(name); known: \((Self.scenarioNames.keys.sorted() + ["all"]).joined(separator: ", "))"
        }
        return nil
    }

    /// The configuration it describes: the chosen scenarios placed within the run's span
    /// (orders ÷ orders per day), the surge at its multiple.
    public var config: SimulationConfig {
        let days = max(0.05, Double(orders) / ordersPerDay)
        let wanted = scenarios.contains("all") ? Set(Self.scenarioNames.values) : Set(scenarios.compactMap { Self.scenarioNames[$0] })
        let chosen = Scenario.all(from: SimulationConfig.defaultStart, days: days).compactMap { scenario -> Scenario? in
            guard wanted.contains(scenario.name) else { return nil }
            if case .promotionSurge(var surge) = scenario {
                surge.multiple = surgeMultiple
                return .promotionSurge(surge)
            }
            return scenario
        }
        return SimulationConfig(seed: seed, orders: orders, ordersPerDay: ordersPerDay,
                                fraud: FraudConfig(rate: fraudRate), scenarios: chosen.isEmpty ? [.normalDay] : chosen)
    }

    /// `world.jsonl` → `world.truth.jsonl`.
    public static func truthPath(beside output: String) -> String {
        (output.hasSuffix(".jsonl") ? String(output.dropLast(6)) : output) + ".truth.jsonl"
    }
}

extension SimulationWriter.Summary {
    /// What `dropflow simulate --output` prints.
    public func report(output: String, truthPath: String?, seconds: Double) -> String {
        var lines = ["wrote \(records) records (\(orders) orders, \(fraudulentOrders) fraudulent) to \(output)"
                     + (truthPath.map { ", truth to \($0)" } ?? "")]
        for (topic, count) in recordsByTopic.sorted(by: { $0.key < $1.key }) { lines.append("  \(topic): \(count)") }
        let s = max(1e-9, seconds)
        lines.append(String(format: "  %.0f orders/s, %.0f records/s of generation and writing", Double(orders) / s, Double(records) / s))
        return lines.joined(separator: "\n")
    }
}
