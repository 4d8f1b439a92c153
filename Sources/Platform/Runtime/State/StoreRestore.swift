import DropflowCore
import DropflowKafka
import Foundation
import Logging

/// A store's changelog cannot hold the partitions of its input: the deployment must create it
/// with at least as many partitions. The worker cannot work on.
struct StoreLayoutError: Error, CustomStringConvertible {
    let description: String
}

/// Reads the changelog partitions of an input partition's stores to their end, as of when it
/// starts, into memory.
enum StoreRestore {
    static func restore(_ stores: [StateStore], for tp: KafkaTopicPartition, committed: Int64?, config: WorkerConfiguration,
                        logger: Logger) async throws -> [StorePartition] {
        guard !stores.isEmpty else { return [] }
        var cc = KafkaConsumerConfiguration(config.kafka, groupID: "dropflow.restore.\(UInt32.random(in: 0...UInt32.max))")
        cc.commitOnClose = false
        cc.enableAutoCommit = false
        cc.reportPartitionEnd = true
        let consumer = try KafkaConsumer(configuration: cc, logger: logger)
        defer { Task { try? await consumer.close() } }

        let names = Dictionary(uniqueKeysWithValues: stores.map { (config.topic($0.changelog.name), $0) })
        let counts = try await consumer.partitionCounts(Array(names.keys))
        for (name, store) in names {
            guard let n = counts[name] else {
                throw StoreLayoutError(description: "the changelog topic \(name) of store \(store.name) does not exist (create the topics: dropflow topics create)")
            }
            guard n > tp.partition else {
                throw StoreLayoutError(description: "the changelog topic \(name) has \(n) partitions but the input \(tp.topic) has a partition \(tp.partition): a store's changelog needs at least as many partitions as its input")
            }
        }
        let parts = names.keys.map { KafkaTopicPartition(topic: $0, partition: tp.partition) }
        let marks = try await consumer.watermarks(parts)
        var restored: [String: StorePartition] = [:]
        for (name, store) in names { restored[name] = StorePartition(store: store, input: tp, committed: committed) }
        let toRead = parts.filter { (marks[$0]?.high ?? 0) > (marks[$0]?.low ?? 0) }
        guard !toRead.isEmpty else { return Array(restored.values) }
        let start = ContinuousClock.now
        try consumer.assign(toRead.map { KafkaTopicPartitionOffset($0, offset: KafkaOffset.beginning) })
        var remaining = Set(toRead)
        var ends = ReadEnds(toRead.map { ($0, marks[$0]!.high) })
        var count = 0
        var positions: [KafkaTopicPartition: Int64] = [:]
        for try await m in consumer.messages {
            try Task.checkCancellation()
            positions[m.topicPartition] = max(positions[m.topicPartition] ?? 0, m.position)
            if !m.isPartitionEnd {
                count += 1
                if let key = m.keyString, let part = restored[m.topic] {
                    if let value = m.value {
                        do throws(StoreRecord.Unreadable) {
                            part.restore(key: key, record: try StoreRecord(bytes: value))
                        } catch {
                            logger.warning("unreadable store record skipped", metadata: [
                                "kafka.topic": "\(m.topic)", "kafka.offset": "\(m.offset)", "error": "\(error)"])
                        }
                    } else {
                        part.restore(key: key, record: nil)
                    }
                }
            }
            remaining = remaining.filter { !ends.isReached($0, position: positions[$0] ?? 0, fetchedHigh: consumer.fetchedHighWatermark) }
            if remaining.isEmpty { break }
        }
        guard remaining.isEmpty else { throw CancellationError() }
        for part in restored.values { part.evict() }
        logger.info("stores restored", metadata: [
            "kafka.topic": "\(tp.topic)", "kafka.partition": "\(tp.partition)", "store.records": "\(count)",
            "store.keys": "\(restored.values.map(\.count).reduce(0, +))", "store.ms": "\((ContinuousClock.now - start).milliseconds)"])
        return Array(restored.values)
    }
}

/// How far a reader got in each partition: past its last message, or to the end the consumer
/// reported (which counts records it never hands over, such as transaction markers).
final class PartitionEnds: @unchecked Sendable {
    private let lock = NSLock()
    private var positions: [KafkaTopicPartition: Int64] = [:]

    func reached(_ tp: KafkaTopicPartition, _ offset: Int64) {
        lock.withLock { positions[tp] = max(positions[tp] ?? 0, offset) }
    }

    func position(_ tp: KafkaTopicPartition) -> Int64 { lock.withLock { positions[tp] ?? 0 } }
}

/// Where a reader that must read "everything written before now" may stop, per partition: the
/// high watermark a ListOffsets query gave, and, once the reader is there, the higher one its
/// consumer's fetch responses give at that moment (taken once, so a busy partition still ends).
///
/// Tansu answers ListOffsets(latest) with the base offset of the partition's last batch plus
/// one: a reader stopping there would miss the rest of that batch (a changelog restore lost a
/// decision record this way, and the decision was made twice). The fetch response that held the
/// batch's first record carried a high watermark at or past its end, so the second figure is
/// never short; on a broker that answers right it only reads a little further.
struct ReadEnds {
    private var targets: [KafkaTopicPartition: (high: Int64, extended: Bool)] = [:]

    init(_ highs: some Sequence<(KafkaTopicPartition, Int64)>) {
        for (tp, high) in highs { targets[tp] = (high, false) }
    }

    /// Whether `position` (the next offset to read) is the end of `tp` for this read.
    mutating func isReached(_ tp: KafkaTopicPartition, position: Int64, fetchedHigh: (KafkaTopicPartition) -> Int64?) -> Bool {
        guard var target = targets[tp] else { return true }
        guard position >= target.high else { return false }
        if !target.extended {
            target.extended = true
            target.high = max(target.high, fetchedHigh(tp) ?? target.high)
            targets[tp] = target
        }
        return position >= target.high
    }
}
