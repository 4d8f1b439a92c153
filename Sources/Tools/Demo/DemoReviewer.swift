import DropflowContract
import DropflowCore
import DropflowJSON
import DropflowKafka
import DropflowSimulator
import Foundation
import Logging

/// A person working the review queue: on a fraud case right `accuracy` of the time; on an order
/// routing holds (nothing can fill it now), as ``ReviewerVerdicts/decideHeldByRouting(orderID:reasonCodes:at:)``
/// says: a decline when waiting cannot help, else nothing.
final class DemoReviewer: @unchecked Sendable {
    private let producer: KafkaProducer
    private let prefix: String
    private var verdicts: ReviewerVerdicts
    private let truth: DemoTruth

    init(kafka: KafkaConfiguration, prefix: String, accuracy: Double, seed: UInt64, truth: DemoTruth, logger: Logger) throws {
        producer = try KafkaProducer(configuration: KafkaProducerConfiguration(kafka), logger: logger)
        self.prefix = prefix
        verdicts = ReviewerVerdicts(accuracy: accuracy, seed: seed)
        self.truth = truth
    }

    func run(outcomes: DemoOutcomes) async throws {
        defer { Task { await producer.close() } }
        while !Task.isCancelled {
            for reviewCase in outcomes.takeReviewCases() {
                let id = reviewCase.orderID
                // A case whose order routing has routed meanwhile (the stock came back) is closed.
                if reviewCase.stage == "routing" && !outcomes.isHeldByRouting(id) { continue }
                let at = DateTimeFormat.format(Date())
                let verdict = reviewCase.stage == "routing"
                    ? ReviewerVerdicts.decideHeldByRouting(orderID: id, reasonCodes: reviewCase.reasonCodes, at: at)
                    : verdicts.decide(orderID: id, isFraud: truth.label(id)?.fraud ?? false, at: at)
                guard let decision = verdict else { continue }
                try await producer.send(KafkaProducerMessage(topic: TopicDeclaration.reviewDecisions.fullName(prefix: prefix),
                                                             key: Array(id.utf8), value: decision.serialized()))
            }
            try await Task.sleep(for: .milliseconds(300))
        }
    }
}

/// The simulated reviewer's verdicts: right `accuracy` of the time, from a seeded stream.
struct ReviewerVerdicts: Sendable {
    let accuracy: Double
    private var rng: SimRandom

    init(accuracy: Double, seed: UInt64) {
        self.accuracy = accuracy
        rng = SimRandom(seed: seed, stream: "demo-reviewer")
    }

    /// The verdict on an order that is (or is not) really fraud.
    mutating func decide(orderID: String, isFraud: Bool, at: String) -> ReviewDecision {
        let right = rng.chance(accuracy)
        let approve = isFraud != right
        return ReviewDecision(orderID: orderID, decision: approve ? .approve : .decline, reviewer: "demo-reviewer",
                              note: approve ? "looks fine" : "does not add up", at: at)
    }

    /// Hold reasons waiting cannot cure: nobody offers the SKU, no carrier reaches the country,
    /// no exchange rate for the offer's currency.
    static let hopelessHolds: Set<String> = ["no_offer", "no_lane", "no_exchange_rate"]

    /// The verdict on an order routing holds: decline (cancel it) when waiting cannot help;
    /// none otherwise, leaving it to wait for stock or the supplier (routing routes it as soon as
    /// the world allows; an approve would change nothing until then).
    static func decideHeldByRouting(orderID: String, reasonCodes: [String], at: String) -> ReviewDecision? {
        guard reasonCodes.contains(where: { hopelessHolds.contains($0) }) else { return nil }
        return ReviewDecision(orderID: orderID, decision: .decline, reviewer: "demo-reviewer", note: "cannot be filled: cancel", at: at)
    }
}

/// The simulator's label of every order placed.
final class DemoTruth: @unchecked Sendable {
    private let labels = Locked<[String: (fraud: Bool, pattern: String)]>([:])

    func add(_ orderID: String, _ truth: JSONValue?) {
        labels.withLock { $0[orderID] = (truth?["is_fraud"]?.boolValue ?? false, truth?["pattern"]?.stringValue ?? "legit") }
    }

    func label(_ orderID: String) -> (fraud: Bool, pattern: String)? { labels.withLock { $0[orderID] } }

    var all: [String: (fraud: Bool, pattern: String)] { labels.withLock { $0 } }
}
