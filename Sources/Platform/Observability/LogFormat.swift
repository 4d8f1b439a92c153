import DropflowCore
import Logging

/// How log lines are written to stderr.
public enum LogFormat: String, Sendable, CaseIterable {
    /// swift-log's `StreamLogHandler` layout, for people at a terminal.
    case human
    /// One JSON object per line (``JSONLogHandler``), for log collectors.
    case json
}

/// The process-wide logging set-up. Libraries take a `Logger` and never call this;
/// the executable calls ``bootstrap(format:level:)`` once, early in `main`.
public enum DropflowLogging {
    private static let bootstrapped = Locked(false)

    /// Calls `LoggingSystem.bootstrap` with a handler for `format` at `level`.
    ///
    /// Only the first call in a process has an effect (swift-log allows a single
    /// bootstrap); later calls return `false` and change nothing.
    @discardableResult
    public static func bootstrap(format: LogFormat, level: Logger.Level) -> Bool {
        let first = self.bootstrapped.withLock { done -> Bool in
            if done { return false }
            done = true
            return true
        }
        guard first else { return false }
        LoggingSystem.bootstrap { label in
            makeHandler(label: label, format: format, level: level)
        }
        return true
    }

    /// The handler ``bootstrap(format:level:)`` installs, for building a `Logger`
    /// without touching the global logging system (`Logger(label:factory:)`).
    /// Both formats mask the values of secret-looking metadata keys (see ``LogRedaction``).
    public static func makeHandler(label: String, format: LogFormat, level: Logger.Level) -> any LogHandler {
        switch format {
        case .human:
            var handler = RedactingLogHandler(wrapping: StreamLogHandler.standardError(label: label))
            handler.logLevel = level
            return handler
        case .json:
            var handler = JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
