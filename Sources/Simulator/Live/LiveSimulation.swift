import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowKafka
import DropflowSimulator
import Foundation
import Logging

/// The simulated world against a real broker: it publishes a run's records (orders, supplier
/// feeds) on a clock that maps simulated time to wall time, consumes the pipeline's
/// `purchase-orders` and publishes the world's answers (supplier updates, carrier tracking,
/// customers' questions and returns) when they fall due.
///
/// Time: simulated time runs ``LiveSimulationOptions/timeScale`` times faster than the wall
/// clock (by default so that orders arrive at ``LiveSimulationOptions/ordersPerSecond`` on
/// average; the daily rhythm and surges still shape the rate). After the last order, once no
/// purchase order has come for ``LiveSimulationOptions/quiet``, the rest of the world's future
/// (parcels in transit, returns weeks later) is fast-forwarded: published at once, in time order.
///
/// Each purchase order (id and revision) is answered exactly once per simulator process: a
/// redelivered one is recognised and ignored (``WorldResponder``). Offsets are committed once
/// a purchase order's answers are scheduled.
public final class LiveSimulation: Sendable {
    private let run: SimulationRun
    private let kafka: KafkaConfiguration
    private let options: LiveSimulationOptions
    private let logger: Logger
    private let state: LiveState

    public init(run: SimulationRun, kafka: KafkaConfiguration, options: LiveSimulationOptions, logger: Logger) {
        self.run = run
        self.kafka = kafka
        self.options = options
        self.logger = logger
        state = LiveState(responder: WorldResponder(world: run.world))
    }

    /// The run it publishes.
    public var simulationRun: SimulationRun { run }

    /// Simulated seconds per wall second.
    public var timeScale: Double {
        options.timeScale ?? max(1, options.ordersPerSecond / (run.config.ordersPerDay / 86_400))
    }

    /// Publishes the run and answers purchase orders until the world has said everything.
    /// `onRecord` sees every record as it is published (to write a ground-truth log).
    @discardableResult
    public func run(onRecord: @escaping @Sendable (SimRecord) -> Void = { _ in }) async throws -> LiveSummary {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(kafka), logger: logger)
        let publisher = LivePublisher(producer: producer, prefix: options.topicPrefix, seed: run.config.seed, logger: logger)
        let clock = SimClock(start: run.config.start, scale: timeScale)
        logger.info("simulation starting", metadata: [
            "sim.seed": "\(run.config.seed)", "sim.orders": "\(run.config.orders)",
            "sim.time_scale": "\(Int(timeScale))", "sim.start": "\(run.config.start.rfc3339)",
        ])

        let listener = options.answerPurchaseOrders
            ? Task { try await self.answerPurchaseOrders(clock: clock) } : nil
        defer { listener?.cancel() }

        var records = run.makeIterator()
        var nextRecord = records.next()
        var fastForward = false
        var lastPublish = ContinuousClock.now
        var runEnded: ContinuousClock.Instant?
        func publish(_ record: SimRecord) async throws {
            if fastForward { clock.advance(to: record.at) }
            try await publisher.publish(record)
            onRecord(record)
            lastPublish = .now
        }
        while true {
            // Quiet: no purchase order since the run ended (and, fast-forwarding, nothing published).
            let lastPO = max(state.lastPurchaseOrder ?? runEnded ?? .now, runEnded ?? .now)
            let quiet = fastForward ? max(lastPO, lastPublish) : lastPO
            if nextRecord == nil && !fastForward && (!options.answerPurchaseOrders || ContinuousClock.now - quiet >= options.quiet) {
                logger.info("run over and the pipeline is quiet: fast-forwarding the world's future")
                fastForward = true
            }
            let due = state.nextDueTime()
            // Publish whichever of the run's next record and the next answer is earlier.
            if let record = nextRecord, due.map({ record.at.seconds <= $0 }) ?? true {
                try await clock.wait(until: record.at)
                if record.topic == SimRecord.Topic.ordersPlaced { state.observe(record) }
                try await publish(record)
                nextRecord = records.next()
                if nextRecord == nil { runEnded = .now }
                continue
            }
            if let due {
                if fastForward || clock.now.seconds >= due {
                    if let answer = state.popEarliest() { try await publish(answer) }
                } else {
                    // Something earlier may be scheduled meanwhile: look again soon.
                    try await clock.wait(until: SimInstant(seconds: due), atMost: .milliseconds(50))
                }
                continue
            }
            // Nothing left to publish: stop once the pipeline has been quiet for a while.
            if fastForward && ContinuousClock.now - quiet >= options.quiet { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        // Everything after the run's last order comes out at once: see the type's doc.
        try await publisher.flush()
        listener?.cancel()
        _ = try? await listener?.value
        await producer.close()
        var summary = publisher.summary
        (summary.purchaseOrdersReceived, summary.purchaseOrdersAnswered, summary.duplicatesIgnored,
         summary.unreadablePurchaseOrders) = state.counts()
        logger.info("simulation finished", metadata: ["sim.published": "\(summary.published)",
                                                      "sim.purchase_orders": "\(summary.purchaseOrdersAnswered)"])
        return summary
    }

    /// Consumes `purchase-orders` and schedules the world's answers.
    private func answerPurchaseOrders(clock: SimClock) async throws {
        var config = KafkaConsumerConfiguration(kafka, groupID: options.groupID)
        config.sessionTimeout = options.sessionTimeout
        config.maxPollInterval = max(options.sessionTimeout, .seconds(10))
        config.autoOffsetReset = .earliest
        let consumer = try KafkaConsumer(configuration: config, logger: logger)
        try consumer.subscribe(topics: [options.topicPrefix + SimRecord.Topic.purchaseOrders])
        defer { Task { try? await consumer.close() } }
        var lastCommit = ContinuousClock.now
        for try await message in consumer.messages {
            state.receive(purchaseOrder: message.value, at: clock.now, logger: logger)
            try consumer.storeOffset(message)
            if ContinuousClock.now - lastCommit > .seconds(1) {
                try? await consumer.commit()
                lastCommit = .now
            }
        }
    }
}

/// How a live simulation runs.
public struct LiveSimulationOptions: Sendable {
    /// The deployment's topic prefix.
    public var topicPrefix = Contract.defaultPrefix
    /// Average orders per wall-clock second (sets the time scale unless ``timeScale`` is given).
    public var ordersPerSecond: Double = 50
    /// Simulated seconds per wall second, overriding ``ordersPerSecond``.
    public var timeScale: Double?
    /// Whether to consume `purchase-orders` and answer them.
    public var answerPurchaseOrders = true
    /// The consumer group that reads `purchase-orders`.
    public var groupID = "dropflow.simulator"
    /// After the last order: stop once no purchase order has arrived for this long and
    /// nothing is left to publish.
    public var quiet: Duration = .seconds(10)
    /// The consumer's session timeout (short keeps a restart's rebalance quick).
    public var sessionTimeout: Duration = .seconds(10)

    public init() {}
}

/// What a live run did.
public struct LiveSummary: Sendable, Hashable {
    /// Records published, all topics.
    public var published = 0
    /// Records published per logical topic.
    public var publishedByTopic: [String: Int] = [:]
    /// Purchase-order messages read (redeliveries and unreadable ones included).
    public var purchaseOrdersReceived = 0
    /// Distinct purchase orders (id and revision) answered.
    public var purchaseOrdersAnswered = 0
    /// Redelivered or repeated purchase orders that were recognised and not answered again.
    public var duplicatesIgnored = 0
    /// Purchase-order messages that were not a JSON object with an order and supplier.
    public var unreadablePurchaseOrders = 0
}
