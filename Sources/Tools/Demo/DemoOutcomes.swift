import DropflowContract
import DropflowCore
import DropflowJSON
import DropflowKafka
import DropflowPipeline
import Foundation
import Logging

/// Where one order ended, as the demo saw it on the pipeline's outcome topics.
public struct DemoOutcome: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case approved, rejected, review
    }

    public var kind: Kind
    /// model, reviewer, intake, fraud, review
    public var by: String
    public var score: Double?
    /// The reasons in words, with their weights: `card issued in NG but shipping to US (+1.08)`.
    public var reasons: [String]

    public init(kind: Kind, by: String, score: Double?, reasons: [String]) {
        self.kind = kind
        self.by = by
        self.score = score
        self.reasons = reasons
    }

    /// The outcome a message on `topic` says, with its order id; nil for a message that says
    /// nothing the demo counts (another topic, or a value that does not decode).
    public static func read(topic: TopicDeclaration, value: [UInt8]) -> (orderID: String, outcome: DemoOutcome)? {
        switch topic {
        case .ordersApproved:
            guard let m = try? ApprovedOrder(bytes: value) else { return nil }
            return (m.orderID, DemoOutcome(kind: .approved, by: m.fraud.decidedBy.rawValue, score: m.fraud.score,
                                           reasons: words(m.fraud.reasons)))
        case .ordersRejected:
            guard let m = try? OrderRejected(bytes: value) else { return nil }
            return (m.orderID, DemoOutcome(kind: .rejected, by: m.stage.rawValue, score: m.fraudScore, reasons: words(m.reasons)))
        case .reviewQueue:
            guard let m = try? ReviewCase(bytes: value) else { return nil }
            return (m.orderID, DemoOutcome(kind: .review, by: "fraud", score: m.fraudScore, reasons: words(m.reasons)))
        default:
            return nil
        }
    }

    static func words(_ reasons: [Reason]) -> [String] {
        reasons.map { r in r.weight.map { String(format: "%@ (%+.2f)", r.detail, $0) } ?? r.detail }
    }
}

/// Where each order ended, read from the pipeline's outcome topics as they are written.
final class DemoOutcomes: @unchecked Sendable {
    static let topics: [TopicDeclaration] = [.ordersApproved, .ordersRejected, .reviewQueue]

    private let consumer: KafkaConsumer
    private let topicsByName: [String: TopicDeclaration]
    private let partitions: Int32
    private let state = Locked(State())

    struct State {
        var outcomes: [String: DemoOutcome] = [:]
        var reviewQueue: [String] = []

        /// A later outcome replaces an earlier one, but a review case never replaces a final one.
        mutating func record(_ orderID: String, _ outcome: DemoOutcome) {
            if outcome.kind == .review {
                guard outcomes[orderID] == nil else { return }
                reviewQueue.append(orderID)
            }
            outcomes[orderID] = outcome
        }
    }

    init(kafka: KafkaConfiguration, prefix: String, partitions: Int32, logger: Logger) throws {
        var cc = KafkaConsumerConfiguration(kafka, groupID: "dropflow.demo.outcomes.\(UInt32.random(in: 0...UInt32.max))")
        cc.commitOnClose = false
        consumer = try KafkaConsumer(configuration: cc, logger: logger)
        topicsByName = Dictionary(uniqueKeysWithValues: Self.topics.map { ($0.fullName(prefix: prefix), $0) })
        self.partitions = partitions
    }

    func run() async throws {
        try consumer.assign(topicsByName.keys.flatMap { topic in
            (0..<partitions).map { KafkaTopicPartitionOffset(KafkaTopicPartition(topic: topic, partition: $0), offset: KafkaOffset.beginning) }
        })
        defer { Task { try? await consumer.close() } }
        for try await m in consumer.messages {
            guard let topic = topicsByName[m.topic], let read = DemoOutcome.read(topic: topic, value: m.value ?? []) else { continue }
            state.withLock { $0.record(read.orderID, read.outcome) }
        }
    }

    /// Orders approved or rejected (held ones are not final yet).
    var finalCount: Int { state.withLock { $0.outcomes.values.filter { $0.kind != .review }.count } }

    /// Review cases not handed out before.
    func takeReviewCases() -> [String] {
        state.withLock { s in defer { s.reviewQueue.removeAll() }; return s.reviewQueue }
    }

    var snapshot: [String: DemoOutcome] { state.withLock { $0.outcomes } }
}
