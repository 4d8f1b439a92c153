import DropflowCore
import DropflowJSON
import ArgumentParser
import DropflowContract
import DropflowKafka
import DropflowSimulator
import DropflowSimulatorLive
import Foundation
import Logging

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate the world around the pipeline: storefront, customers, fraudsters, suppliers and carriers.",
        discussion: """
        With --output FILE it writes the world's messages as JSON Lines, one object per line:
        {"at", "key", "topic", "truth", "value"} (value is what Kafka would carry; truth is the
        ground truth, never sent). With --bootstrap-servers it publishes to a broker at a rate
        and answers the pipeline's purchase orders as they come (supplier updates, carrier
        tracking, customers' questions and returns). Same --seed and options, same output.

        The truth summary (--truth; by default next to --output) holds the run, every supplier's
        true behaviour, each scenario as resolved, and one line per order with its fraud label.

        Scenarios (repeatable, they compose): normal, surge, outage, strike, fraud-ring, all.
        They are placed within the run's span (orders ÷ orders per day).
        """
    )

    @Option(help: "Orders to place (the run ends with the last one).")
    var orders: Int = 1_000

    @Option(help: "Seeds the whole world.")
    var seed: UInt64 = 1

    @Option(name: .customLong("scenario"), help: "normal, surge, outage, strike, fraud-ring or all (repeatable).")
    var scenarios: [String] = ["normal"]

    @Option(help: "Orders per simulated day at base rate.")
    var ordersPerDay: Double = 5_000

    @Option(help: "Share of fraudulent orders (0–1), fraud rings aside.")
    var fraudRate: Double = 0.03

    @Option(help: "Order-rate multiple during a promotion surge.")
    var surgeMultiple: Double = 3

    @Option(help: "Write the world's messages here as JSON Lines (file mode).")
    var output: String?

    @Option(help: "Write the truth summary here. Default: beside --output, as <name>.truth.jsonl.")
    var truth: String?

    @Flag(help: "File mode: a naive merchant also routes every order, so the file holds whole lifecycles (purchase orders, supplier answers, parcels, questions, returns).")
    var lifecycle = false

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Live mode: average orders per wall-clock second.")
    var rate: Double = 50

    @Option(help: "Live mode: simulated seconds per wall second (overrides the one --rate implies).")
    var timeScale: Double?

    @Option(help: "Live mode: stop once the pipeline sent no purchase order for this many seconds after the last order.")
    var quietSeconds: Double = 10

    @Flag(help: "Live mode: publish only; do not answer purchase orders.")
    var noAnswers = false

    @Option(help: "Topic prefix of the deployment.")
    var topicPrefix: String = Contract.defaultPrefix

    func validate() throws {
        guard orders >= 0 else { throw ValidationError("--orders must be 0 or more") }
        guard ordersPerDay > 0 else { throw ValidationError("--orders-per-day must be positive") }
        guard (0..<1).contains(fraudRate) else { throw ValidationError("--fraud-rate must be in [0, 1)") }
        guard surgeMultiple > 0 else { throw ValidationError("--surge-multiple must be positive") }
        guard rate > 0 else { throw ValidationError("--rate must be positive") }
        for name in scenarios where Self.scenarioNames[name] == nil && name != "all" {
            throw ValidationError("unknown scenario \(name); known: \((Self.scenarioNames.keys.sorted() + ["all"]).joined(separator: ", "))")
        }
        if output == nil && connection.bootstrapServers == nil && ProcessInfo.processInfo.environment["DROPFLOW_BOOTSTRAP_SERVERS"] == nil {
            throw ValidationError("say where the world goes: --output FILE, or --bootstrap-servers HOST:PORT for a live run")
        }
        if lifecycle && output == nil { throw ValidationError("--lifecycle is for file mode (--output)") }
    }

    static let scenarioNames: [String: String] = [
        "normal": "normal_day", "surge": "promotion_surge", "outage": "supplier_outage",
        "strike": "carrier_strike", "fraud-ring": "fraud_ring",
    ]

    /// The configuration the options describe.
    func simulationConfig() -> SimulationConfig {
        let days = max(0.05, Double(orders) / ordersPerDay)
        let start = SimulationConfig.defaultStart
        let wanted = scenarios.contains("all") ? Set(Self.scenarioNames.values) : Set(scenarios.compactMap { Self.scenarioNames[$0] })
        let chosen = Scenario.all(from: start, days: days).compactMap { scenario -> Scenario? in
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

    func run() async throws {
        let run = Simulation.run(simulationConfig())
        let truthPath = truth ?? output.map(Self.truthPath(beside:))
        if let output, connection.bootstrapServers == nil {
            let start = ContinuousClock.now
            let summary = lifecycle
                ? try SimulationWriter.write(FulfilledRun(run: run), worldTruth: run.worldTruth, to: output, truthTo: truthPath)
                : try SimulationWriter.write(run, to: output, truthTo: truthPath)
            let seconds = max(1e-9, (ContinuousClock.now - start).inSeconds)
            print("wrote \(summary.records) records (\(summary.orders) orders, \(summary.fraudulentOrders) fraudulent) to \(output)"
                  + (truthPath.map { ", truth to \($0)" } ?? ""))
            for (topic, count) in summary.recordsByTopic.sorted(by: { $0.key < $1.key }) {
                print("  \(topic): \(count)")
            }
            print(String(format: "  %.0f orders/s, %.0f records/s of generation and writing", Double(summary.orders) / seconds,
                         Double(summary.records) / seconds))
            return
        }
        try await runLive(run, truthPath: truthPath)
    }

    private func runLive(_ run: SimulationRun, truthPath: String?) async throws {
        let logger = connection.logger("dropflow.simulate")
        let (kafka, broker) = try connection.connect(logger: logger, requireCluster: true)
        defer { broker?.stop() }
        var options = LiveSimulationOptions()
        options.topicPrefix = topicPrefix
        options.ordersPerSecond = rate
        options.timeScale = timeScale
        options.quiet = .milliseconds(Int64(quietSeconds * 1_000))
        options.answerPurchaseOrders = !noAnswers
        let log = try output.map { try RecordLog(path: $0) }
        if let truthPath {
            let truthLog = try RecordLog(path: truthPath)
            for line in run.worldTruth { truthLog.append(line) }
            try truthLog.close()
        }
        let summary = try await LiveSimulation(run: run, kafka: kafka, options: options, logger: logger).run { record in
            log?.append(record.jsonLine)
        }
        try log?.close()
        print("published \(summary.published) records; purchase orders: \(summary.purchaseOrdersReceived) received, "
              + "\(summary.purchaseOrdersAnswered) answered, \(summary.duplicatesIgnored) repeats ignored, "
              + "\(summary.unreadablePurchaseOrders) unreadable")
        for (topic, count) in summary.publishedByTopic.sorted(by: { $0.key < $1.key }) { print("  \(topic): \(count)") }
    }

    /// `world.jsonl` → `world.truth.jsonl`.
    static func truthPath(beside output: String) -> String {
        (output.hasSuffix(".jsonl") ? String(output.dropLast(6)) : output) + ".truth.jsonl"
    }
}

/// Appends JSON lines to a file from any thread (the live run's ground-truth log).
final class RecordLog: @unchecked Sendable {
    private let sink: FileSink
    private let lock = NSLock()
    private var failure: Error?

    init(path: String) throws { sink = try FileSink(path: path) }

    /// Appends one line; a write error is kept and thrown by ``close()``.
    func append(_ line: JSONValue) {
        lock.withLock {
            do { try sink.write(line.serialized() + [0x0A]) } catch { failure = failure ?? error }
        }
    }

    func close() throws {
        try lock.withLock {
            try sink.close()
            if let failure { throw failure }
        }
    }
}
