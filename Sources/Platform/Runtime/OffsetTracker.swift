import DropflowCore
import DropflowKafka
import Foundation

/// Which inputs of each partition are finished, and so which offset may be
/// committed: the one after the highest *contiguous* finished input. Inputs
/// are registered in the order the partition gives them; they may finish in
/// any order (their outputs are acknowledged independently).
///
/// Each partition carries an epoch, bumped when it is assigned, revoked or
/// lost: a late completion of an earlier epoch stores nothing. The epoch is
/// bumped too when the partition goes back (an offset at or below the last one
/// registered: an offset reset after log truncation, or a redelivery): tracking
/// restarts from that offset, the inputs registered before it are abandoned
/// (their completions store nothing) and nothing is committable until the
/// re-read ones finish. Each partition also remembers the generation of the
/// consumer's assignment it was assigned in
/// (``KafkaConsumer/assignmentGeneration(of:)``), so that a message of an
/// earlier assignment reaching the worker late is not taken for one of this.
final class OffsetTracker: @unchecked Sendable {
    private struct Partition {
        var epoch: UInt64
        var generation: UInt64
        /// Registered inputs not yet popped, in increasing offset order, with their size and
        /// whether each is done.
        var pending: [(offset: Int64, bytes: Int, done: Bool)] = []
        var head = 0
        /// The next offset to commit (last contiguous finished + 1), if any finished.
        var committable: Int64?
        /// The last offset registered in this epoch: one at or below it is a rewind.
        var lastRegistered: Int64?
        var inFlight: Int { pending.count - head }
        /// The size of the inputs in flight.
        var bytes = 0
    }

    private let lock = NSCondition()
    private var partitions: [KafkaTopicPartition: Partition] = [:]
    private var nextEpoch: UInt64 = 1
    /// Sum of every partition's `inFlight` and `bytes`, kept up to date for the hot path.
    private var total = 0
    private var totalBytes = 0

    /// Starts (or restarts) tracking a partition, assigned in this generation of the
    /// consumer's assignment; returns its epoch.
    @discardableResult
    func assign(_ tp: KafkaTopicPartition, generation: UInt64 = 0) -> UInt64 {
        lock.withLock {
            nextEpoch += 1
            total -= partitions[tp]?.inFlight ?? 0
            totalBytes -= partitions[tp]?.bytes ?? 0
            partitions[tp] = Partition(epoch: nextEpoch, generation: generation)
            return nextEpoch
        }
    }

    /// Stops tracking; late completions for it are ignored.
    func remove(_ tp: KafkaTopicPartition) {
        lock.lock()
        total -= partitions[tp]?.inFlight ?? 0
        totalBytes -= partitions[tp]?.bytes ?? 0
        partitions[tp] = nil
        lock.broadcast()
        lock.unlock()
    }

    func epoch(_ tp: KafkaTopicPartition) -> UInt64? { lock.withLock { partitions[tp]?.epoch } }

    /// The partition's epoch if it is tracked for this generation of the consumer's assignment;
    /// nil for a message of another assignment (or of a partition no longer ours).
    func epoch(_ tp: KafkaTopicPartition, generation: UInt64) -> UInt64? {
        lock.withLock {
            guard let p = partitions[tp], p.generation == generation else { return nil }
            return p.epoch
        }
    }

    var tracked: Set<KafkaTopicPartition> { lock.withLock { Set(partitions.keys) } }

    /// Registers an input taken from the partition (of `bytes` bytes). Returns the epoch it is
    /// registered under: `epoch`, or a new one when the offset is at or below the last
    /// registered (a rewind: tracking restarts from it); nil if the partition is not tracked
    /// or moved on.
    func register(_ tp: KafkaTopicPartition, offset: Int64, epoch: UInt64, bytes: Int = 0) -> UInt64? {
        lock.lock()
        defer { lock.unlock() }
        guard let p = partitions[tp], p.epoch == epoch else { return nil }
        if let last = p.lastRegistered, offset <= last {
            nextEpoch += 1
            total -= p.inFlight
            totalBytes -= p.bytes
            partitions[tp] = Partition(epoch: nextEpoch, generation: p.generation)
            lock.broadcast()
        }
        partitions[tp]!.pending.append((offset, bytes, false))
        partitions[tp]!.lastRegistered = offset
        partitions[tp]!.bytes += bytes
        total += 1
        totalBytes += bytes
        return partitions[tp]!.epoch
    }

    /// Marks an input finished. Returns the new committable offset when it advanced.
    @discardableResult
    func complete(_ tp: KafkaTopicPartition, offset: Int64, epoch: UInt64) -> Int64? {
        lock.lock()
        defer { lock.broadcast(); lock.unlock() }
        guard partitions[tp]?.epoch == epoch else { return nil }
        // In place (no copy of the pending list), by binary search: pending offsets are increasing.
        return Self.complete(&partitions[tp]!, offset: offset, total: &total, totalBytes: &totalBytes)
    }

    private static func complete(_ p: inout Partition, offset: Int64, total: inout Int, totalBytes: inout Int) -> Int64? {
        var lo = p.head, hi = p.pending.count - 1, found = -1
        while lo <= hi {
            let mid = (lo + hi) / 2
            if p.pending[mid].offset == offset { found = mid; break }
            if p.pending[mid].offset < offset { lo = mid + 1 } else { hi = mid - 1 }
        }
        guard found >= 0, !p.pending[found].done else { return nil }
        p.pending[found].done = true
        var advanced: Int64?
        while p.head < p.pending.count && p.pending[p.head].done {
            advanced = p.pending[p.head].offset + 1
            p.bytes -= p.pending[p.head].bytes
            totalBytes -= p.pending[p.head].bytes
            p.head += 1
            total -= 1
        }
        if p.head > 4096 && p.head * 2 > p.pending.count {
            p.pending.removeFirst(p.head)
            p.head = 0
        }
        if let advanced { p.committable = advanced }
        return advanced
    }

    /// Inputs registered and not finished, over all partitions or these.
    func inFlight(_ only: Set<KafkaTopicPartition>? = nil) -> Int {
        lock.withLock {
            guard let only else { return total }
            return partitions.reduce(0) { acc, kv in only.contains(kv.key) ? acc + kv.value.inFlight : acc }
        }
    }

    /// The size of the inputs in flight, over all partitions.
    func inFlightBytes() -> Int { lock.withLock { totalBytes } }

    /// Whether an input of `bytes` bytes may be taken: fewer than `maxCount` inputs are in
    /// flight, and it fits in `maxBytes` with them (or nothing is in flight: an input larger
    /// than the bound is taken alone).
    func hasRoom(maxCount: Int, maxBytes: Int, for bytes: Int) -> Bool {
        lock.withLock { total < maxCount && (totalBytes == 0 || totalBytes + bytes <= maxBytes) }
    }

    /// Waits (blocking the calling thread) until these partitions have nothing in flight, or the deadline.
    /// Returns whether they drained.
    func waitDrained(_ tps: Set<KafkaTopicPartition>?, until deadline: ContinuousClock.Instant) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        while true {
            let n = partitions.reduce(0) { acc, kv in (tps == nil || tps!.contains(kv.key)) ? acc + kv.value.inFlight : acc }
            if n == 0 { return true }
            let now = ContinuousClock.now
            if now >= deadline { return false }
            let left = now.duration(to: deadline)
            _ = lock.wait(until: Date().addingTimeInterval(min(0.05, Double(left.milliseconds) / 1000)))
        }
    }

    /// The committable offset of each tracked partition (or of these).
    func committable(_ only: Set<KafkaTopicPartition>? = nil) -> [KafkaTopicPartitionOffset] {
        lock.withLock {
            partitions.compactMap { tp, p in
                guard only == nil || only!.contains(tp), let o = p.committable else { return nil }
                return KafkaTopicPartitionOffset(tp, offset: o)
            }
        }
    }
}
