import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A child process, the project's one way to start and supervise another program (the local
/// broker, benchmark chains, workers under test).
///
/// Started with `posix_spawn`, with an empty signal mask and default signal dispositions.
/// Foundation's `Process` passes on the mask of the spawning thread, and Swift's cooperative
/// threads block almost every signal: a broker started from async code then ignored SIGTERM.
/// Its output (stdout and stderr together) is either kept in memory (the last 64 KiB,
/// optionally echoed to this process's stderr) or written to a file.
public final class ChildProcess: @unchecked Sendable {
    /// Where the child's stdout and stderr go.
    public enum Output: Sendable {
        /// Kept in memory, the last 64 KiB; `echo` also copies it to this process's stderr.
        case capture(echo: Bool)
        /// Appended to the file at this path (created if absent).
        case file(String)
    }

    public let pid: pid_t
    /// The program that runs.
    public let path: String
    private let output: Output
    private let lock = NSLock()
    private var status: Int32?
    private var captured = Data()

    /// Starts `path` with `arguments`, in `environment` (this process's when nil).
    public init(path: String, arguments: [String], environment: [String: String]? = nil,
                output: Output = .capture(echo: false)) throws {
        self.path = path
        self.output = output
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)

        var readEnd: Int32 = -1
        var writeEnd: Int32 = -1
        switch output {
        case .capture:
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            (readEnd, writeEnd) = (fds[0], fds[1])
            posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
            posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
            posix_spawn_file_actions_addclose(&actions, readEnd)
            posix_spawn_file_actions_addclose(&actions, writeEnd)
        case .file(let file):
            posix_spawn_file_actions_addopen(&actions, 1, file, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attr, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGTERM, SIGINT, SIGPIPE, SIGHUP] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let env = environment ?? ProcessInfo.processInfo.environment
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let rc = posix_spawn(&child, path, &actions, &attr, argv, envp)
        if writeEnd >= 0 { close(writeEnd) }
        guard rc == 0 else {
            if readEnd >= 0 { close(readEnd) }
            throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO)
        }
        pid = child
        if case .capture(let echo) = output { startReader(readEnd, echo: echo) }
    }

    private func startReader(_ fd: Int32, echo: Bool) {
        let reader = Thread { [weak self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n <= 0 { break }
                let chunk = Data(buffer[0..<n])
                if echo { FileHandle.standardError.write(chunk) }
                guard let self else { continue }
                self.lock.withLock {
                    self.captured.append(chunk)
                    if self.captured.count > 65_536 { self.captured.removeFirst(self.captured.count - 65_536) }
                }
            }
            close(fd)
        }
        reader.name = "dropflow.child-output"
        reader.start()
    }

    /// The exit status once the process has ended, else nil (never blocks): the exit code, or
    /// 128 + the signal's number for a process a signal ended.
    public func exitStatus() -> Int32? {
        lock.withLock {
            if status == nil {
                var raw: Int32 = 0
                if waitpid(pid, &raw, WNOHANG) == pid { status = Self.decode(raw) }
            }
            return status
        }
    }

    public var isRunning: Bool { exitStatus() == nil }

    /// Sends `signal` unless the process has ended.
    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// Blocks the calling thread until the process ends.
    public func waitUntilExit() {
        while exitStatus() == nil { usleep(20_000) }
    }

    /// Waits (without blocking a thread) until the process ends or `limit` passes: its exit
    /// status, or nil if it still runs.
    public func waitForExit(within limit: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + limit
        while exitStatus() == nil && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return exitStatus()
    }

    /// SIGTERM, then SIGKILL if it still runs after `grace`; blocks until it has ended and
    /// returns its exit status. Safe to call on a process that has ended.
    @discardableResult
    public func stop(grace: Duration = .seconds(10)) -> Int32 {
        if let status = exitStatus() { return status }
        kill(pid, SIGTERM)
        let deadline = ContinuousClock.now + grace
        while exitStatus() == nil && ContinuousClock.now < deadline { usleep(20_000) }
        if exitStatus() == nil { kill(pid, SIGKILL) }
        waitUntilExit()
        return exitStatus() ?? -1
    }

    /// What it printed: the captured tail, or the file's contents.
    public var outputText: String {
        switch output {
        case .capture: return lock.withLock { String(decoding: captured, as: UTF8.self) }
        case .file(let file): return (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        }
    }

    private static func decode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }

    /// This executable, as an absolute path (to start copies of it).
    public static func currentExecutablePath() -> String {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        let arg0 = CommandLine.arguments[0]
        if arg0.hasPrefix("/") { return arg0 }
        if arg0.contains("/") {
            return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(arg0).standardizedFileURL.path
        }
        return which(arg0) ?? arg0
    }

    /// The first executable called `name` on `PATH` (or `name` itself when it holds a slash and
    /// is executable).
    public static func which(_ name: String) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
            return "\(dir)/\(name)"
        }
        return nil
    }
}
