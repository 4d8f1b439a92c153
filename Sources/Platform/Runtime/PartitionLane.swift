import DropflowCore
import DropflowKafka
import Foundation

/// The inputs of one partition, handled one after the other by a task of
/// their own. When too many wait, the partition is paused (the others keep
/// flowing) and resumed once the lane has caught up. The lane's pause is a
/// reason of its own (``KafkaPauseReason/laneBacklog(_:)``): a retry's
/// back-off ending does not lift it, and a cancelled lane lifts it.
final class PartitionLane: @unchecked Sendable {
    let tp: KafkaTopicPartition
    let epoch: UInt64
    private let continuation: AsyncStream<KafkaConsumerMessage>.Continuation
    private var task: Task<Void, Never>?
    private let lock = NSLock()
    private var queued = 0
    private var paused = false
    private var cancelled = false
    private let backlogLimit: Int
    private let consumer: KafkaConsumer
    private let reason: KafkaPauseReason
    /// The assignment generation of the lane's messages (all of one assignment).
    private var generation: UInt64?

    /// - Parameter prepare: runs before the first input (the assignment barrier); when it
    ///   returns false the lane handles nothing.
    init(tp: KafkaTopicPartition, epoch: UInt64, backlogLimit: Int, consumer: KafkaConsumer,
         prepare: @escaping @Sendable () async -> Bool = { true },
         process: @escaping @Sendable (KafkaConsumerMessage) async -> Void) {
        self.tp = tp
        self.epoch = epoch
        self.backlogLimit = max(1, backlogLimit)
        self.consumer = consumer
        self.reason = .laneBacklog(epoch)
        let (stream, continuation) = AsyncStream<KafkaConsumerMessage>.makeStream()
        self.continuation = continuation
        task = Task { [weak self] in
            guard await prepare() else { return }
            for await m in stream {
                if Task.isCancelled { break }
                self?.dequeued()
                await process(m)
                // A queued input is taken without suspending, and a handler that only computes
                // (routing's decisions) never suspends either: without this, a lane with a
                // backlog keeps its thread until the backlog is gone, and with as many busy
                // lanes as threads nothing else runs (shutdown, commits, the dispatch loop).
                await Task.yield()
            }
        }
    }

    // The consumer is told under the lane's lock, so that a pause decided before `cancel` can
    // never reach it after the cancel's resume.

    func enqueue(_ m: KafkaConsumerMessage) {
        lock.withLock {
            guard !cancelled else { return }
            if generation == nil { generation = m.assignmentGeneration }
            queued += 1
            if !paused && queued >= backlogLimit {
                paused = true
                try? consumer.pause([tp], reason: reason, generation: generation)
            }
        }
        continuation.yield(m)
    }

    private func dequeued() {
        lock.withLock {
            queued -= 1
            if paused && !cancelled && queued <= backlogLimit / 2 {
                paused = false
                try? consumer.resume([tp], reason: reason, generation: generation)
            }
        }
    }

    func cancel() {
        lock.withLock {
            cancelled = true
            if paused {
                paused = false
                try? consumer.resume([tp], reason: reason, generation: generation)
            }
        }
        continuation.finish()
        task?.cancel()
    }
}

extension KafkaPauseReason {
    /// The partition's lane of this epoch holds too many inputs.
    static func laneBacklog(_ epoch: UInt64) -> KafkaPauseReason { KafkaPauseReason("lane backlog", owner: epoch) }
    /// A handler of this epoch's lane waits out a retry's back-off.
    static func retryBackoff(_ epoch: UInt64) -> KafkaPauseReason { KafkaPauseReason("retry back-off", owner: epoch) }
}
