import DropflowCore
import DropflowKafka
import DropflowLocalBroker
import Foundation
import Logging

// The Kafka test kit: what tests that need Kafka share — a cluster of their own (a local Tansu
// broker or librdkafka's mock cluster), clients with short group timeouts, reading topics to
// their end, waiting for conditions.

/// A logger for tests: silent unless DROPFLOW_TEST_LOG names a level.
public func makeTestLogger(_ label: String) -> Logger {
    var l = Logger(label: label)
    l.logLevel = ProcessInfo.processInfo.environment["DROPFLOW_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return l
}

/// The kit's logger.
public let testLogger = makeTestLogger("test.kafka")

/// `prefix-<random>`: a name no other test uses.
public func uniqueName(_ prefix: String) -> String { "\(prefix)-\(UInt32.random(in: 0...UInt32.max))" }

public struct TimedOut: Error, CustomStringConvertible {
    public let what: String
    public init(what: String) { self.what = what }
    public var description: String { "timed out: \(what)" }
}

/// Polls `condition` every 50 ms until it holds, or throws ``TimedOut`` once `limit` passes.
public func eventually(_ limit: Duration = .seconds(60), _ what: String, _ condition: @Sendable () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while !(try await condition()) {
        if ContinuousClock.now > deadline { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// Runs `body`, failing with ``TimedOut`` after `limit`.
public func withTimeout<T: Sendable>(_ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    guard let value = try await withTimeoutResult(limit, body) else { throw TimedOut(what: what) }
    return value
}

/// Runs `body`; nil when `limit` passes first.
public func withTimeoutResult<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask { try await Task.sleep(for: limit); return nil }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
}

/// Reads `count` messages (or fails after `limit`), storing each one's offset after reading it.
public func read(_ consumer: KafkaConsumer, count: Int, within limit: Duration = .seconds(60),
                 store: Bool = true) async throws -> [KafkaConsumerMessage] {
    try await withTimeout(limit, "reading \(count) messages") {
        var got: [KafkaConsumerMessage] = []
        for try await m in consumer.messages {
            got.append(m)
            if store { try consumer.storeOffset(m) }
            if got.count == count { break }
        }
        return got
    }
}

/// A value shared between tasks.
public final class Box<T: Sendable>: @unchecked Sendable {
    private let locked: Locked<T>
    public init(_ v: T) { locked = Locked(v) }
    public var value: T { locked.current }
    public func mutate(_ f: (inout T) -> Void) { locked.withLock { f(&$0) } }
}

/// What concurrent readers saw.
public final class Collector<T: Sendable>: @unchecked Sendable {
    private let items = Locked<[T]>([])
    public init() {}
    public func append(_ t: T) { items.withLock { $0.append(t) } }
    public var all: [T] { items.current }
    public var count: Int { items.withLock { $0.count } }
}

/// A cluster for one test: a Tansu broker of its own on a free loopback port, or librdkafka's
/// in-process mock cluster; stopped when released. Topic names given to the `logical` methods
/// get the cluster's ``prefix``, so tests never see each other's topics.
public final class TestCluster: @unchecked Sendable {
    /// Where a test runs.
    public enum Backend: String, CaseIterable, Sendable {
        case mock, tansu
    }

    public let backend: Backend
    public let broker: LocalBroker?
    public let mock: KafkaMockCluster?
    public let bootstrapServers: [String]
    public let prefix = uniqueName("t") + "."
    public let logger: Logger

    public init(_ backend: Backend = .tansu) throws {
        self.backend = backend
        logger = makeTestLogger("test.\(backend.rawValue)")
        switch backend {
        case .mock:
            let m = try KafkaMockCluster(brokers: 3, logger: logger)
            mock = m
            broker = nil
            bootstrapServers = m.bootstrapServers
        case .tansu:
            let b = try LocalBroker(logger: logger)
            broker = b
            mock = nil
            bootstrapServers = b.bootstrapServers
        }
    }

    deinit { broker?.stop() }

    public var kafka: KafkaConfiguration { KafkaConfiguration(bootstrapServers: bootstrapServers, clientID: "dropflow-test") }

    public func admin() throws -> KafkaAdmin { try KafkaAdmin(configuration: kafka, logger: logger) }

    /// Creates a topic by its full name.
    public func createTopic(_ name: String, partitions: Int32) async throws {
        if let mock {
            try mock.createTopic(name, partitions: partitions)
            return
        }
        let admin = try admin()
        try await admin.createTopics([KafkaTopicSpec(name: name, partitions: partitions, replicationFactor: 1)])
        await admin.close()
    }

    /// Creates topics by their names under ``prefix``.
    public func createTopics(_ logical: [String], partitions: Int32) async throws {
        if let mock {
            for t in logical { try mock.createTopic(prefix + t, partitions: partitions) }
            return
        }
        let admin = try admin()
        try await admin.createTopics(logical.map { KafkaTopicSpec(name: prefix + $0, partitions: partitions, replicationFactor: 1) })
        await admin.close()
    }

    /// A producer whose messages time out after 20 s (unless `tweak` says otherwise).
    public func producer(_ tweak: (inout KafkaProducerConfiguration) -> Void = { _ in }) throws -> KafkaProducer {
        var c = KafkaProducerConfiguration(kafka)
        c.messageTimeout = .seconds(20)
        tweak(&c)
        return try KafkaProducer(configuration: c, logger: logger)
    }

    /// A consumer with short group timeouts, so that joins and rebalances are quick.
    public func consumer(group: String, listener: KafkaRebalanceListener? = nil,
                         _ tweak: (inout KafkaConsumerConfiguration) -> Void = { _ in }) throws -> KafkaConsumer {
        var c = KafkaConsumerConfiguration(kafka, groupID: group)
        c.sessionTimeout = .seconds(6)
        c.maxPollInterval = .seconds(6)
        c.heartbeatInterval = .milliseconds(500)
        tweak(&c)
        return try KafkaConsumer(configuration: c, rebalanceListener: listener, logger: logger)
    }

    /// Sends `count` values to a topic under ``prefix``, partition by index modulo
    /// `partitions`, keyed `k<i>`.
    public func produce(_ topic: String, count: Int, partitions: Int32, from start: Int = 0,
                        value: (Int) -> [UInt8]? = { Array("{\"i\":\($0)}".utf8) }) async throws {
        let producer = try producer { $0.messageTimeout = .seconds(60) }
        for i in start..<(start + count) {
            try producer.enqueue(KafkaProducerMessage(topic: prefix + topic, partition: Int32(i) % partitions, key: Array("k\(i)".utf8),
                                                      value: value(i))) { _ in }
        }
        try await producer.flush(timeout: .seconds(60))
        await producer.close()
    }

    /// Sum of the high watermarks of a topic's partitions: messages written to it.
    public func written(_ topic: String) async throws -> Int64 {
        try await endOffsets(topics: [topic]).values.reduce(0, +)
    }

    /// The true high watermark of every partition of these topics (names without the prefix).
    /// A ListOffsets answer is not enough: Tansu gives the base offset of the last batch plus
    /// one. Each partition is read from that answer's last offset to the end its consumer
    /// reports, which is the fetch response's high watermark.
    public func endOffsets(topics: [String], within limit: Duration = .seconds(30)) async throws -> [KafkaTopicPartition: Int64] {
        let marks = try await listedWatermarks(topics)
        let toRead = marks.filter { $0.value.high > $0.value.low }
        let (_, found) = try await read(from: toRead.mapValues { $0.high - 1 }, to: toRead.mapValues { $0.high }, collecting: false,
                                        within: limit, what: "the ends of \(topics)")
        return marks.mapValues { $0.high }.merging(found) { max($0, $1) }
    }

    /// Every message of a topic as of now: each partition read from the beginning to its end,
    /// as the consumer reports it (which is past the high watermark Tansu 0.6 may report: the
    /// base offset of the last batch).
    public func readAll(_ topic: String, within limit: Duration = .seconds(60)) async throws -> [KafkaConsumerMessage] {
        try await readAll(topics: [topic], within: limit)
    }

    /// Every message of these topics as of now, read by one consumer.
    public func readAll(topics: [String], within limit: Duration = .seconds(60)) async throws -> [KafkaConsumerMessage] {
        let toRead = try await listedWatermarks(topics).filter { $0.value.high > $0.value.low }
        return try await read(from: toRead.mapValues { _ in KafkaOffset.beginning }, to: toRead.mapValues { $0.high }, collecting: true,
                              within: limit, what: "reading \(topics) to the end").messages
    }

    /// ListOffsets' watermarks of every partition of these topics (names without the prefix).
    private func listedWatermarks(_ topics: [String]) async throws -> [KafkaTopicPartition: (low: Int64, high: Int64)] {
        let admin = try admin()
        defer { Task { await admin.close() } }
        return try await admin.watermarks(topics: topics.map { prefix + $0 })
    }

    /// Reads each partition from `starts` until the consumer reports its end at or past the
    /// offset in `ends`: the messages (when `collecting`) and the ends reported.
    private func read(from starts: [KafkaTopicPartition: Int64], to ends: [KafkaTopicPartition: Int64], collecting: Bool,
                      within limit: Duration, what: String) async throws -> (messages: [KafkaConsumerMessage], ends: [KafkaTopicPartition: Int64]) {
        guard !starts.isEmpty else { return ([], [:]) }
        var cc = KafkaConsumerConfiguration(kafka, groupID: uniqueName("reader"))
        cc.commitOnClose = false
        cc.reportPartitionEnd = true
        let consumer = try KafkaConsumer(configuration: cc, logger: logger)
        try consumer.assign(starts.map { KafkaTopicPartitionOffset($0.key, offset: $0.value) })
        let result = try await withTimeoutResult(limit) { () -> ([KafkaConsumerMessage], [KafkaTopicPartition: Int64]) in
            var collected: [KafkaConsumerMessage] = []
            var reported: [KafkaTopicPartition: Int64] = [:]
            var remaining = Set(starts.keys)
            for try await m in consumer.messages {
                if m.isPartitionEnd {
                    reported[m.topicPartition] = m.offset
                    if m.offset >= ends[m.topicPartition] ?? 0 { remaining.remove(m.topicPartition) }
                } else if collecting {
                    collected.append(m)
                }
                if remaining.isEmpty { break }
            }
            return (collected, reported)
        }
        try? await consumer.close()
        guard let result else { throw TimedOut(what: what) }
        return result
    }

    /// Reads a topic until it holds at least `count` distinct keys.
    public func waitForKeys(_ topic: String, count: Int, within limit: Duration = .seconds(90)) async throws -> [KafkaConsumerMessage] {
        let deadline = ContinuousClock.now + limit
        while true {
            let all = try await readAll(topic)
            if Set(all.compactMap(\.keyString)).count >= count { return all }
            if ContinuousClock.now > deadline { throw TimedOut(what: "\(count) keys in \(topic), have \(Set(all.compactMap(\.keyString)).count)") }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Waits until a consumer group has committed every message of a topic.
    public func waitCommitted(group: String, topic: String, within limit: Duration = .seconds(90)) async throws {
        let admin = try admin()
        defer { Task { await admin.close() } }
        let last = Locked<[KafkaPartitionLag]>([])
        do {
            try await eventually(limit, "group \(group) has committed all of \(topic)") {
                var lag = try await admin.consumerGroupLag(groupID: group, topics: [self.prefix + topic])
                last.withLock { $0 = lag }
                guard lag.allSatisfy({ $0.lag == 0 }) else { return false }
                // Against the true ends (ListOffsets may fall short of them, see endOffsets).
                let ends = try await self.endOffsets(topics: [topic])
                lag = lag.map { var l = $0; l.highWatermark = max(l.highWatermark, ends[l.topicPartition] ?? 0); return l }
                last.withLock { $0 = lag }
                return lag.allSatisfy { $0.lag == 0 }
            }
        } catch let timedOut as TimedOut {
            // Which partitions lag, and where they stopped.
            throw TimedOut(what: timedOut.what + "; lag: " + last.current.filter { $0.lag > 0 }.map(\.description).joined(separator: ", "))
        }
    }
}
