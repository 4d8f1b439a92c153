import DropflowCore
import Foundation
import Logging
@testable import DropflowObservability

/// Collects the lines a `JSONLogHandler` writes.
final class LineSink: Sendable {
    private let storage = Locked<[String]>([])

    var lines: [String] { self.storage.withLock { $0 } }

    var sink: JSONLogHandler.Sink {
        { line in self.storage.withLock { $0.append(line) } }
    }
}

/// Records the events a handler receives (to see what a wrapper passes on).
struct RecordingLogHandler: LogHandler {
    let events = Locked<[LogEvent]>([])
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        self.events.withLock { $0.append(event) }
    }
}

let quietLogger = Logger(label: "dropflow.observability.tests", factory: { _ in SwiftLogNoOpLogHandler() })

struct TimedOut: Error {}

/// Runs `operation`, throwing `TimedOut` if it takes longer than `limit`.
func withTimeout<T: Sendable>(
    _ limit: Duration,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw TimedOut()
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

func parseJSONObject(_ line: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
    guard let dictionary = object as? [String: Any] else {
        throw CocoaError(.coderReadCorrupt)
    }
    return dictionary
}
