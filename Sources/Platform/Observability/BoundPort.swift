import DropflowCore
/// The port an ``ObservabilityServer`` is listening on, and callers waiting to learn it.
final class BoundPort: Sendable {
    private enum State {
        case waiting([Int: CheckedContinuation<Int?, Never>])
        case bound(Int)
        case stopped
    }

    private let state = Locked<(state: State, nextID: Int)>((.waiting([:]), 0))

    /// The port if the server is listening now.
    var current: Int? {
        self.state.withLock { box in
            if case .bound(let port) = box.state { return port }
            return nil
        }
    }

    /// Back to "not yet bound" for a new run; waiters keep waiting.
    func reset() {
        self.state.withLock { box in
            if case .waiting = box.state { return }
            box.state = .waiting([:])
        }
    }

    func bind(_ port: Int) {
        self.resolve(.bound(port), with: port)
    }

    func stop() {
        self.resolve(.stopped, with: nil)
    }

    private func resolve(_ newState: State, with value: Int?) {
        let waiters = self.state.withLock { box -> [CheckedContinuation<Int?, Never>] in
            defer { box.state = newState }
            if case .waiting(let waiters) = box.state { return Array(waiters.values) }
            return []
        }
        for waiter in waiters {
            waiter.resume(returning: value)
        }
    }

    /// Waits until bound (the port), stopped or cancelled (nil).
    func wait() async -> Int? {
        let id = self.state.withLock { box -> Int in
            box.nextID += 1
            return box.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Int?, Never>) in
                let immediate: Int?? = self.state.withLock { box in
                    switch box.state {
                    case .bound(let port):
                        return .some(port)
                    case .stopped:
                        return .some(nil)
                    case .waiting(var waiters):
                        if Task.isCancelled { return .some(nil) }
                        waiters[id] = continuation
                        box.state = .waiting(waiters)
                        return .none
                    }
                }
                if let immediate {
                    continuation.resume(returning: immediate)
                }
            }
        } onCancel: {
            let continuation = self.state.withLock { box -> CheckedContinuation<Int?, Never>? in
                guard case .waiting(var waiters) = box.state else { return nil }
                let continuation = waiters.removeValue(forKey: id)
                box.state = .waiting(waiters)
                return continuation
            }
            continuation?.resume(returning: nil)
        }
    }
}
