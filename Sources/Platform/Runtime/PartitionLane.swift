import DropflowCore
import DropflowKafka
import Foundation

/// The inputs of one partition, handled one after the other by a task of
/// their own. When too many wait, the partition is paused (the others keep
/// flowing) and resumed once the lane has caught up.
final class PartitionLane: @unchecked Sendable {
    let tp: KafkaTopicPartition
    let epoch: UInt64
    private let continuation: AsyncStream<KafkaConsumerMessage>.Continuation
    private var task: Task<Void, Never>?
    private let lock = NSLock()
    private var queued = 0
    private var paused = false
    private let backlogLimit: Int
    private let consumer: KafkaConsumer

    /// - Parameter prepare: runs before the first input (the assignment barrier); when it
    ///   returns false the lane handles nothing.
    init(tp: KafkaTopicPartition, epoch: UInt64, backlogLimit: Int, consumer: KafkaConsumer,
         prepare: @escaping @Sendable () async -> Bool = { true },
         process: @escaping @Sendable (KafkaConsumerMessage) async -> Void) {
        self.tp = tp
        self.epoch = epoch
        self.backlogLimit = max(1, backlogLimit)
        self.consumer = consumer
        let (stream, continuation) = AsyncStream<KafkaConsumerMessage>.makeStream()
        self.continuation = continuation
        task = Task { [weak self] in
            guard await prepare() else { return }
            for await m in stream {
                if Task.isCancelled { break }
                self?.dequeued()
                await process(m)
            }
        }
    }

    func enqueue(_ m: KafkaConsumerMessage) {
        let pause: Bool = lock.withLock {
            queued += 1
            if !paused && queued >= backlogLimit { paused = true; return true }
            return false
        }
        if pause { try? consumer.pause([tp]) }
        continuation.yield(m)
    }

    private func dequeued() {
        let resume: Bool = lock.withLock {
            queued -= 1
            if paused && queued <= backlogLimit / 2 { paused = false; return true }
            return false
        }
        if resume { try? consumer.resume([tp]) }
    }

    func cancel() {
        continuation.finish()
        task?.cancel()
    }
}
