import DropflowContract
import DropflowCore
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
    private let followed: [String: FollowedTopic]
    private var task: Task<Void, Error>?
    private let logger: Logger

    init(tables: [TopicDeclaration], followed: [FollowedTopic] = [], config: WorkerConfiguration, stage: String, registry: TableRegistry,
         logger: Logger) throws {
        var cc = KafkaConsumerConfiguration(config.kafka, groupID: "dropflow.\(stage).tables.\(UInt32.random(in: 0...UInt32.max))")
        cc.commitOnClose = false
        cc.enableAutoCommit = false
        consumer = try KafkaConsumer(configuration: cc, logger: logger)
        self.registry = registry
        self.logger = logger
        logicalNames = Dictionary(uniqueKeysWithValues: (tables.map(\.name) + followed.map(\.name)).map { (config.topic($0), $0) })
        self.followed = Dictionary(uniqueKeysWithValues: followed.map { (config.topic($0.name), $0) })
    }

    /// Reads every table to its end as of now, then keeps following in the background.
    /// "The end" is each partition's high watermark, and then until nothing more
    /// arrives for `quiet` (some brokers report a high watermark below the end).
    func replay(admin: KafkaAdmin, quiet: Duration = .milliseconds(300)) async throws {
        guard !logicalNames.isEmpty else { return }
        let marks = try await admin.watermarks(topics: Array(logicalNames.keys))
        try consumer.assign(marks.keys.map { KafkaTopicPartitionOffset($0, offset: KafkaOffset.beginning) })
        var remaining = Set(marks.filter { $0.value.high > $0.value.low }.keys)
        let targets = marks.mapValues(\.high)
        let start = ContinuousClock.now
        var count = 0
        let messages = consumer.messages
        while true {
            // Before the watermarks: wait as long as it takes; after: until quiet.
            let batch = try await Self.next(messages, within: remaining.isEmpty ? quiet : nil)
            if batch.isEmpty { break }
            for m in batch {
                apply(m)
                count += 1
                if m.offset + 1 >= targets[m.topicPartition] ?? 0 { remaining.remove(m.topicPartition) }
            }
        }
        logger.info("tables replayed", metadata: ["table.messages": "\(count)", "table.topics": "\(logicalNames.values.sorted())",
                                                  "table.ms": "\((ContinuousClock.now - start).milliseconds)"])
        task = Task { [self] in
            for try await m in messages { apply(m) }
        }
    }

    /// The next message, or none if `within` passes first. A message that
    /// arrives while the wait is being cancelled is still returned.
    private static func next(_ messages: KafkaConsumerMessages, within: Duration?) async throws -> [KafkaConsumerMessage] {
        guard let within else {
            var it = messages.makeAsyncIterator()
            return try await it.next().map { [$0] } ?? []
        }
        return try await withThrowingTaskGroup(of: KafkaConsumerMessage?.self) { group in
            group.addTask { var it = messages.makeAsyncIterator(); return try await it.next() }
            group.addTask { try? await Task.sleep(for: within); return nil }
            var got: [KafkaConsumerMessage] = []
            if let first = try await group.next(), let m = first { got.append(m) }
            group.cancelAll()
            while let more = try await group.next() { if let m = more { got.append(m) } }
            return got
        }
    }

    private func apply(_ m: KafkaConsumerMessage) {
        if let follow = followed[m.topic] {
            follow.apply(m.key, m.value, m.timestampMs)
            return
        }
        guard let table = logicalNames[m.topic], let key = m.keyString else { return }
        registry.apply(table: table, key: key, value: m.value)
    }

    func close() async {
        task?.cancel()
        try? await consumer.close()
    }
}
