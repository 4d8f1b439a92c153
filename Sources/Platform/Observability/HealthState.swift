import DropflowCore
import Foundation

/// Liveness and readiness of the worker, shared between the code that knows (the stage
/// runtime) and the HTTP endpoints that report it. Thread-safe.
///
/// - live: true from start until the worker decides it is broken and should be restarted.
/// - ready: false until the worker can do its job (e.g. partitions assigned), and again
///   while it cannot (e.g. broker unreachable, shutting down).
public final class HealthState: Sendable {
    /// What `/health/live` and `/health/ready` return as JSON.
    public struct Snapshot: Codable, Sendable, Equatable {
        public var live: Bool
        public var liveReason: String
        /// When `live` last changed (or the state was created), RFC 3339 UTC.
        public var liveSince: String
        public var ready: Bool
        public var readyReason: String
        /// When `ready` last changed (or the state was created), RFC 3339 UTC.
        public var readySince: String
        /// Free-form facts set with ``HealthState/setDetail(_:_:)``, e.g. assigned partitions.
        public var details: [String: String]
    }

    private let state: Locked<Snapshot>

    public init(live: Bool = true, ready: Bool = false, reason: String = "starting") {
        let now = DateTimeFormat.format(Date())
        self.state = Locked(
            Snapshot(
                live: live,
                liveReason: reason,
                liveSince: now,
                ready: ready,
                readyReason: reason,
                readySince: now,
                details: [:]
            )
        )
    }

    public var isLive: Bool { self.state.withLock { $0.live } }
    public var isReady: Bool { self.state.withLock { $0.ready } }

    /// Sets readiness and why; `readySince` moves only when the value changes.
    public func setReady(_ ready: Bool, reason: String) {
        let now = DateTimeFormat.format(Date())
        self.state.withLock { state in
            if state.ready != ready {
                state.readySince = now
            }
            state.ready = ready
            state.readyReason = reason
        }
    }

    /// Sets liveness and why; `liveSince` moves only when the value changes.
    public func setLive(_ live: Bool, reason: String) {
        let now = DateTimeFormat.format(Date())
        self.state.withLock { state in
            if state.live != live {
                state.liveSince = now
            }
            state.live = live
            state.liveReason = reason
        }
    }

    /// Sets (or with `nil` removes) a detail reported in the snapshot.
    public func setDetail(_ key: String, _ value: String?) {
        self.state.withLock { $0.details[key] = value }
    }

    public func snapshot() -> Snapshot {
        self.state.withLock { $0 }
    }
}
