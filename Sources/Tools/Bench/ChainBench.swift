import DropflowCore
import DropflowKafka
import DropflowLocalBroker
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `dropflow bench-chain`: orders through a chain of `dropflow worker passthrough` processes,
/// end to end, next to the same chain of raw librdkafka relays (`bench/relay.c`). Starts the
/// chain (chain.0 → chain.1 → … → chain.<stages>), feeds N orders like the contract's example
/// into chain.0 at full speed, reads the last topic and times each order from send to receipt.
/// Prints figures; asserts nothing about speed.
public struct ChainBench: Sendable {
    public struct Options: Sendable {
        public var orders = 20_000
        public var stages = 5
        public var partitions = 4
        /// The compiled C relay; the comparison is skipped when nil or absent.
        public var relay: String?
        /// How long to wait for the last order before reporting what arrived.
        public var timeout: Duration = .seconds(120)
        /// librdkafka properties the workers get (`key=value`).
        public var kafkaProperties: [String] = []
        /// The `dropflow` executable the workers run as.
        public var executable = ChildProcess.currentExecutablePath()

        public init() {}
    }

    /// One chain's figures.
    public struct Row: Sendable {
        public var name: String
        public var received = 0
        public var duplicates = 0
        /// Seconds from the first send to the last receipt.
        public var elapsed = 0.0
        public var throughput = 0.0
        public var latency = LatencySummary(p50: .nan, p99: .nan, max: .nan)
    }

    public let options: Options
    public let kafka: KafkaConfiguration
    public let logger: Logger

    public init(options: Options, kafka: KafkaConfiguration, logger: Logger) {
        self.options = options
        self.kafka = kafka
        self.logger = logger
    }

    /// Runs both chains; `say` hears progress. The children are stopped before it returns,
    /// and on SIGTERM or SIGINT to this process (which then exits).
    public func run(children: ChildGroup = ChildGroup(), say: @escaping @Sendable (String) -> Void = { print($0) }) async throws -> [Row] {
        let runID = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let prefix = "bench\(runID)."
        let brokers = kafka.bootstrapServers.joined(separator: ",")
        let logDir = FileManager.default.temporaryDirectory.appendingPathComponent("dropflow-bench-chain-\(runID)")
        try FileManager.default.createDirectory(at: logDir, withIntermediateDirectories: true)
        let orderBytes = ExampleOrder.bytes(orderID: "ord-\(runID)-\(options.orders)").count
        say("bench-chain: \(options.orders) orders (~\(orderBytes) bytes), \(options.stages) stages, \(options.partitions) partitions, broker \(brokers)")

        let properties = options.kafkaProperties.flatMap { ["--kafka-property", $0] }
        let exe = options.executable
        var rows = [try await measure(name: "Swift runtime (dropflow worker)", prefix: prefix, chain: "chain.", children: children,
                                      logDir: logDir, say: say) { i, input, output in
            (exe, ["worker", "passthrough", "--bootstrap-servers", brokers, "--topic-prefix", prefix,
                   "--input", input, "--output", output, "--group", "\(prefix)worker.\(i)", "--metrics-port=-1",
                   "--log-level", "warning", "--session-timeout", "6", "--max-poll-interval", "6"] + properties)
        }]
        if let relay = options.relay, FileManager.default.isExecutableFile(atPath: relay) {
            let path = URL(fileURLWithPath: relay).standardizedFileURL.path
            if !options.kafkaProperties.isEmpty {
                say("note: the C relay takes no librdkafka properties; it connects with plaintext defaults")
            }
            rows.append(try await measure(name: "raw librdkafka (C relay)", prefix: prefix, chain: "chain.r.", children: children,
                                          logDir: logDir, say: say) { i, input, output in
                (path, [brokers, "\(prefix)relay.\(i)", prefix + input, prefix + output])
            })
        } else {
            say("C relay not found\(options.relay.map { " at \($0)" } ?? " (no --relay)"): only the Swift runtime is measured (scripts/bench-chain.sh builds it)")
        }
        // The children's output (warnings and worse) is kept only when there is some.
        if ChildGroup.logTails(logDir, lines: 1_000_000).isEmpty {
            try? FileManager.default.removeItem(at: logDir)
        } else {
            say("the processes of the chains wrote warnings or errors: see \(logDir.path)")
        }
        return rows
    }

    /// The table the command prints.
    public static func table(_ rows: [Row], orders: Int) -> String {
        var lines = [Column.left("chain", 34) + Column.right("orders", 8) + Column.right("elapsed s", 11) + Column.right("orders/s", 10)
                     + Column.right("p50 ms", 9) + Column.right("p99 ms", 9) + Column.right("max ms", 9) + Column.right("dups", 6)]
        for r in rows {
            lines.append(Column.left(r.name, 34) + Column.right(r.received == orders ? "\(r.received)" : "\(r.received)/\(orders)", 8)
                         + Column.right(Column.number(r.elapsed, 2), 11) + Column.right(Column.number(r.throughput, 0), 10)
                         + Column.right(Column.number(r.latency.p50, 1), 9) + Column.right(Column.number(r.latency.p99, 1), 9)
                         + Column.right(Column.number(r.latency.max, 1), 9) + Column.right("\(r.duplicates)", 6))
        }
        if rows.count == 2 {
            let (s, c) = (rows[0], rows[1])
            lines.append(Column.left("ratio Swift runtime / raw C", 34) + Column.right("", 8) + Column.right("", 11)
                         + Column.right(Column.ratio(s.throughput, c.throughput), 10) + Column.right(Column.ratio(s.latency.p50, c.latency.p50), 9)
                         + Column.right(Column.ratio(s.latency.p99, c.latency.p99), 9) + Column.right(Column.ratio(s.latency.max, c.latency.max), 9))
        }
        return lines.joined(separator: "\n")
    }

    // MARK: One chain

    /// Creates the chain's topics (`<prefix><chain>0` … `<prefix><chain><stages>`), starts one
    /// child per stage (`command(i, input, output)` gives its executable and arguments, the
    /// topic names without the prefix), waits until the chain carries messages, then times the
    /// orders through it. The children are stopped before it returns.
    private func measure(name: String, prefix: String, chain: String, children: ChildGroup, logDir: URL,
                         say: @Sendable (String) -> Void,
                         command: (Int, String, String) -> (String, [String])) async throws -> Row {
        let stages = options.stages, partitions = options.partitions, orders = options.orders
        let logical = { (i: Int) in "\(chain)\(i)" }
        let topic = { (i: Int) in prefix + logical(i) }
        say("\(name): topics \(topic(0)) … \(topic(stages)), starting \(stages) processes")

        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        var specs = (0...stages).map { KafkaTopicSpec(name: topic($0), partitions: Int32(partitions)) }
        specs += (0..<stages).map { KafkaTopicSpec(name: topic($0) + ".dlq", partitions: Int32(partitions)) }
        try await admin.createTopics(specs)
        await admin.close()

        // The reader of the last topic: every partition from the beginning, no group to join.
        var cc = KafkaConsumerConfiguration(kafka, groupID: "\(topic(stages)).reader")
        cc.bufferCapacity = 20_000
        let consumer = try KafkaConsumer(configuration: cc, logger: logger)
        try consumer.assign((0..<partitions).map { KafkaTopicPartitionOffset(topic: topic(stages), partition: Int32($0), offset: KafkaOffset.beginning) })
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(kafka), logger: logger)
        var started: [ChildProcess] = []
        defer { children.stop(started) } // on errors; a normal return stops them below, reporting how
        do {
            for i in 0..<stages {
                let (exe, args) = command(i, logical(i), logical(i + 1))
                started.append(try children.start(exe, args, log: logDir.appendingPathComponent("\(chain)\(i).log")))
            }

            // Ready: a warm-up message sent to each partition came out of the last topic.
            let readyStart = ContinuousClock.now
            for p in 0..<partitions {
                try await producer.send(KafkaProducerMessage(topic: topic(0), partition: Int32(p), key: "warmup-\(p)", value: "{}"))
            }
            let warm = Locked(Set<String>())
            let warmup = try await read(consumer, children: started, until: .now + .seconds(60)) { m, _ in
                warm.withLock { seen in
                    if let k = m.keyString, k.hasPrefix("warmup-") { seen.insert(k) }
                    return seen.count == partitions
                }
            }
            guard warmup == .done else {
                throw BenchFailure(description: "\(name): the chain did not carry warm-up messages within 60 s (\(warmup)); "
                                   + "the processes' output is in \(logDir.path)\n" + ChildGroup.logTails(logDir))
            }
            say("\(name): ready after \(Column.number((ContinuousClock.now - readyStart).inSeconds, 1)) s; sending \(orders) orders")

            // Send at full speed from a task of its own while this one reads.
            let tag = String(chain.dropLast())
            let firstSend = DispatchTime.now().uptimeNanoseconds
            let sender = Task { () throws -> Int in
                let failures = Locked(0)
                for i in 0..<orders {
                    let orderID = "ord-\(tag)-\(i + 1)"
                    let m = KafkaProducerMessage(topic: topic(0), key: Array(orderID.utf8), value: ExampleOrder.bytes(orderID: orderID), headers: [
                        KafkaHeader(key: "ce_specversion", string: "1.0"),
                        KafkaHeader(key: "ce_id", string: "bench-\(orderID)"),
                        KafkaHeader(key: "ce_type", string: "dropflow.order.placed"),
                        KafkaHeader(key: "ce_source", string: "dropflow/bench-chain"),
                        KafkaHeader(key: "content-type", string: "application/json"),
                        KafkaHeader(key: "bench-sent-ns", string: String(DispatchTime.now().uptimeNanoseconds)),
                    ])
                    try await producer.enqueueWaitingForRoom(m, failures: failures)
                    if i % 500 == 0 { await Task.yield() }
                }
                try await producer.flush(timeout: .seconds(120))
                return failures.current
            }

            struct Tally { var seen = Set<String>(); var latencies = LatencyRecorder(); var duplicates = 0; var lastReceipt: UInt64 = 0 }
            let tally = Locked(Tally(lastReceipt: firstSend))
            let outcome = try await read(consumer, children: started, until: .now + options.timeout) { m, now in
                guard let key = m.keyString, !key.hasPrefix("warmup-"),
                      let sent = m.headers.string("bench-sent-ns").flatMap(UInt64.init) else { return false }
                return tally.withLock { t in
                    if t.seen.insert(key).inserted {
                        t.latencies.record(nanoseconds: now &- sent)
                        t.lastReceipt = now
                    } else {
                        t.duplicates += 1
                    }
                    return t.seen.count == orders
                }
            }
            let failed = try await sender.value
            let t = tally.current
            if outcome != .done {
                say("\(name): stopped early (\(outcome)): \(t.seen.count)/\(orders) orders arrived")
                say(ChildGroup.logTails(logDir))
            }
            if failed > 0 { say("\(name): \(failed) orders were not acknowledged by the broker") }
            let elapsed = Double(t.lastReceipt - firstSend) / 1e9
            let row = Row(name: name, received: t.seen.count, duplicates: t.duplicates, elapsed: elapsed,
                          throughput: elapsed > 0 ? Double(t.seen.count) / elapsed : 0, latency: t.latencies.summary)
            await producer.close()
            try? await consumer.close()
            for note in children.stop(started) { say("\(name): \(note)") }
            started = []
            return row
        } catch {
            await producer.close()
            try? await consumer.close()
            throw error
        }
    }

    enum ReadOutcome: Equatable, CustomStringConvertible {
        case done, timedOut, childExited(Int32)
        var description: String {
            switch self {
            case .done: "done"
            case .timedOut: "timed out"
            case .childExited(let pid): "process \(pid) exited"
            }
        }
    }

    /// Reads until `handle` says done, the deadline passes, or a child exits. `handle` gets each
    /// message and the monotonic time (ns) it was read.
    private func read(_ consumer: KafkaConsumer, children: [ChildProcess], until deadline: ContinuousClock.Instant,
                      handle: @escaping @Sendable (KafkaConsumerMessage, UInt64) -> Bool) async throws -> ReadOutcome {
        let reader = Task { () throws -> Bool in
            for try await m in consumer.messages {
                if Task.isCancelled { return false }
                if handle(m, DispatchTime.now().uptimeNanoseconds) { return true }
            }
            return false // cancelled by the watchdog (or the consumer closed)
        }
        let verdict = Locked<ReadOutcome?>(nil)
        let watchdog = Task {
            while !Task.isCancelled {
                if let gone = children.first(where: { !$0.isRunning }) { verdict.withLock { $0 = $0 ?? .childExited(gone.pid) }; break }
                if ContinuousClock.now >= deadline { verdict.withLock { $0 = $0 ?? .timedOut }; break }
                try? await Task.sleep(for: .milliseconds(100))
            }
            reader.cancel()
        }
        let done = try await reader.value
        watchdog.cancel()
        return done ? .done : (verdict.current ?? .timedOut)
    }
}

/// A benchmark that could not measure.
public struct BenchFailure: Error, CustomStringConvertible {
    public let description: String
}

/// A benchmark's child processes (``ChildProcess``), each writing to a log file: stopped with
/// SIGTERM, then SIGKILL after 10 s, on every exit of the benchmark, including SIGTERM or
/// SIGINT to it (which also stop the local broker).
public final class ChildGroup: @unchecked Sendable {
    private let processes = Locked<[Int32: ChildProcess]>([:])
    private var signalSources: [DispatchSourceSignal] = []
    public var broker: LocalBroker?

    public init() {}

    func start(_ executable: String, _ arguments: [String], log: URL) throws -> ChildProcess {
        let p = try ChildProcess(path: executable, arguments: arguments, output: .file(log.path))
        processes.withLock { $0[p.pid] = p }
        return p
    }

    /// Stops `list`; returns what did not end cleanly (killed, or a non-zero exit).
    @discardableResult
    func stop(_ list: [ChildProcess], grace: Duration = .seconds(10)) -> [String] {
        processes.withLock { all in for p in list { all[p.pid] = nil } }
        for p in list { p.signal(SIGTERM) }
        return list.compactMap { p in
            let status = p.stop(grace: grace)
            if status == 128 + SIGKILL { return "process \(p.pid) needed SIGKILL after \(grace)" }
            return status == 0 ? nil : "process \(p.pid) ended with status \(status)"
        }
    }

    public func stopAll() { stop(processes.withLock { Array($0.values) }) }

    /// SIGTERM or SIGINT to the benchmark: stop the children and the broker, then exit.
    public func handleSignals(_ name: String) {
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                FileHandle.standardError.write(Data("\(name): signal \(sig): stopping the workers\n".utf8))
                stopAll()
                broker?.stop()
                fflush(nil) // what was printed so far
                _exit(128 + sig)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    /// The last lines of every child's log in `dir`, for error messages.
    static func logTails(_ dir: URL, lines: Int = 15) -> String {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()) ?? []
        return files.compactMap { file -> String? in
            guard let text = try? String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8), !text.isEmpty else { return nil }
            return "--- \(file):\n" + text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }
}

extension KafkaProducer {
    /// Hands `message` over at full speed, waiting while the local queue is full; a failed
    /// delivery counts in `failures`.
    func enqueueWaitingForRoom(_ message: KafkaProducerMessage, failures: Locked<Int>) async throws {
        while !(try enqueueUnlessFull(message, failures: failures)) {
            try await Task.sleep(for: .microseconds(200))
        }
    }

    /// Hands a message over; false when the queue is full (try again later).
    private func enqueueUnlessFull(_ message: KafkaProducerMessage, failures: Locked<Int>) throws -> Bool {
        do {
            try enqueue(message) { if case .failure = $0 { failures.withLock { $0 += 1 } } }
            return true
        } catch {
            if error.code == KafkaError.queueFull { return false }
            throw error
        }
    }
}
