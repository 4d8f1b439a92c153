import DropflowCore
import ArgumentParser
import DropflowKafka
import Foundation
import Logging

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the Kafka layer's produce and consume rates next to kcat's on the same broker.",
        discussion: """
        Prints messages/s for the Swift wrapper and for kcat (librdkafka's C client tool)
        producing and consuming the same number of same-sized messages, so the Swift layer's
        overhead is visible. Asserts nothing about speed. Without --bootstrap-servers it
        starts a local Tansu broker; a fresh one per run keeps its memory small.
        """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Messages per measurement.")
    var messages: Int = 200_000

    @Option(help: "Value size in bytes.")
    var size: Int = 200

    @Option(help: "Path of kcat (skipped when absent).")
    var kcat: String = "kcat"

    func run() async throws {
        var logger = connection.logger("dropflow.bench")
        logger.logLevel = max(logger.logLevel, .warning)
        let (common, broker) = try connection.connect(logger: logger)
        defer { broker?.stop() }
        let runID = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let swiftTopic = "dropflow.bench.swift.\(runID)", kcatTopic = "dropflow.bench.kcat.\(runID)"
        let admin = try KafkaAdmin(configuration: common, logger: logger)
        try await admin.createTopics([KafkaTopicSpec(name: swiftTopic, partitions: 1), KafkaTopicSpec(name: kcatTopic, partitions: 1)])
        await admin.close()
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        print("bench: \(messages) messages of \(size) bytes, 1 partition, idempotent producer, linger 5 ms, broker \(common.bootstrapServers.joined(separator: ","))")

        // Swift producer: enqueue everything, then wait for every acknowledgement.
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(common), logger: logger)
        let failures = FailureCounter()
        let produceStart = ContinuousClock.now
        for i in 0..<messages {
            let m = KafkaProducerMessage(topic: swiftTopic, key: nil, value: payload)
            while !(try enqueueUnlessFull(producer, m, failures)) {
                try await Task.sleep(for: .microseconds(200))
            }
            if i % 10_000 == 0 { await Task.yield() }
        }
        try await producer.flush(timeout: .seconds(300))
        let swiftProduce = ContinuousClock.now - produceStart
        await producer.close()

        // Swift consumer: read the partition from the beginning (no group join in the figure).
        var cc = KafkaConsumerConfiguration(common, groupID: "dropflow.bench.\(runID)")
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

        var rows: [(String, Int, Duration?, Duration?)] = [("Swift wrapper (DropflowKafka)", failures.value, swiftProduce, swiftConsume)]
        if let kcatPath = which(kcat) {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("dropflow-bench-\(runID).txt")
            let line = String(repeating: "x", count: size) + "\n"
            try String(repeating: line, count: messages).write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            let brokers = common.bootstrapServers.joined(separator: ",")
            let p = try time(kcatPath, ["-P", "-b", brokers, "-t", kcatTopic, "-p", "0", "-X", "enable.idempotence=true",
                                        "-X", "linger.ms=5", "-l", file.path])
            // kcat -C: from the beginning, exit at the end; startup and metadata are in its figure.
            let c = try time(kcatPath, ["-C", "-b", brokers, "-t", kcatTopic, "-p", "0", "-o", "beginning", "-e", "-q",
                                        "-c", String(messages), "-f", ""])
            rows.append(("kcat \(kcatVersion(kcatPath)) (librdkafka C)", 0, p, c))
        } else {
            print("kcat not found: only the Swift figures are shown (scripts/setup.sh installs it)")
        }
        func rate(_ d: Duration?) -> String {
            guard let d else { return "-" }
            let s = d.inSeconds
            return String(format: "%10.0f msg/s (%.2f s)", Double(messages) / max(s, 1e-9), s)
        }
        print("")
        print("client".padding(toLength: 38, withPad: " ", startingAt: 0) + "produce".padding(toLength: 30, withPad: " ", startingAt: 0) + "consume")
        for (name, failed, p, c) in rows {
            print(name.padding(toLength: 38, withPad: " ", startingAt: 0) + rate(p).padding(toLength: 30, withPad: " ", startingAt: 0) + rate(c)
                  + (failed > 0 ? "  (\(failed) failed deliveries)" : ""))
        }
    }

    /// Hands a message over; false when the producer's queue is full (try again later).
    private func enqueueUnlessFull(_ producer: KafkaProducer, _ m: KafkaProducerMessage, _ failures: FailureCounter) throws -> Bool {
        do {
            try producer.enqueue(m) { if case .failure = $0 { failures.add() } }
            return true
        } catch {
            if error.code == KafkaError.queueFull { return false }
            throw error
        }
    }

    private func which(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return nil
    }

    private func kcatVersion(_ path: String) -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = ["-V"]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try? p.run()
        p.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let lib = text.range(of: "librdkafka [0-9][0-9.]*", options: .regularExpression).map { String(text[$0]) } ?? ""
        return lib.isEmpty ? "" : "[\(lib)]"
    }

    /// Runs a command to completion and returns how long it took; fails if it failed.
    private func time(_ path: String, _ args: [String]) throws -> Duration {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        let err = Pipe()
        p.standardError = err
        let start = ContinuousClock.now
        try p.run()
        p.waitUntilExit()
        let elapsed = ContinuousClock.now - start
        guard p.terminationStatus == 0 else {
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw ValidationError("\(path) \(args.joined(separator: " ")) failed (\(p.terminationStatus)): \(text)")
        }
        return elapsed
    }
}

final class FailureCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.withLock { n += 1 } }
    var value: Int { lock.withLock { n } }
}
