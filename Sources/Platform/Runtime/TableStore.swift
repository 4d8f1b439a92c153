import DropflowContract
import DropflowCore
import DropflowKafka
import Foundation
import Logging

/// One table topic as a handler sees it: looked up in place (nothing is copied), the worker's
/// own writes included at once.
public struct TableView: Sendable {
    let registry: TableRegistry
    let name: String

    public subscript(key: String) -> [UInt8]? { registry.value(name, key) }
    /// Whether `key` was in the table and was deleted since this worker started reading it (the
    /// most recent ``TableRegistry/departedLimit`` deletions of a table are remembered; a
    /// tombstone compaction removed before the replay is not seen).
    public func departed(_ key: String) -> Bool { registry.departed(name, key) }
    /// Keys in the table.
    public var count: Int { registry.count(name) }
    /// Bumped by every change: a handler may cache what it derives from the table until it moves.
    public var version: UInt64 { registry.version(name) }
    /// The keys, copied (for a handler that rebuilds a derived view when ``version`` moves).
    public var keys: [String] { registry.keys(name) }
}

/// The tables a worker replays: every worker of a stage reads each table topic
/// in full from the beginning (latest value per key wins, a null value
/// deletes the key) before it is ready, and keeps following it.
final class TableRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var tables: [String: [String: [UInt8]]] = [:]
    private var versions: [String: UInt64] = [:]
    /// Per table, keys deleted while they were in it, oldest first (bounded by ``departedLimit``).
    private var gone: [String: (keys: Set<String>, order: [String], start: Int)] = [:]
    /// How many deletions a table remembers: what tells an order that left a table from one
    /// that was never in it.
    static let departedLimit = 100_000

    func value(_ name: String, _ key: String) -> [UInt8]? { lock.withLock { tables[name]?[key] } }
    func count(_ name: String) -> Int { lock.withLock { tables[name]?.count ?? 0 } }
    func version(_ name: String) -> UInt64 { lock.withLock { versions[name] ?? 0 } }
    func keys(_ name: String) -> [String] { lock.withLock { tables[name].map { Array($0.keys) } ?? [] } }
    func departed(_ name: String, _ key: String) -> Bool { lock.withLock { gone[name]?.keys.contains(key) ?? false } }

    func apply(table: String, key: String, value: [UInt8]?) {
        lock.withLock {
            if let value {
                if tables[table]?[key] == value { return }
                tables[table, default: [:]][key] = value
                gone[table]?.keys.remove(key)
            } else {
                guard tables[table]?.removeValue(forKey: key) != nil else { return }
                remember(departure: key, from: table)
            }
            versions[table, default: 0] &+= 1
        }
    }

    /// Called with the lock held.
    private func remember(departure key: String, from table: String) {
        var g = gone[table] ?? ([], [], 0)
        if g.keys.insert(key).inserted { g.order.append(key) }
        while g.keys.count > Self.departedLimit, g.start < g.order.count {
            g.keys.remove(g.order[g.start])
            g.start += 1
        }
        if g.start > Self.departedLimit {  // drop the forgotten prefix now and then
            g.order.removeFirst(g.start)
            g.start = 0
        }
        gone[table] = g
    }
}

/// Replays and follows the table and followed topics of a stage with a consumer of its own
/// that reads every partition from the beginning and never commits.
///
/// "Caught up" is by position: every partition read to the high watermark asked for (past its
/// last message, or to the end the consumer reports, which counts transaction markers), never
/// by waiting for quiet, so a busy topic ends its replay like an idle one.
final class TableFollower: @unchecked Sendable {
    private let consumer: KafkaConsumer
    private let admin: KafkaAdmin
    private let registry: TableRegistry
    private let logicalNames: [String: String]
    private let followed: [String: FollowedTopic]
    private let ends = PartitionEnds()
    private let lock = NSLock()
    private let partitions = Locked<[KafkaTopicPartition]>([])
    /// The watermarks of every followed partition, one query shared by the handlers that catch
    /// up at the same time (sixteen partitions' handlers asking at once make one query, not sixteen).
    private let watermarks: FreshQuery<[KafkaTopicPartition: (low: Int64, high: Int64)]>
    private var task: Task<Void, Error>?
    private var applied = 0
    private let logger: Logger

    init(tables: [TopicDeclaration], followed: [FollowedTopic] = [], config: WorkerConfiguration, stage: String, registry: TableRegistry,
         logger: Logger) throws {
        var cc = KafkaConsumerConfiguration(config.kafka, groupID: "dropflow.\(stage).tables.\(UInt32.random(in: 0...UInt32.max))")
        cc.commitOnClose = false
        cc.enableAutoCommit = false
        cc.reportPartitionEnd = true
        consumer = try KafkaConsumer(configuration: cc, logger: logger)
        // Watermarks are asked over an admin client's connections: on the consumer's, each
        // query would wait behind its long-poll fetch.
        let admin = try KafkaAdmin(configuration: config.kafka, logger: logger)
        self.admin = admin
        watermarks = FreshQuery { [partitions] in try await admin.watermarks(partitions.current) }
        self.registry = registry
        self.logger = logger
        logicalNames = Dictionary(uniqueKeysWithValues: (tables.map(\.name) + followed.map(\.name)).map { (config.topic($0), $0) })
        self.followed = Dictionary(uniqueKeysWithValues: followed.map { (config.topic($0.name), $0) })
    }

    /// Starts reading every partition of the tables from the beginning, and returns once all
    /// are read to the watermarks of now. Cancellable.
    func replay() async throws {
        guard !logicalNames.isEmpty else { return }
        let marks = try await admin.watermarks(topics: Array(logicalNames.keys))
        let parts = marks.keys.sorted()
        partitions.withLock { $0 = parts }
        try consumer.assign(parts.map { KafkaTopicPartitionOffset($0, offset: KafkaOffset.beginning) })
        let start = ContinuousClock.now
        task = Task { [self] in
            for try await m in consumer.messages { apply(m) }
        }
        try await waitFor(marks)
        logger.info("tables replayed", metadata: ["table.messages": "\(lock.withLock { applied })", "table.topics": "\(logicalNames.values.sorted())",
                                                  "table.ms": "\((ContinuousClock.now - start).milliseconds)"])
    }

    /// Returns once every table has been read to the watermarks of now: what any worker wrote
    /// (and was acknowledged) before the call is then visible. Cancellable.
    func catchUp() async throws {
        guard !partitions.current.isEmpty else { return }
        let start = ContinuousClock.now
        let marks = try await watermarks.value()
        let queried = ContinuousClock.now
        try await waitFor(marks)
        let took = ContinuousClock.now - start
        if took > .seconds(1) {
            logger.warning("slow catch-up with the tables", metadata: [
                "table.query.ms": "\((queried - start).milliseconds)", "table.read.ms": "\((ContinuousClock.now - queried).milliseconds)"])
        }
    }

    private func waitFor(_ marks: [KafkaTopicPartition: (low: Int64, high: Int64)]) async throws {
        var remaining = marks.filter { $0.value.high > $0.value.low }
        var readEnds = ReadEnds(remaining.map { ($0.key, $0.value.high) })
        while !remaining.isEmpty {
            remaining = remaining.filter { !readEnds.isReached($0.key, position: ends.position($0.key), fetchedHigh: consumer.fetchedHighWatermark) }
            if remaining.isEmpty { break }
            try await Task.sleep(for: .milliseconds(5))  // throws once cancelled
        }
    }

    private func apply(_ m: KafkaConsumerMessage) {
        defer { ends.reached(m.topicPartition, m.position) }
        if m.isPartitionEnd { return }
        lock.withLock { applied += 1 }
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
        await admin.close()
    }
}
