import DropflowCore
import DropflowJSON
import ArgumentParser
import DropflowContract
import DropflowPipeline
import DropflowKafka
import DropflowRuntime
import DropflowSimulator
import DropflowSimulatorLive
import DropflowStages
import Foundation
import Logging
import ServiceLifecycle

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the pipeline end to end on a local broker against the simulated world, and score it against the truth.",
        discussion: """
        Starts a local Tansu broker (unless --bootstrap-servers is given), creates the topics,
        runs an intake and a fraud worker, and lets the simulated storefront place --orders
        orders (all scenarios, fraud ring included) at --rate per second. A simulated reviewer
        works the review queue (right --reviewer-accuracy of the time). At the end it prints
        where every order ended, how much fraud was caught and missed against the simulator's
        truth, and a few decisions with their explanations.
        """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Orders the storefront places.")
    var orders: Int = 2_000

    @Option(help: "Orders per wall-clock second.")
    var rate: Double = 200

    @Option(help: "Seeds the world.")
    var seed: UInt64 = 42

    @Option(help: "Share of the reviewer's verdicts that match the truth.")
    var reviewerAccuracy: Double = 0.95

    @Option(help: "Partitions of each topic.")
    var partitions: Int32 = 3

    func run() async throws {
        var logger = connection.logger("dropflow.demo")
        logger.logLevel = .warning
        let (kafka, broker) = try connection.connect(logger: logger)
        defer { broker?.stop() }
        let prefix = broker == nil ? "demo\(UInt32.random(in: 0...UInt32.max))." : Contract.defaultPrefix
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        try await admin.createTopics(TopicSetup.specs(Topology.all, prefix: prefix, partitions: partitions))
        await admin.close()
        print("▶ topics created under \(prefix)* (\(partitions) partitions each)")

        var workerConfig = WorkerConfiguration(kafka: kafka)
        workerConfig.topicPrefix = prefix
        workerConfig.sessionTimeout = .seconds(6)
        workerConfig.maxPollInterval = .seconds(10)
        workerConfig.commitInterval = .milliseconds(500)
        let model = try FraudModelLocator.load(explicit: nil)
        let ready = DemoReadiness()
        let workers = [IntakeStage.definition(), FraudStage.definition(model: model)].map { stage in
            StageWorker(stage: stage, configuration: workerConfig, logger: logger) { isReady, _ in ready.set(stage.name, isReady) }
        }
        let group = ServiceGroup(configuration: .init(services: workers.map { .init(service: $0) }, logger: logger))
        let pipeline = Task { try await group.run() }
        let outcomes = try DemoOutcomes(kafka: kafka, prefix: prefix, partitions: partitions, logger: logger)
        let outcomeReader = Task { try await outcomes.run() }
        while !ready.all(["intake", "fraud"]) { try await Task.sleep(for: .milliseconds(200)) }
        print("▶ intake and fraud workers ready (fraud model: \(model.estimator.kind))")

        let run = Simulation.run(SimulationConfig(seed: seed, orders: orders,
                                                  scenarios: Scenario.all(from: SimulationConfig.defaultStart, days: Double(orders) / 5_000)))
        let truth = DemoTruth()
        let reviewer = try DemoReviewer(kafka: kafka, prefix: prefix, accuracy: reviewerAccuracy, seed: seed, truth: truth, logger: logger)
        let reviewing = Task { try await reviewer.run(outcomes: outcomes) }
        var options = LiveSimulationOptions()
        options.topicPrefix = prefix
        options.ordersPerSecond = rate
        options.answerPurchaseOrders = false
        print("▶ the storefront places \(orders) orders at ~\(Int(rate))/s (seed \(seed), all scenarios)")
        let summary = try await LiveSimulation(run: run, kafka: kafka, options: options, logger: logger).run { record in
            if record.topic == SimRecord.Topic.ordersPlaced, let key = record.key { truth.add(key, record.truth) }
        }
        print("▶ published \(summary.published) records; waiting for every order to reach an outcome")

        let deadline = ContinuousClock.now + .seconds(120)
        var last = -1
        var stableSince = ContinuousClock.now
        while ContinuousClock.now < deadline {
            let done = outcomes.finalCount
            if done >= orders { break }
            if done != last { last = done; stableSince = .now }
            if ContinuousClock.now - stableSince > .seconds(15) { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        reviewing.cancel()
        outcomeReader.cancel()
        await group.triggerGracefulShutdown()
        _ = try? await pipeline.value
        print(DemoReport(outcomes: outcomes.snapshot, truth: truth, orders: orders).text)
    }
}

/// Which workers are ready.
final class DemoReadiness: @unchecked Sendable {
    private let lock = NSLock()
    private var ready: [String: Bool] = [:]
    func set(_ name: String, _ value: Bool) { lock.withLock { ready[name] = value } }
    func all(_ names: [String]) -> Bool { lock.withLock { names.allSatisfy { ready[$0] == true } } }
}

/// The simulator's label of every order placed.
final class DemoTruth: @unchecked Sendable {
    private let lock = NSLock()
    private var labels: [String: (fraud: Bool, pattern: String)] = [:]
    func add(_ orderID: String, _ truth: JSONValue?) {
        lock.withLock {
            labels[orderID] = (truth?["is_fraud"]?.boolValue ?? false, truth?["pattern"]?.stringValue ?? "legit")
        }
    }
    func label(_ orderID: String) -> (fraud: Bool, pattern: String)? { lock.withLock { labels[orderID] } }
}
