import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowPipeline
import DropflowKafka
import DropflowObservability
import DropflowSimulator
import DropflowStages
import Foundation
import Logging

/// Where each order ended, read from the pipeline's outcome topics as they are written.
final class DemoOutcomes: @unchecked Sendable {
    struct Outcome: Sendable {
        /// approved, rejected, review
        var kind: String
        /// model, reviewer, intake, fraud, review
        var by: String
        var score: Double?
        var reasons: [String]
    }

    private let consumer: KafkaConsumer
    private let topics: [String: String]
    private let partitions: Int32
    private let lock = NSLock()
    private var outcomes: [String: Outcome] = [:]
    private var reviewQueue: [String] = []

    init(kafka: KafkaConfiguration, prefix: String, partitions: Int32, logger: Logger) throws {
        var cc = KafkaConsumerConfiguration(kafka, groupID: "dropflow.demo.outcomes.\(UInt32.random(in: 0...UInt32.max))")
        cc.commitOnClose = false
        consumer = try KafkaConsumer(configuration: cc, logger: logger)
        topics = Dictionary(uniqueKeysWithValues: [TopicDeclaration.ordersApproved, TopicDeclaration.ordersRejected, TopicDeclaration.reviewQueue]
            .map { (prefix + $0.name, $0.name) })
        self.partitions = partitions
    }

    func run() async throws {
        try consumer.assign(topics.keys.flatMap { topic in
            (0..<partitions).map { KafkaTopicPartitionOffset(KafkaTopicPartition(topic: topic, partition: $0), offset: KafkaOffset.beginning) }
        })
        defer { Task { try? await consumer.close() } }
        for try await m in consumer.messages {
            guard let topic = topics[m.topic], let v = try? JSONValue.parse(m.value ?? []), let id = v["order_id"]?.stringValue else { continue }
            let reasons = (v["reasons"]?.arrayValue ?? v["fraud"]?["reasons"]?.arrayValue ?? []).compactMap { r -> String? in
                guard let detail = r["detail"]?.stringValue else { return nil }
                return r["weight"]?.doubleValue.map { String(format: "%@ (%+.2f)", detail, $0) } ?? detail
            }
            lock.withLock {
                switch topic {
                case TopicDeclaration.ordersApproved.name:
                    outcomes[id] = Outcome(kind: "approved", by: v["fraud"]?["decided_by"]?.stringValue ?? "model",
                                           score: v["fraud"]?["score"]?.doubleValue, reasons: reasons)
                case TopicDeclaration.ordersRejected.name:
                    outcomes[id] = Outcome(kind: "rejected", by: v["stage"]?.stringValue ?? "?", score: v["fraud_score"]?.doubleValue,
                                           reasons: reasons)
                default:
                    if outcomes[id] == nil {
                        outcomes[id] = Outcome(kind: "review", by: "fraud", score: v["fraud_score"]?.doubleValue, reasons: reasons)
                        reviewQueue.append(id)
                    }
                }
            }
        }
    }

    /// Orders approved or rejected (held ones are not final yet).
    var finalCount: Int { lock.withLock { outcomes.values.filter { $0.kind != "review" }.count } }

    /// Review cases not handed out before.
    func takeReviewCases() -> [String] {
        lock.withLock { defer { reviewQueue.removeAll() }; return reviewQueue }
    }

    var snapshot: [String: Outcome] { lock.withLock { outcomes } }
}

/// A person working the review queue: right `accuracy` of the time, deciding a few seconds later.
final class DemoReviewer: @unchecked Sendable {
    private let producer: KafkaProducer
    private let prefix: String
    private let accuracy: Double
    private var rng: SimRandom
    private let truth: DemoTruth

    init(kafka: KafkaConfiguration, prefix: String, accuracy: Double, seed: UInt64, truth: DemoTruth, logger: Logger) throws {
        producer = try KafkaProducer(configuration: KafkaProducerConfiguration(kafka), logger: logger)
        self.prefix = prefix
        self.accuracy = accuracy
        rng = SimRandom(seed: seed, stream: "demo-reviewer")
        self.truth = truth
    }

    func run(outcomes: DemoOutcomes) async throws {
        defer { Task { await producer.close() } }
        while !Task.isCancelled {
            for id in outcomes.takeReviewCases() {
                let fraud = truth.label(id)?.fraud ?? false
                let right = rng.chance(accuracy)
                let approve = fraud != right
                let decision: JSONValue = ["order_id": .string(id), "decision": approve ? "approve" : "decline", "reviewer": "demo-reviewer",
                                           "at": .string(DateTimeFormat.format(Date())), "note": approve ? "looks fine" : "does not add up"]
                try await producer.send(KafkaProducerMessage(topic: prefix + TopicDeclaration.reviewDecisions.name, key: Array(id.utf8),
                                                             value: decision.serialized()))
            }
            try await Task.sleep(for: .milliseconds(300))
        }
    }
}

/// What the demo prints at the end.
struct DemoReport {
    let outcomes: [String: DemoOutcomes.Outcome]
    let truth: DemoTruth
    let orders: Int

    var text: String {
        var byOutcome: [String: Int] = [:]
        var caught = 0, missed = 0, falseDeclines = 0, frauds = 0, legit = 0, pendingFraud = 0
        var missedPatterns: [String: Int] = [:]
        for (id, o) in outcomes {
            byOutcome["\(o.kind) by \(o.by)", default: 0] += 1
            guard let label = truth.label(id) else { continue }
            if label.fraud { frauds += 1 } else { legit += 1 }
            switch (o.kind, label.fraud) {
            case ("rejected", true): caught += 1
            case ("approved", true): missed += 1; missedPatterns[label.pattern, default: 0] += 1
            case ("rejected", false): falseDeclines += 1
            case ("review", true): pendingFraud += 1
            default: break
            }
        }
        var lines = ["", "━━ outcome of \(outcomes.count) of \(orders) orders ━━"]
        for (k, v) in byOutcome.sorted(by: { $0.key < $1.key }) { lines.append("  " + k.padding(toLength: 24, withPad: " ", startingAt: 0) + String(v)) }
        lines.append("━━ against the simulator's truth ━━")
        lines.append("  fraudulent orders: \(frauds); caught (rejected): \(caught); missed (approved): \(missed); still in review: \(pendingFraud)")
        if !missedPatterns.isEmpty {
            lines.append("  missed by pattern: " + missedPatterns.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        lines.append("  legitimate orders: \(legit); wrongly rejected: \(falseDeclines)")
        lines.append("━━ a few decisions and why ━━")
        let samples = outcomes.filter { $0.value.by == "fraud" && !$0.value.reasons.isEmpty }.sorted { $0.key < $1.key }.prefix(3)
        for (id, o) in samples {
            lines.append("  \(id): \(o.kind), score \(o.score.map { String(format: "%.3f", $0) } ?? "-"), truth: \(truth.label(id)?.pattern ?? "?")")
            for r in o.reasons.prefix(4) { lines.append("      · \(r)") }
        }
        return lines.joined(separator: "\n")
    }
}

