import DropflowKafka
import Foundation
import Logging

/// The latest value per key of one table topic, at one moment.
public struct TableSnapshot: Sendable {
    public let values: [String: [UInt8]]
    public subscript(key: String) -> [UInt8]? { values[key] }
    public var count: Int { values.count }
}

/// The tables a worker replays: every worker of a stage reads each table topic
/// in full from the beginning (latest value per key wins, a null value
/// deletes the key) before it is ready, and keeps following it.
final class TableRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var tables: [String: [String: [UInt8]]] = [:]

    func snapshot(_ name: String) -> TableSnapshot { lock.withLock { TableSnapshot(values: tables[name] ?? [:]) } }

    func apply(table: String, key: String, value: [UInt8]?) {
        lock.withLock {
            if let value { tables[table, default: [:]][key] = value } else { tables[table]?[key] = nil }
        }
    }
}

/// Replays and follows the table topics of a stage with a consumer of its own
/// that reads every partition from the beginning and never commits.
final class TableFollower: @unchecked Sendable {
    private let consumer: KafkaConsumer
    private let registry: TableRegistry
    private let logicalNames: [String: String]
    private var task: Task<Void, Error>?
    private let logger: Logger

    init(tables: [String], config: WorkerConfiguration, stage: String, registry: TableRegistry, logger: Logger) throws {
        var cc = KafkaConsumerConfiguration(config.kafka, groupID: "dropflow.\(stage).tables.\(UInt32.random(in: 0...UInt32.max))")
        cc.commitOnClose = false
        cc.enableAutoCommit = false
        consumer = try KafkaConsumer(configuration: cc, logger: logger)
        self.registry = registry
        self.logger = logger
        logicalNames = Dictionary(uniqueKeysWithValues: tables.map { (config.topic($0), $0) })
    }

    /// Reads every table to its end as of now, then keeps following in the background.
    func replay(admin: KafkaAdmin) async throws {
        guard !logicalNames.isEmpty else { return }
        let marks = try await admin.watermarks(topics: Array(logicalNames.keys))
        try consumer.assign(marks.keys.map { KafkaTopicPartitionOffset($0, offset: KafkaOffset.beginning) })
        var remaining = Set(marks.filter { $0.value.high > $0.value.low }.keys)
        let targets = marks.mapValues(\.high)
        let start = ContinuousClock.now
        var count = 0
        var iterator = consumer.messages.makeAsyncIterator()
        while !remaining.isEmpty, let m = try await iterator.next() {
            apply(m)
            count += 1
            if m.offset + 1 >= targets[m.topicPartition] ?? 0 { remaining.remove(m.topicPartition) }
        }
        logger.info("tables replayed", metadata: ["table.messages": "\(count)", "table.topics": "\(logicalNames.values.sorted())",
                                                  "table.ms": "\((ContinuousClock.now - start).milliseconds)"])
        let it = iterator
        task = Task { [self] in
            var iterator = it
            while let m = try await iterator.next() { apply(m) }
        }
    }

    private func apply(_ m: KafkaConsumerMessage) {
        guard let table = logicalNames[m.topic], let key = m.keyString else { return }
        registry.apply(table: table, key: key, value: m.value)
    }

    func close() async {
        task?.cancel()
        try? await consumer.close()
    }
}
