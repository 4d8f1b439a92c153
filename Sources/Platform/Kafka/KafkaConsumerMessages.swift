import DropflowCore
import Foundation

/// The messages of a ``KafkaConsumer``, in the order each partition gives
/// them. One reader at a time. The sequence ends when the consumer is closed
/// and throws when the consumer hits a fatal error.
public struct KafkaConsumerMessages: AsyncSequence, Sendable {
    public typealias Element = KafkaConsumerMessage
    let buffer: MessageBuffer

    public struct AsyncIterator: AsyncIteratorProtocol {
        let buffer: MessageBuffer
        public mutating func next() async throws -> KafkaConsumerMessage? {
            try await buffer.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(buffer: buffer) }
}

/// Hands messages from the consumer's poll thread to one async reader. When
/// it holds `capacity` messages or `capacityBytes` bytes it asks the consumer
/// to pause fetching, and to resume once the reader has taken it down to half
/// of both.
final class MessageBuffer: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [KafkaConsumerMessage] = []
    private var head = 0
    private var waiter: CheckedContinuation<KafkaConsumerMessage?, Error>?
    private var terminal: Result<Void, Error>?
    private var flowPaused = false
    private var bytes = 0
    let capacity: Int
    let capacityBytes: Int
    /// Called (outside the lock) with `true` to pause fetching, `false` to resume.
    var onFlowChange: (@Sendable (Bool) -> Void)?

    init(capacity: Int, capacityBytes: Int = .max) {
        self.capacity = max(1, capacity)
        self.capacityBytes = max(1, capacityBytes)
    }

    var count: Int { lock.withLock { items.count - head } }
    var byteCount: Int { lock.withLock { bytes } }
    var isFlowPaused: Bool { lock.withLock { flowPaused } }

    /// From the poll thread: a batch, handed over under one lock.
    func push(_ batch: [KafkaConsumerMessage]) {
        guard !batch.isEmpty else { return }
        lock.lock()
        if terminal != nil { lock.unlock(); return }
        var first: KafkaConsumerMessage?
        let w = waiter
        if w != nil {
            waiter = nil
            first = batch[0]
            items.append(contentsOf: batch.dropFirst())
            for m in batch.dropFirst() { bytes += m.size }
        } else {
            items.append(contentsOf: batch)
            for m in batch { bytes += m.size }
        }
        var pause = false
        if !flowPaused && (items.count - head >= capacity || bytes >= capacityBytes) {
            flowPaused = true
            pause = true
        }
        lock.unlock()
        if let w, let first { w.resume(returning: first) }
        if pause { onFlowChange?(true) }
    }

    /// Drops buffered messages of partitions that are going away. Fetching resumes if that
    /// takes the buffer down to half: the reader may have nothing left to take, and taking is
    /// what resumes it otherwise.
    func purge(_ partitions: Set<KafkaTopicPartition>) {
        guard !partitions.isEmpty else { return }
        lock.lock()
        items = items[head...].filter { !partitions.contains($0.topicPartition) }
        head = 0
        bytes = items.reduce(0) { $0 + $1.size }
        let resume = resumeFlowLocked()
        lock.unlock()
        if resume { onFlowChange?(false) }
    }

    /// Lifts the pause once the buffer is down to half of both bounds; `true` if it did.
    private func resumeFlowLocked() -> Bool {
        guard flowPaused && items.count - head <= capacity / 2 && bytes <= capacityBytes / 2 else { return false }
        flowPaused = false
        return true
    }

    /// Ends the sequence: normally (`nil`) or with an error. Buffered messages are still read first.
    func finish(_ error: Error? = nil) {
        lock.lock()
        if terminal == nil { terminal = error.map { .failure($0) } ?? .success(()) }
        let w = items.count - head == 0 ? waiter : nil
        if w != nil { waiter = nil }
        lock.unlock()
        if let w {
            if let error { w.resume(throwing: error) } else { w.resume(returning: nil) }
        }
    }

    func next() async throws -> KafkaConsumerMessage? {
        if let ready = try takeReady() { return ready.message }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<KafkaConsumerMessage?, Error>) in
                lock.lock()
                if head < items.count || terminal != nil || Task.isCancelled {
                    lock.unlock()
                    do {
                        c.resume(returning: Task.isCancelled ? nil : try takeReady()?.message)
                    } catch { c.resume(throwing: error) }
                    return
                }
                waiter = c
                lock.unlock()
            }
        } onCancel: {
            lock.lock()
            let w = waiter
            waiter = nil
            lock.unlock()
            w?.resume(returning: nil)
        }
    }

    private struct Ready { let message: KafkaConsumerMessage? }

    /// A buffered message, or the end, or nil when the reader must wait.
    private func takeReady() throws -> Ready? {
        lock.lock()
        if head < items.count {
            let m = items[head]
            head += 1
            bytes -= m.size
            if head > 1024 && head * 2 > items.count {
                items.removeFirst(head)
                head = 0
            }
            let resume = resumeFlowLocked()
            lock.unlock()
            if resume { onFlowChange?(false) }
            return Ready(message: m)
        }
        let t = terminal
        lock.unlock()
        switch t {
        case .none: return nil
        case .success: return Ready(message: nil)
        case .failure(let e): throw e
        }
    }
}
