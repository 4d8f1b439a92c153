import DropflowCore
import ArgumentParser
import DropflowKafka
import DropflowLocalBroker
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

struct ChainBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-chain",
        abstract: "Measure a chain of passthrough workers end to end, next to a chain of raw librdkafka relays.",
        discussion: """
        Starts --stages `dropflow worker passthrough` processes in a chain (chain.0 → chain.1 \
        → … → chain.<stages>), feeds N orders like the contract's example into chain.0 at full \
        speed and reads the last topic, timing each order from send to receipt. Then does the \
        same with --stages copies of the C relay (bench/relay.c) on fresh topics, so the \
        runtime's overhead over raw librdkafka is visible. Prints figures; asserts nothing \
        about speed. Without --bootstrap-servers it starts a local Tansu broker for the run.
        """
    )

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Orders to send through each chain.")
    var orders: Int = 20_000

    @Option(help: "Workers (and relays) in the chain.")
    var stages: Int = 5

    @Option(help: "Partitions of every topic of the chain.")
    var partitions: Int = 4

    @Option(help: "Path of the compiled C relay (bench/relay.c); the comparison is skipped when absent.")
    var relay: String?

    @Option(help: "Seconds to wait for the last order before reporting what arrived.")
    var timeout: Double = 120

    func validate() throws {
        guard orders > 0, stages > 0, partitions > 0 else { throw ValidationError("--orders, --stages and --partitions must be positive") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() async throws {
        var logger = connection.logger("dropflow.bench-chain")
        logger.logLevel = max(logger.logLevel, .warning)
        let (common, broker) = try connection.connect(logger: logger)
        let children = ChildProcesses()
        // Children and broker go on every exit: return, throw, or a signal to this process.
        children.broker = broker
        children.handleSignals()
        defer { children.stopAll(); broker?.stop() }

        let runID = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let prefix = "bench\(runID)."
        let brokers = common.bootstrapServers.joined(separator: ",")
        let logDir = FileManager.default.temporaryDirectory.appendingPathComponent("dropflow-bench-chain-\(runID)")
        try FileManager.default.createDirectory(at: logDir, withIntermediateDirectories: true)
        let orderBytes = exampleOrder(orderID: "ord-\(runID)-\(orders)").utf8.count
        print("bench-chain: \(orders) orders (~\(orderBytes) bytes), \(stages) stages, \(partitions) partitions, broker \(brokers)")

        // The Swift runtime: `dropflow worker passthrough` processes.
        let me = Self.executablePath()
        let properties = connection.kafkaProperties.flatMap { ["--kafka-property", $0] }
        let swiftRow = try await measure(name: "Swift runtime (dropflow worker)", common: common, prefix: prefix, chain: "chain.",
                                         children: children, logDir: logDir, logger: logger) { i, input, output in
            (me, ["worker", "passthrough", "--bootstrap-servers", brokers, "--topic-prefix", prefix,
                  "--input", input, "--output", output, "--group", "\(prefix)worker.\(i)", "--metrics-port=-1",
                  "--log-level", "warning", "--session-timeout", "6", "--max-poll-interval", "6"] + properties)
        }

        // Raw librdkafka: the C relay, on fresh topics.
        var rows = [swiftRow]
        if let relay, FileManager.default.isExecutableFile(atPath: relay) {
            let path = URL(fileURLWithPath: relay).standardizedFileURL.path
            if !connection.kafkaProperties.isEmpty || ProcessInfo.processInfo.environment.keys.contains(where: { $0.hasPrefix("DROPFLOW_KAFKA_") }) {
                print("note: the C relay takes no librdkafka properties; it connects with plaintext defaults")
            }
            rows.append(try await measure(name: "raw librdkafka (C relay)", common: common, prefix: prefix, chain: "chain.r.",
                                          children: children, logDir: logDir, logger: logger) { i, input, output in
                (path, [brokers, "\(prefix)relay.\(i)", prefix + input, prefix + output])
            })
        } else {
            print("C relay not found\(relay.map { " at \($0)" } ?? " (no --relay)"): only the Swift runtime is measured (scripts/bench-chain.sh builds it)")
        }
        // The children's output (warnings and worse) is kept only when there is some.
        let logs = children.logTails(logDir, lines: 1_000_000)
        if logs.isEmpty {
            try? FileManager.default.removeItem(at: logDir)
        } else {
            print("the processes of the chains wrote warnings or errors: see \(logDir.path)")
        }

        print("")
        print(pad("chain", 34) + lpad("orders", 8) + lpad("elapsed s", 11) + lpad("orders/s", 10)
              + lpad("p50 ms", 9) + lpad("p99 ms", 9) + lpad("max ms", 9) + lpad("dups", 6))
        for r in rows {
            print(pad(r.name, 34) + lpad(r.received == orders ? "\(r.received)" : "\(r.received)/\(orders)", 8)
                  + lpad(f(r.elapsed, 2), 11) + lpad(f(r.throughput, 0), 10)
                  + lpad(f(r.p50, 1), 9) + lpad(f(r.p99, 1), 9) + lpad(f(r.max, 1), 9) + lpad("\(r.duplicates)", 6))
        }
        if rows.count == 2 {
            let (s, c) = (rows[0], rows[1])
            print(pad("ratio Swift runtime / raw C", 34) + lpad("", 8) + lpad("", 11) + lpad(ratio(s.throughput, c.throughput), 10)
                  + lpad(ratio(s.p50, c.p50), 9) + lpad(ratio(s.p99, c.p99), 9) + lpad(ratio(s.max, c.max), 9))
        }
        if rows.contains(where: { $0.received < orders }) { throw ExitCode.failure }
    }

    // MARK: One chain

    struct Row {
        var name: String
        var received = 0
        var duplicates = 0
        var elapsed = 0.0     // s, first send to last receipt
        var throughput = 0.0  // orders/s
        var p50 = 0.0, p99 = 0.0, max = 0.0 // ms
    }

    /// Creates the chain's topics (`<prefix><chain>0` … `<prefix><chain><stages>`), starts one
    /// child per stage (`command(i, input, output)` gives its executable and arguments, the
    /// topic names without the prefix), waits until the chain carries messages, then times
    /// `orders` orders through it. The children are stopped before it returns.
    private func measure(name: String, common: KafkaConfiguration, prefix: String, chain: String, children: ChildProcesses,
                         logDir: URL, logger: Logger,
                         command: (Int, String, String) -> (String, [String])) async throws -> Row {
        let logical = { (i: Int) in "\(chain)\(i)" }
        let topic = { (i: Int) in prefix + logical(i) }
        print("\(name): topics \(topic(0)) … \(topic(stages)), starting \(stages) processes")

        let admin = try KafkaAdmin(configuration: common, logger: logger)
        var specs = (0...stages).map { KafkaTopicSpec(name: topic($0), partitions: Int32(partitions)) }
        specs += (0..<stages).map { KafkaTopicSpec(name: topic($0) + ".dlq", partitions: Int32(partitions)) }
        try await admin.createTopics(specs)
        await admin.close()

        // The reader of the last topic: every partition from the beginning, no group to join.
        var cc = KafkaConsumerConfiguration(common, groupID: "\(topic(stages)).reader")
        cc.bufferCapacity = 20_000
        let consumer = try KafkaConsumer(configuration: cc, logger: logger)
        try consumer.assign((0..<partitions).map { KafkaTopicPartitionOffset(topic: topic(stages), partition: Int32($0), offset: KafkaOffset.beginning) })
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(common), logger: logger)
        var started: [Int32] = []
        defer { children.stop(started) } // on errors; a normal return stops them below, reporting how
        do {
            for i in 0..<stages {
                let (exe, args) = command(i, logical(i), logical(i + 1))
                let log = logDir.appendingPathComponent("\(chain)\(i).log")
                started.append(try children.start(exe, args, log: log))
            }

            // Ready: a warm-up message sent to each partition came out of the last topic.
            let readyStart = ContinuousClock.now
            for p in 0..<partitions {
                try await producer.send(KafkaProducerMessage(topic: topic(0), partition: Int32(p), key: "warmup-\(p)", value: "{}"))
            }
            let warm = Tally(), partitionCount = partitions
            let warmup = try await read(consumer, children: children, pids: started, until: .now + .seconds(60)) { m, _ in
                if let k = m.keyString, k.hasPrefix("warmup-") { warm.seen.insert(k) }
                return warm.seen.count == partitionCount
            }
            guard warmup == .done else {
                throw ChainBenchFailure(description: "\(name): the chain did not carry warm-up messages within 60 s (\(warmup)); "
                                        + "the processes' output is in \(logDir.path)\n" + children.logTails(logDir))
            }
            print("\(name): ready after \(f(seconds(ContinuousClock.now - readyStart), 1)) s; sending \(orders) orders")

            // Send at full speed from a task of its own while this one reads.
            let orderCount = orders, tag = String(chain.dropLast())
            let firstSend = DispatchTime.now().uptimeNanoseconds
            let sender = Task { () throws -> Int in
                let failures = FailureCounter()
                for i in 0..<orderCount {
                    let orderID = "ord-\(tag)-\(i + 1)"
                    let m = KafkaProducerMessage(topic: topic(0), key: Array(orderID.utf8), value: Array(exampleOrder(orderID: orderID).utf8), headers: [
                        KafkaHeader(key: "ce_specversion", string: "1.0"),
                        KafkaHeader(key: "ce_id", string: "bench-\(orderID)"),
                        KafkaHeader(key: "ce_type", string: "dropflow.order.placed"),
                        KafkaHeader(key: "ce_source", string: "dropflow/bench-chain"),
                        KafkaHeader(key: "content-type", string: "application/json"),
                        KafkaHeader(key: "bench-sent-ns", string: String(DispatchTime.now().uptimeNanoseconds)),
                    ])
                    while true {
                        do {
                            try producer.enqueue(m) { if case .failure = $0 { failures.add() } }
                            break
                        } catch let error as KafkaError where error.code == KafkaError.queueFull {
                            try await Task.sleep(for: .microseconds(200))
                        }
                    }
                    if i % 500 == 0 { await Task.yield() }
                }
                try await producer.flush(timeout: .seconds(120))
                return failures.value
            }

            let tally = Tally()
            tally.latencies.reserveCapacity(orders)
            tally.lastReceipt = firstSend
            let outcome = try await read(consumer, children: children, pids: started, until: .now + .seconds(timeout)) { m, now in
                guard let key = m.keyString, !key.hasPrefix("warmup-"),
                      let sent = m.headers.string("bench-sent-ns").flatMap(UInt64.init) else { return false }
                if tally.seen.insert(key).inserted {
                    tally.latencies.append(now &- sent)
                    tally.lastReceipt = now
                } else {
                    tally.duplicates += 1
                }
                return tally.seen.count == orderCount
            }
            let failed = try await sender.value
            if outcome != .done {
                print("\(name): stopped early (\(outcome)): \(tally.seen.count)/\(orders) orders arrived")
                print(children.logTails(logDir))
            }
            if failed > 0 { print("\(name): \(failed) orders were not acknowledged by the broker") }

            let latencies = tally.latencies.sorted()
            func ms(_ q: Double) -> Double {
                guard !latencies.isEmpty else { return .nan }
                return Double(latencies[max(0, min(latencies.count - 1, Int((Double(latencies.count) * q).rounded(.up)) - 1))]) / 1e6
            }
            let elapsed = Double(tally.lastReceipt - firstSend) / 1e9
            let row = Row(name: name, received: tally.seen.count, duplicates: tally.duplicates, elapsed: elapsed,
                          throughput: elapsed > 0 ? Double(tally.seen.count) / elapsed : 0,
                          p50: ms(0.5), p99: ms(0.99), max: latencies.last.map { Double($0) / 1e6 } ?? .nan)
            await producer.close()
            try? await consumer.close()
            for note in children.stop(started) { print("\(name): \(note)") }
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

    /// Reads until `handle` says done, the deadline passes, or a child exits.
    /// `handle` gets each message and the monotonic time (ns) it was read; it runs
    /// on one task at a time, so state it keeps needs no lock of its own.
    private func read(_ consumer: KafkaConsumer, children: ChildProcesses, pids: [Int32], until deadline: ContinuousClock.Instant,
                      handle: @escaping @Sendable (KafkaConsumerMessage, UInt64) -> Bool) async throws -> ReadOutcome {
        let reader = Task { () throws -> Bool in
            for try await m in consumer.messages {
                if Task.isCancelled { return false }
                if handle(m, DispatchTime.now().uptimeNanoseconds) { return true }
            }
            return false // cancelled by the watchdog (or the consumer closed)
        }
        let verdict = Verdict()
        let watchdog = Task {
            while !Task.isCancelled {
                if let pid = children.exited(among: pids) { verdict.set(.childExited(pid)); break }
                if ContinuousClock.now >= deadline { verdict.set(.timedOut); break }
                try? await Task.sleep(for: .milliseconds(100))
            }
            reader.cancel()
        }
        let done = try await reader.value
        watchdog.cancel()
        return done ? .done : (verdict.value ?? .timedOut)
    }

    // MARK: Helpers

    /// This executable, as an absolute path (children are started from it).
    static func executablePath() -> String {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        let arg0 = CommandLine.arguments[0]
        if arg0.hasPrefix("/") { return arg0 }
        if arg0.contains("/") { return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(arg0).standardizedFileURL.path }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        where FileManager.default.isExecutableFile(atPath: "\(dir)/\(arg0)") { return "\(dir)/\(arg0)" }
        return arg0
    }

    private func seconds(_ d: Duration) -> Double { d.inSeconds }
    private func f(_ x: Double, _ digits: Int) -> String { x.isFinite ? String(format: "%.\(digits)f", x) : "-" }
    private func ratio(_ a: Double, _ b: Double) -> String { a.isFinite && b.isFinite && b > 0 ? String(format: "%.2fx", a / b) : "-" }
    private func pad(_ s: String, _ n: Int) -> String { s.padding(toLength: n, withPad: " ", startingAt: 0) }
    private func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? " " + s : String(repeating: " ", count: n - s.count) + s }
}

struct ChainBenchFailure: Error, CustomStringConvertible {
    let description: String
}

/// What a reader collected; used by one task at a time.
private final class Tally: @unchecked Sendable {
    var seen = Set<String>()
    var latencies: [UInt64] = []
    var duplicates = 0
    var lastReceipt: UInt64 = 0
}

/// The first verdict of the read watchdog.
private final class Verdict: @unchecked Sendable {
    private let lock = NSLock()
    private var v: ChainBenchCommand.ReadOutcome?
    func set(_ value: ChainBenchCommand.ReadOutcome) { lock.withLock { if v == nil { v = value } } }
    var value: ChainBenchCommand.ReadOutcome? { lock.withLock { v } }
}

/// The benchmark's child processes: started with their output in a log file,
/// stopped with SIGTERM then SIGKILL after 10 s, on every exit of the command
/// (including SIGTERM/SIGINT to it, which also stop the local broker).
final class ChildProcesses: @unchecked Sendable {
    private let lock = NSLock()
    private var processes: [Int32: Process] = [:]
    private var signalSources: [DispatchSourceSignal] = []
    var broker: LocalBroker?

    func start(_ executable: String, _ arguments: [String], log: URL) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let out = try FileHandle(forWritingTo: log)
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        try? out.close()
        lock.withLock { processes[p.processIdentifier] = p }
        return p.processIdentifier
    }

    /// The first of `pids` that is no longer running.
    func exited(among pids: [Int32]) -> Int32? {
        lock.withLock { pids.first { processes[$0].map { !$0.isRunning } ?? false } }
    }

    /// SIGTERM to each, then SIGKILL to those still running after `grace`.
    /// Returns what did not end cleanly (killed, or a non-zero exit).
    @discardableResult
    func stop(_ pids: [Int32], grace: Duration = .seconds(10)) -> [String] {
        let list = lock.withLock { pids.compactMap { processes.removeValue(forKey: $0) } }
        for p in list where p.isRunning { kill(p.processIdentifier, SIGTERM) }
        let deadline = ContinuousClock.now + grace
        while list.contains(where: \.isRunning) && ContinuousClock.now < deadline { usleep(20_000) }
        var unclean: [String] = []
        for p in list {
            if p.isRunning {
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
                unclean.append("process \(p.processIdentifier) needed SIGKILL after \(grace)")
            } else if p.terminationReason != .exit || p.terminationStatus != 0 {
                unclean.append("process \(p.processIdentifier) ended with \(p.terminationReason == .exit ? "status" : "signal") \(p.terminationStatus)")
            }
        }
        return unclean
    }

    func stopAll() { stop(lock.withLock { Array(processes.keys) }) }

    /// SIGTERM or SIGINT to the benchmark: stop the children and the broker, then exit.
    func handleSignals() {
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                FileHandle.standardError.write(Data("bench-chain: signal \(sig): stopping the workers\n".utf8))
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
    func logTails(_ dir: URL, lines: Int = 15) -> String {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()) ?? []
        return files.compactMap { file -> String? in
            guard let text = try? String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8), !text.isEmpty else { return nil }
            return "--- \(file):\n" + text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }
}
