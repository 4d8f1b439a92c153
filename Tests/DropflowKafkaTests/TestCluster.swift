import DropflowCore
import DropflowKafka
import DropflowLocalBroker
import Foundation
import Logging
import Testing

/// Where a test runs: librdkafka's in-process mock cluster, or a real Tansu
/// broker of the test's own on a free loopback port.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case mock, tansu
    var testDescription: String { rawValue }
}

/// A cluster for one test; stopped when released.
final class TestCluster: @unchecked Sendable {
    let backend: Backend
    let bootstrapServers: [String]
    let mock: KafkaMockCluster?
    let broker: LocalBroker?
    let logger: Logger

    init(_ backend: Backend) throws {
        self.backend = backend
        var logger = Logger(label: "test.\(backend.rawValue)")
        logger.logLevel = ProcessInfo.processInfo.environment["DROPFLOW_TEST_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .error
        self.logger = logger
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

    var common: KafkaConfiguration { KafkaConfiguration(bootstrapServers: bootstrapServers, clientID: "dropflow-test") }

    func admin() throws -> KafkaAdmin { try KafkaAdmin(configuration: common, logger: logger) }

    func createTopic(_ name: String, partitions: Int32) async throws {
        if let mock {
            try mock.createTopic(name, partitions: partitions)
            return
        }
        let admin = try admin()
        try await admin.createTopics([KafkaTopicSpec(name: name, partitions: partitions, replicationFactor: 1)])
        await admin.close()
    }

    func producer(_ tweak: (inout KafkaProducerConfiguration) -> Void = { _ in }) throws -> KafkaProducer {
        var c = KafkaProducerConfiguration(common)
        c.messageTimeout = .seconds(20)
        tweak(&c)
        return try KafkaProducer(configuration: c, logger: logger)
    }

    /// A consumer with short group timeouts, so that joins and rebalances are quick.
    func consumer(group: String, listener: KafkaRebalanceListener? = nil,
                  _ tweak: (inout KafkaConsumerConfiguration) -> Void = { _ in }) throws -> KafkaConsumer {
        var c = KafkaConsumerConfiguration(common, groupID: group)
        c.sessionTimeout = .seconds(6)
        c.maxPollInterval = .seconds(6)
        c.heartbeatInterval = .milliseconds(500)
        tweak(&c)
        return try KafkaConsumer(configuration: c, rebalanceListener: listener, logger: logger)
    }
}

func uniqueName(_ prefix: String) -> String { "\(prefix)-\(UInt32.random(in: 0...UInt32.max))" }

struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out: \(what)" }
}

/// Runs `body`, failing with ``TimedOut`` after `limit`.
func withTimeout<T: Sendable>(_ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask { try await Task.sleep(for: limit); return nil }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimedOut(what: what) }
        return value
    }
}

/// Reads `count` messages (or fails after `limit`), storing each one's offset after reading it.
func read(_ consumer: KafkaConsumer, count: Int, within limit: Duration = .seconds(60), store: Bool = true) async throws -> [KafkaConsumerMessage] {
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

/// A thread-safe box for what concurrent readers saw.
final class Collector<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func append(_ t: T) { lock.withLock { items.append(t) } }
    var all: [T] { lock.withLock { items } }
    var count: Int { lock.withLock { items.count } }
}

/// Polls `condition` until it holds or `limit` passes.
func eventually(_ limit: Duration = .seconds(30), _ what: String, _ condition: @Sendable () -> Bool) async throws {
    let deadline = ContinuousClock.now + limit
    while !condition() {
        if ContinuousClock.now > deadline { throw TimedOut(what: what) }
        try await Task.sleep(for: .milliseconds(50))
    }
}
