import DropflowCore
import Foundation

/// A counting semaphore for async code: `acquire` suspends (it never blocks a
/// thread) until a permit is free.
final class AsyncSemaphore: @unchecked Sendable {
    private let lock = NSLock()
    private var permits: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(_ permits: Int) { self.permits = max(1, permits) }

    private func tryTake() -> Bool {
        lock.withLock {
            guard permits > 0 else { return false }
            permits -= 1
            return true
        }
    }

    func acquire() async {
        if tryTake() { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let resumeNow: Bool = lock.withLock {
                if permits > 0 { permits -= 1; return true }
                waiters.append(c)
                return false
            }
            if resumeNow { c.resume() }
        }
    }

    func release() {
        let w: CheckedContinuation<Void, Never>? = lock.withLock {
            if waiters.isEmpty { permits += 1; return nil }
            return waiters.removeFirst()
        }
        w?.resume()
    }
}
