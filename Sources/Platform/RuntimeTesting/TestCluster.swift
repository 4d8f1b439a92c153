import DropflowCore
import DropflowKafka
import DropflowLocalBroker
import DropflowRuntime
import Foundation
import Logging
import ServiceLifecycle

// Helpers for tests that need Kafka: a cluster of their own (a local Tansu broker or
// librdkafka's mock cluster), reading topics to their end, waiting for conditions.

/// A logger for tests: silent unless DROPFLOW_TEST_LOG names a level.
public func makeTestLogger(_ label: String) -> Logger {
    var l = Logger(label: label)
    l.logLevel = ProcessInfo.processInfo.environment["DROPFLOW_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
    return l
}

let testLogger = makeTestLogger("test.kafka")

public func uniqueName(_ prefix: String) -> String { "\(prefix)\(UInt32.random(in: 0...UInt32.max))" }

public struct TimedOut: Error, CustomStringConvertible {
    public let what: String
    public init(what: String) { self.what = what }
    public var description: String { "timed out: \(what)" }
}

/// Polls `condition` until it holds or `limit` passes.
public func eventually(_ limit: Duration = .seconds(60), _ what: String, _ condition: @Sendable () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while !(try await condition()) {
        if ContinuousClock.now > deadline { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(100))
    }
}

/// A cluster for one test: a Tansu broker of its own, or librdkafka's mock cluster.
public final class TestCluster: @unchecked Sendable {
    public let broker: LocalBroker?
    public let mock: KafkaMockCluster?
    public let bootstrapServers: [String]
    public let prefix = uniqueName("t") + "."

    public init(mock useMock: Bool = false) throws {
        if useMock {
            let m = try KafkaMockCluster(brokers: 3, logger: testLogger)
            mock = m
            broker = nil
            bootstrapServers = m.bootstrapServers
        } else {
            let b = try LocalBroker(logger: testLogger)
            broker = b
            mock = nil
            bootstrapServers = b.bootstrapServers
        }
    }

    deinit { broker?.stop() }

    public var kafka: KafkaConfiguration { KafkaConfiguration(bootstrapServers: bootstrapServers, clientID: "runtime-test") }

    public func createTopics(_ logical: [String], partitions: Int32) async throws {
        if let mock {
            for t in logical { try mock.createTopic(prefix + t, partitions: partitions) }
            return
        }
        let admin = try KafkaAdmin(configuration: kafka, logger: testLogger)
        try await admin.createTopics(logical.map { KafkaTopicSpec(name: prefix + $0, partitions: partitions, replicationFactor: 1) })
        await admin.close()
    }

    /// Sends `values` to a topic, partition by index modulo `partitions`, keyed `k<i>`.
    public func produce(_ topic: String, count: Int, partitions: Int32, from start: Int = 0,
                 value: (Int) -> [UInt8]? = { Array("{\"i\":\($0)}".utf8) }) async throws {
        var pc = KafkaProducerConfiguration(kafka)
        pc.messageTimeout = .seconds(60)
        let producer = try KafkaProducer(configuration: pc, logger: testLogger)
        for i in start..<(start + count) {
            try producer.enqueue(KafkaProducerMessage(topic: prefix + topic, partition: Int32(i) % partitions, key: Array("k\(i)".utf8), value: value(i))) { _ in }
        }
        try await producer.flush(timeout: .seconds(60))
        await producer.close()
    }

    public func producer() throws -> KafkaProducer {
        try KafkaProducer(configuration: KafkaProducerConfiguration(kafka), logger: testLogger)
    }

    /// Sum of the high watermarks of a topic's partitions: messages written to it.
    public func written(_ topic: String) async throws -> Int64 {
        let admin = try KafkaAdmin(configuration: kafka, logger: testLogger)
        defer { Task { await admin.close() } }
        return try await admin.watermarks(topics: [prefix + topic]).values.reduce(0) { $0 + $1.high }
    }

    /// Every message of a topic as of now: each partition read from the
    /// beginning up to its high watermark, then on until nothing more comes
    /// for a second (Tansu 0.6 can report a high watermark below the end: the
    /// base offset of the last batch).
    public func readAll(_ topic: String, within limit: Duration = .seconds(60)) async throws -> [KafkaConsumerMessage] {
        let admin = try KafkaAdmin(configuration: kafka, logger: testLogger)
        let marks = try await admin.watermarks(topics: [prefix + topic])
        await admin.close()
        var cc = KafkaConsumerConfiguration(kafka, groupID: uniqueName("reader"))
        cc.commitOnClose = false
        let consumer = try KafkaConsumer(configuration: cc, logger: testLogger)
        try consumer.assign(marks.keys.map { KafkaTopicPartitionOffset($0, offset: KafkaOffset.beginning) })
        let collected = Box<[KafkaConsumerMessage]>([])
        let lastArrival = Box(ContinuousClock.now)
        let reader = Task {
            for try await m in consumer.messages {
                collected.mutate { $0.append(m) }
                lastArrival.mutate { $0 = .now }
            }
        }
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            let reached = marks.allSatisfy { tp, mark in
                mark.high <= mark.low || collected.value.contains { $0.topicPartition == tp && $0.offset + 1 >= mark.high }
            }
            if reached && ContinuousClock.now - lastArrival.value > .seconds(1) { break }
        }
        reader.cancel()
        try? await consumer.close()
        if ContinuousClock.now >= deadline { throw TimedOut(what: "reading \(topic) to its end") }
        return collected.value
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
        let admin = try KafkaAdmin(configuration: kafka, logger: testLogger)
        defer { Task { await admin.close() } }
        try await eventually(limit, "group \(group) has committed all of \(topic)") {
            let lag = try await admin.consumerGroupLag(groupID: group, topics: [self.prefix + topic])
            return lag.allSatisfy { $0.lag == 0 }
        }
    }
}

public func withTimeoutResult<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask { try await Task.sleep(for: limit); return nil }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
}

public final class Box<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var v: T
    public init(_ v: T) { self.v = v }
    public var value: T { lock.withLock { v } }
    public func mutate(_ f: (inout T) -> Void) { lock.withLock { f(&v) } }
}

/// The built `dropflow` executable (swift build builds it with the tests).
public func dropflowBinary() throws -> String {
    // The package root: the first folder above this file that holds Package.swift.
    var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
        url.deleteLastPathComponent()
    }
    for config in ["debug", "release"] {
        let p = url.appendingPathComponent(".build/\(config)/dropflow").path
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    throw TimedOut(what: "no built dropflow binary under \(url.path)/.build")
}
