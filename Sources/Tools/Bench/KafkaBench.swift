import DropflowCore
import DropflowKafka
import Foundation
import Logging

/// `dropflow bench`: the Kafka layer's produce and consume rates next to kcat's (librdkafka's C
/// client tool) for the same number of same-sized messages. Prints figures; asserts nothing
/// about speed.
public struct KafkaBench: Sendable {
    public struct Options: Sendable {
        public var messages = 200_000
        /// Value size in bytes.
        public var size = 200
        /// kcat's path or name on PATH (skipped when absent).
        public var kcat = "kcat"
        public init() {}
    }

    /// One client's figures.
    public struct Row: Sendable {
        public var name: String
        public var failedDeliveries: Int
        public var produce: Duration?
        public var consume: Duration?
    }

    public let options: Options
    public let kafka: KafkaConfiguration
    public let logger: Logger

    public init(options: Options, kafka: KafkaConfiguration, logger: Logger) {
        self.options = options
        self.kafka = kafka
        self.logger = logger
    }

    public func run(say: @Sendable (String) -> Void = { print($0) }) async throws -> [Row] {
        let messages = options.messages
        let runID = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let swiftTopic = "dropflow.bench.swift.\(runID)", kcatTopic = "dropflow.bench.kcat.\(runID)"
        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        try await admin.createTopics([KafkaTopicSpec(name: swiftTopic, partitions: 1), KafkaTopicSpec(name: kcatTopic, partitions: 1)])
        await admin.close()
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: options.size)
        say("bench: \(messages) messages of \(options.size) bytes, 1 partition, idempotent producer, linger 5 ms, broker \(kafka.bootstrapServers.joined(separator: ","))")

        // Swift producer: enqueue everything, then wait for every acknowledgement.
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(kafka), logger: logger)
        let failures = Locked(0)
        let produceStart = ContinuousClock.now
        for i in 0..<messages {
            let m = KafkaProducerMessage(topic: swiftTopic, key: nil, value: payload)
            try await producer.enqueueWaitingForRoom(m, failures: failures)
            if i % 10_000 == 0 { await Task.yield() }
        }
        try await producer.flush(timeout: .seconds(300))
        let swiftProduce = ContinuousClock.now - produceStart
        await producer.close()

        // Swift consumer: read the partition from the beginning (no group join in the figure).
        var cc = KafkaConsumerConfiguration(kafka, groupID: "dropflow.bench.\(runID)")
        cc.bufferCapacity = 20_000
        let consumer = try KafkaConsumer(configuration: cc, logger: logger)
        try consumer.assign([KafkaTopicPartitionOffset(topic: swiftTopic, partition: 0, offset: KafkaOffset.beginning)])
        var consumed = 0
        var consumeStart: ContinuousClock.Instant?
        for try await _ in consumer.messages {
            if consumeStart == nil { consumeStart = .now }
            consumed += 1
            if consumed == messages { break }
        }
        let swiftConsume = ContinuousClock.now - (consumeStart ?? .now)
        try await consumer.close()

        var rows = [Row(name: "Swift wrapper (DropflowKafka)", failedDeliveries: failures.current, produce: swiftProduce, consume: swiftConsume)]
        if let kcat = ChildProcess.which(options.kcat) {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("dropflow-bench-\(runID).txt")
            let line = String(repeating: "x", count: options.size) + "\n"
            try String(repeating: line, count: messages).write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            let brokers = kafka.bootstrapServers.joined(separator: ",")
            let p = try time(kcat, ["-P", "-b", brokers, "-t", kcatTopic, "-p", "0", "-X", "enable.idempotence=true",
                                    "-X", "linger.ms=5", "-l", file.path])
            // kcat -C: from the beginning, exit at the end; startup and metadata are in its figure.
            let c = try time(kcat, ["-C", "-b", brokers, "-t", kcatTopic, "-p", "0", "-o", "beginning", "-e", "-q",
                                    "-c", String(messages), "-f", ""])
            rows.append(Row(name: "kcat \(kcatVersion(kcat)) (librdkafka C)", failedDeliveries: 0, produce: p, consume: c))
        } else {
            say("kcat not found: only the Swift figures are shown (scripts/setup.sh installs it)")
        }
        return rows
    }

    /// The table the command prints.
    public static func table(_ rows: [Row], messages: Int) -> String {
        func rate(_ d: Duration?) -> String {
            guard let d else { return "-" }
            let s = d.inSeconds
            return String(format: "%10.0f msg/s (%.2f s)", Double(messages) / max(s, 1e-9), s)
        }
        var lines = [Column.left("client", 38) + Column.left("produce", 30) + "consume"]
        for r in rows {
            lines.append(Column.left(r.name, 38) + Column.left(rate(r.produce), 30) + rate(r.consume)
                         + (r.failedDeliveries > 0 ? "  (\(r.failedDeliveries) failed deliveries)" : ""))
        }
        return lines.joined(separator: "\n")
    }

    private func kcatVersion(_ path: String) -> String {
        guard let p = try? ChildProcess(path: path, arguments: ["-V"]) else { return "" }
        p.waitUntilExit()
        usleep(50_000) // the reader thread drains the pipe
        let text = p.outputText
        let lib = text.range(of: "librdkafka [0-9][0-9.]*", options: .regularExpression).map { String(text[$0]) } ?? ""
        return lib.isEmpty ? "" : "[\(lib)]"
    }

    /// Runs a command to completion and returns how long it took; fails if it failed.
    private func time(_ path: String, _ args: [String]) throws -> Duration {
        let start = ContinuousClock.now
        let p = try ChildProcess(path: path, arguments: args)
        p.waitUntilExit()
        let elapsed = ContinuousClock.now - start
        guard p.exitStatus() == 0 else {
            throw BenchFailure(description: "\(path) \(args.joined(separator: " ")) failed (\(p.exitStatus() ?? -1)): \(p.outputText)")
        }
        return elapsed
    }
}
