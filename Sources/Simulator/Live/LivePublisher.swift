import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowKafka
import DropflowSimulator
import Foundation
import Logging

/// Publishes simulated records to Kafka as the outside world would: under the deployment's
/// prefix, keyed as the contract says, with CloudEvents headers (`ce_time` is the simulated
/// time of the event; `ce_id` is derived from the seed and the record, so the same record always
/// has the same id).
final class LivePublisher: @unchecked Sendable {
    private let producer: KafkaProducer
    private let prefix: String
    private let seed: UInt64
    private let logger: Logger
    private let lock = NSLock()
    private var counts = LiveSummary()
    private var failures: [KafkaError] = []

    init(producer: KafkaProducer, prefix: String, seed: UInt64, logger: Logger) {
        self.producer = producer
        self.prefix = prefix
        self.seed = seed
        self.logger = logger
    }

    /// Hands `record` to the producer (waiting when its queue is full). Throws the first
    /// delivery failure seen so far, so a broken cluster stops the run.
    func publish(_ record: SimRecord) async throws {
        if let failure = lock.withLock({ failures.first }) { throw failure }
        guard let topic = Contract.topic(named: record.topic) else {
            logger.debug("not a contract topic; not published", metadata: ["kafka.topic": "\(record.topic)"])
            return
        }
        let value = record.value.map { $0.serialized() }
        let message = KafkaProducerMessage(
            topic: topic.fullName(prefix: prefix), key: record.key.map { Array($0.utf8) }, value: value,
            headers: [
                KafkaHeader(key: CloudEventsHeader.specVersion, string: CloudEventsHeader.specVersionValue),
                KafkaHeader(key: CloudEventsHeader.id, string: Self.eventID(seed: seed, topic: record.topic, key: record.key, value: value, at: record.at)),
                KafkaHeader(key: CloudEventsHeader.type, string: topic.ceType),
                KafkaHeader(key: CloudEventsHeader.source, string: "dropflow/simulator"),
                KafkaHeader(key: CloudEventsHeader.time, string: record.at.rfc3339),
                KafkaHeader(key: CloudEventsHeader.contentType, string: CloudEventsHeader.jsonContentType),
            ])
        while true {
            do {
                try producer.enqueue(message) { [self] result in
                    if case .failure(let error) = result { lock.withLock { failures.append(error) } }
                }
                break
            } catch {
                guard error.code == KafkaError.queueFull else { throw error }
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        lock.withLock {
            counts.published += 1
            counts.publishedByTopic[record.topic, default: 0] += 1
        }
    }

    /// `sim-<seed>-<FNV-1a of topic, key, time and value>`: the same record of the same seed
    /// always has the same id, and different records practically never share one.
    static func eventID(seed: UInt64, topic: String, key: String?, value: [UInt8]?, at: SimInstant) -> String {
        var hash = FNV1a()
        for part in [Array(topic.utf8), Array((key ?? "").utf8), Array(String(at.seconds).utf8), value ?? []] {
            hash.add(part)
            hash.add(0xFF)  // a separator no UTF-8 text contains
        }
        return "sim-\(seed)-" + hash.value.hex16
    }

    /// Waits for every published record to be acknowledged.
    func flush() async throws {
        try await producer.flush()
        if let failure = lock.withLock({ failures.first }) { throw failure }
    }

    var summary: LiveSummary { lock.withLock { counts } }
}
