import DropflowContract
import DropflowCore
import DropflowFraudModel
import DropflowKafka
import DropflowPipeline
import DropflowRuntime
import DropflowSimulator
import DropflowSimulatorLive
import DropflowStages
import Foundation
import Logging
import ServiceLifecycle

/// The main job (`dropflow demo`): the pipeline end to end against the simulated world, scored
/// against the truth. Creates the topics, runs an intake, a fraud and a routing worker in this
/// process, lets the simulated world publish its supplier feeds and carrier rates and its
/// storefront place orders (all scenarios, fraud ring included) and answer routing's purchase
/// orders, has a simulated reviewer work the review queue, and reports where every order ended.
public struct Demo: Sendable {
    public struct Options: Sendable {
        /// Orders the storefront places.
        public var orders = 2_000
        /// Orders per wall-clock second.
        public var rate = 200.0
        /// Seeds the world (and the reviewer).
        public var seed: UInt64 = 42
        /// Share of the reviewer's verdicts that match the truth.
        public var reviewerAccuracy = 0.95
        /// Partitions of each topic.
        public var partitions: Int32 = 3
        /// How long to wait for the last outcomes, and for none to change.
        public var settleTimeout: Duration = .seconds(120)
        public var quietTimeout: Duration = .seconds(15)

        public init() {}
    }

    public let options: Options
    public let kafka: KafkaConfiguration
    public let prefix: String
    public let logger: Logger

    /// A demo on the cluster `kafka`, its topics under `prefix`.
    public init(options: Options, kafka: KafkaConfiguration, prefix: String, logger: Logger) {
        self.options = options
        self.kafka = kafka
        self.prefix = prefix
        self.logger = logger
    }

    /// The prefix for a run: the default on a broker started for the run, a fresh one on a
    /// cluster that may hold other runs' topics.
    public static func prefix(ownBroker: Bool) -> String {
        ownBroker ? Contract.defaultPrefix : "demo\(UInt32.random(in: 0...UInt32.max))."
    }

    /// Runs the demo; `say` hears its progress lines.
    public func run(say: @Sendable (String) -> Void = { print($0) }) async throws -> DemoReport {
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        try await admin.createTopics(TopicSetup.specs(Topology.all, prefix: prefix, partitions: options.partitions))
        await admin.close()
        say("▶ topics created under \(prefix)* (\(options.partitions) partitions each)")

        var workerConfig = WorkerConfiguration(kafka: kafka)
        workerConfig.topicPrefix = prefix
        workerConfig.sessionTimeout = .seconds(6)
        workerConfig.maxPollInterval = .seconds(10)
        workerConfig.commitInterval = .milliseconds(500)
        let model = try FraudModelLocator.load(explicit: nil)
        let ready = Locked<[String: Bool]>([:])
        let stages = [IntakeStage.definition(), FraudStage.definition(model: model), RoutingStage.definition()]
        let workers = stages.map { stage in
            StageWorker(stage: stage, configuration: workerConfig, logger: logger) { isReady, _ in ready.withLock { $0[stage.name] = isReady } }
        }
        let group = ServiceGroup(configuration: .init(services: workers.map { .init(service: $0) }, logger: logger))
        let pipeline = Task { try await group.run() }
        let outcomes = try DemoOutcomes(kafka: kafka, prefix: prefix, partitions: options.partitions, logger: logger)
        let outcomeReader = Task { try await outcomes.run() }
        while !ready.withLock({ r in stages.allSatisfy { r[$0.name] == true } }) { try await Task.sleep(for: .milliseconds(200)) }
        say("▶ intake, fraud and routing workers ready (fraud model: \(model.estimator.kind))")

        let orders = options.orders
        let run = Simulation.run(SimulationConfig(seed: options.seed, orders: orders,
                                                  scenarios: Scenario.all(from: SimulationConfig.defaultStart, days: Double(orders) / 5_000)))
        let truth = DemoTruth()
        let reviewer = try DemoReviewer(kafka: kafka, prefix: prefix, accuracy: options.reviewerAccuracy, seed: options.seed,
                                        truth: truth, logger: logger)
        let reviewing = Task { try await reviewer.run(outcomes: outcomes) }
        var live = LiveSimulationOptions()
        live.topicPrefix = prefix
        live.ordersPerSecond = options.rate
        // The simulated suppliers answer routing's purchase orders (supplier.order-updates).
        live.answerPurchaseOrders = true
        live.groupID = prefix + "simulator"
        say("▶ the storefront places \(orders) orders at ~\(Int(options.rate))/s (seed \(options.seed), all scenarios); "
            + "suppliers publish offers, statuses and carrier rates and answer purchase orders")
        let summary = try await LiveSimulation(run: run, kafka: kafka, options: live, logger: logger).run { record in
            if record.topic == SimRecord.Topic.ordersPlaced, let key = record.key { truth.add(key, record.truth) }
        }
        let feeds = [SimRecord.Topic.supplierOffers, SimRecord.Topic.supplierStatus, SimRecord.Topic.carrierRates]
            .map { "\(summary.publishedByTopic[$0] ?? 0) \($0)" }.joined(separator: ", ")
        say("▶ published \(summary.published) records (\(feeds)); answered \(summary.purchaseOrdersAnswered) purchase orders; "
            + "waiting for every order to reach an outcome")

        // Settled: every order has its outcome, every approved one a routing outcome, and every
        // supplier answer published has been read; or nothing changed for a while.
        let answersPublished = summary.publishedByTopic[SimRecord.Topic.supplierOrderUpdates] ?? 0
        let deadline = ContinuousClock.now + options.settleTimeout
        var last = -1
        var stableSince = ContinuousClock.now
        while ContinuousClock.now < deadline {
            if outcomes.finalCount >= orders && outcomes.unroutedCount == 0 && outcomes.answerCount >= answersPublished { break }
            let progress = outcomes.progress
            if progress != last { last = progress; stableSince = .now }
            if ContinuousClock.now - stableSince > options.quietTimeout { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        reviewing.cancel()
        outcomeReader.cancel()
        await group.triggerGracefulShutdown()
        _ = try? await pipeline.value
        return DemoReport(outcomes: outcomes.snapshot, labels: truth.all, orders: orders, routing: outcomes.routingSnapshot,
                          purchaseOrders: outcomes.purchaseOrderCount, supplierAnswers: outcomes.answersByStatus,
                          rerouteLatency: outcomes.rerouteLatency)
    }
}
