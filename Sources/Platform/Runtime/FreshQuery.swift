import Foundation

/// A query whose answer must be taken after the caller asked (e.g. a topic's watermarks for
/// "everything written before now"), shared by callers that ask at the same time: a caller
/// joins the round that has not started yet, or opens one that starts when the running round
/// ends. However many handlers catch up at once, at most one query runs and one waits, and
/// every caller's answer was queried after its call.
final class FreshQuery<Value: Sendable>: @unchecked Sendable {
    private struct Round {
        let id: UInt64
        let task: Task<Value, Error>
    }

    private let lock = NSLock()
    private let query: @Sendable () async throws -> Value
    private var running: Round?
    private var waiting: Round?
    private var rounds: UInt64 = 0
    /// Queries actually run (for tests and logs).
    var queries: UInt64 { lock.withLock { rounds } }

    init(_ query: @escaping @Sendable () async throws -> Value) {
        self.query = query
    }

    /// An answer queried after this call began.
    func value() async throws -> Value {
        let task: Task<Value, Error> = lock.withLock {
            if let waiting { return waiting.task }  // its query starts after this call: fresh enough
            rounds += 1
            let id = rounds
            let before = running?.task
            let task = Task<Value, Error> { [self] in
                if let before { _ = try? await before.value }
                lock.withLock {
                    if let w = waiting, w.id == id { running = w; waiting = nil }
                }
                defer { lock.withLock { if running?.id == id { running = nil } } }
                return try await query()
            }
            if before == nil { running = Round(id: id, task: task) } else { waiting = Round(id: id, task: task) }
            return task
        }
        return try await task.value  // a caller's cancellation leaves the shared round running
    }
}
