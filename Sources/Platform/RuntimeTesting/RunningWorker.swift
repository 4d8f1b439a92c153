import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import DropflowRuntime
import Foundation
import Logging
import ServiceLifecycle

// The runtime test kit: workers in process (``RunningWorker``) and as processes of the built
// executable (``WorkerProcess``), on a ``TestCluster`` of the Kafka test kit.

extension TestCluster {
    /// A worker configuration for this cluster: its prefix, short group timeouts, quick
    /// commits and retries.
    public func workerConfiguration(_ tweak: (inout WorkerConfiguration) -> Void = { _ in }) -> WorkerConfiguration {
        var c = WorkerConfiguration(kafka: kafka)
        c.topicPrefix = prefix
        c.sessionTimeout = .seconds(6)
        c.maxPollInterval = .seconds(6)
        c.commitInterval = .milliseconds(500)
        c.revokeTimeout = .seconds(3)
        c.shutdownTimeout = .seconds(5)
        c.retry = RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(200))
        tweak(&c)
        return c
    }
}

/// One in-process worker, run in a ServiceGroup so that it stops the way a signal would stop it.
public final class RunningWorker: @unchecked Sendable {
    public let worker: StageWorker
    private let group: ServiceGroup
    private let task: Task<Void, Error>
    public let ready = Box(false)

    public init(_ stage: StageDefinition, _ config: WorkerConfiguration) {
        let ready = self.ready
        worker = StageWorker(stage: stage, configuration: config, logger: testLogger) { r, _ in ready.mutate { $0 = r } }
        group = ServiceGroup(configuration: .init(services: [.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)],
                                                  logger: testLogger))
        let g = group
        task = Task { try await g.run() }
    }

    public func waitReady(_ limit: Duration = .seconds(60)) async throws {
        try await eventually(limit, "worker ready") { self.ready.value }
    }

    /// Graceful shutdown, as on SIGTERM; returns how the run ended.
    public func stop() async -> Result<Void, Error> {
        await group.triggerGracefulShutdown()
        do { try await task.value; return .success(()) } catch { return .failure(error) }
    }
}

/// A `dropflow worker <stage>` process of the built executable against a test cluster, its
/// output in a log file (removed when released, unless `DROPFLOW_KEEP_WORKER_LOGS` is set);
/// killed if still running when released.
public final class WorkerProcess: @unchecked Sendable {
    public let process: ChildProcess
    public let log: String

    /// Starts `dropflow worker <stage>` on `cluster` with short group timeouts and `extra` options.
    public init(_ stage: String = "passthrough", cluster: TestCluster, extra: [String] = []) throws {
        log = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("worker") + ".log").path
        process = try ChildProcess(path: try dropflowBinary(), arguments: [
            "worker", stage, "--bootstrap-servers", cluster.bootstrapServers.joined(separator: ","),
            "--topic-prefix", cluster.prefix, "--metrics-port=-1", "--session-timeout", "6",
            "--max-poll-interval", "6", "--commit-interval", "0.5", "--shutdown-timeout", "10",
            "--log-level", "info"] + extra, output: .file(log))
    }

    public var isRunning: Bool { process.isRunning }
    public func signal(_ sig: Int32) { process.signal(sig) }

    /// Waits for the process to exit; its status, or nil if it is still running at the deadline.
    public func waitExit(within limit: Duration) async -> Int32? { await process.waitForExit(within: limit) }

    public var output: String { process.outputText }

    deinit {
        if process.isRunning { process.signal(SIGKILL) }
        // DROPFLOW_KEEP_WORKER_LOGS=1 keeps the log files (their paths are in TMPDIR) to read after a failure.
        if ProcessInfo.processInfo.environment["DROPFLOW_KEEP_WORKER_LOGS"] == nil { try? FileManager.default.removeItem(atPath: log) }
    }
}

/// The built `dropflow` executable: `$DROPFLOW_BINARY` if set, else the one beside the running
/// test executable (the build the tests come from, whatever its `--scratch-path`), else the
/// package's `.build/debug` or `.build/release` one.
public func dropflowBinary() throws -> String {
    let fm = FileManager.default
    if let given = ProcessInfo.processInfo.environment["DROPFLOW_BINARY"], !given.isEmpty {
        guard fm.isExecutableFile(atPath: given) else { throw TimedOut(what: "DROPFLOW_BINARY \(given) is not an executable") }
        return given
    }
    let runner = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).resolvingSymlinksInPath()
    let beside = runner.deletingLastPathComponent().appendingPathComponent("dropflow").path
    if fm.isExecutableFile(atPath: beside) { return beside }
    // The package root: the first folder above this file that holds Package.swift.
    var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while url.path != "/" && !fm.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
        url.deleteLastPathComponent()
    }
    for config in ["debug", "release"] {
        let p = url.appendingPathComponent(".build/\(config)/dropflow").path
        if fm.isExecutableFile(atPath: p) { return p }
    }
    throw TimedOut(what: "no built dropflow binary beside \(runner.path) nor under \(url.path)/.build")
}
