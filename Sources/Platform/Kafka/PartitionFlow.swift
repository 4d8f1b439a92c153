import DropflowCore
import Foundation

/// Why a partition is not fetched. A partition fetches only while it has no reason at all, so
/// that lifting one reason (a retry's back-off ending) never undoes another (a backlog).
///
/// `owner` tells apart reasons of one kind held by different owners, for example the lanes of
/// two assignments of one partition: each lifts only its own.
public struct KafkaPauseReason: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let owner: UInt64

    public init(_ name: String, owner: UInt64 = 0) {
        self.name = name
        self.owner = owner
    }

    /// ``KafkaConsumer/pause(_:)`` and ``KafkaConsumer/resume(_:)`` without a reason.
    public static let application = KafkaPauseReason("application")

    public var description: String { owner == 0 ? name : "\(name)#\(owner)" }
}

/// The one owner of whether each assigned partition fetches, and of the assignment's
/// generations.
///
/// Each assigned partition has a set of reasons to be paused; the consumer's buffer being full
/// is a reason for every partition. librdkafka is told (paused or resumed) whenever a
/// partition's answer changes, under one lock, so a late decision can never outlast a newer one.
///
/// librdkafka keeps an application's pause on a partition across revoke and re-assign, while
/// the reasons end with the assignment (their owners, a lane or a retry, are gone): so every
/// assignment tells librdkafka again, explicitly, what the partition's state is. Resuming a
/// partition librdkafka does not hold paused is skipped: before librdkafka 2.4 that could
/// restart its fetch from a stale position (librdkafka #4636).
///
/// Every assignment of a partition gets a new generation, which the consumer's poll thread
/// stamps on each message it hands over (``KafkaConsumerMessage/assignmentGeneration``): a
/// message of an earlier assignment that reaches the application late can be told apart.
/// Requests for a generation that is not the partition's current one are ignored.
final class PartitionFlow: @unchecked Sendable {
    /// Tells librdkafka to pause (`true`) or resume these partitions.
    typealias Apply = (_ partitions: [KafkaTopicPartition], _ pause: Bool) -> Void

    private let lock = NSLock()
    private var generations: [KafkaTopicPartition: UInt64] = [:]
    private var lastGeneration: UInt64 = 0
    private var reasons: [KafkaTopicPartition: Set<KafkaPauseReason>] = [:]
    /// What librdkafka was last told of each partition (`true`: paused), kept across
    /// revocations because librdkafka keeps its pause across them.
    private var told: [KafkaTopicPartition: Bool] = [:]
    private var version: UInt64 = 0
    private let apply: Apply
    private let isBufferFull: () -> Bool

    init(isBufferFull: @escaping () -> Bool, apply: @escaping Apply) {
        self.isBufferFull = isBufferFull
        self.apply = apply
    }

    // MARK: The assignment

    /// Partitions just assigned (on the poll thread, after librdkafka's assign): each gets a new
    /// generation and no reasons, and librdkafka is told explicitly whether it fetches.
    func assigned(_ parts: [KafkaTopicPartition]) {
        lock.withLock {
            for tp in parts {
                lastGeneration += 1
                generations[tp] = lastGeneration
                reasons[tp] = []
            }
            version += 1
            reconcileLocked(parts, explicit: true)
        }
    }

    /// Partitions revoked or lost: their reasons go with them.
    func revoked(_ parts: [KafkaTopicPartition]) {
        lock.withLock {
            for tp in parts {
                generations[tp] = nil
                reasons[tp] = nil
            }
            version += 1
        }
    }

    func revokedAll() { revoked(Array(assignment)) }

    /// A manual assignment replacing the whole of it.
    func replaceAssignment(_ parts: [KafkaTopicPartition]) {
        revoked(Array(assignment.subtracting(parts)))
        assigned(parts)
    }

    var assignment: Set<KafkaTopicPartition> { lock.withLock { Set(generations.keys) } }

    /// Bumped by every change of the assignment.
    var assignmentVersion: UInt64 { lock.withLock { version } }

    func generation(of tp: KafkaTopicPartition) -> UInt64? { lock.withLock { generations[tp] } }

    // MARK: Reasons

    func pause(_ parts: [KafkaTopicPartition], reason: KafkaPauseReason, generation: UInt64?) {
        change(parts, generation: generation) { $0.insert(reason) }
    }

    func resume(_ parts: [KafkaTopicPartition], reason: KafkaPauseReason, generation: UInt64?) {
        change(parts, generation: generation) { $0.remove(reason) }
    }

    /// The reasons a partition is paused for (the buffer's included), `nil` if it is not assigned.
    func reasons(of tp: KafkaTopicPartition) -> Set<KafkaPauseReason>? {
        let full = isBufferFull()
        return lock.withLock {
            guard let r = reasons[tp] else { return nil }
            return full ? r.union([.bufferFull]) : r
        }
    }

    /// The consumer's buffer filled up or emptied: every partition may change.
    func bufferChanged() {
        lock.withLock { reconcileLocked(Array(generations.keys), explicit: false) }
    }

    private func change(_ parts: [KafkaTopicPartition], generation: UInt64?, _ edit: (inout Set<KafkaPauseReason>) -> Void) {
        lock.withLock {
            var changed: [KafkaTopicPartition] = []
            for tp in parts {
                guard let g = generations[tp], generation == nil || generation == g, var r = reasons[tp] else { continue }
                edit(&r)
                reasons[tp] = r
                changed.append(tp)
            }
            reconcileLocked(changed, explicit: false)
        }
    }

    private func reconcileLocked(_ parts: [KafkaTopicPartition], explicit: Bool) {
        guard !parts.isEmpty else { return }
        let full = isBufferFull()
        var pause: [KafkaTopicPartition] = [], resume: [KafkaTopicPartition] = []
        for tp in parts {
            guard let r = reasons[tp] else { continue }
            if full || !r.isEmpty {
                if explicit || told[tp] != true { pause.append(tp) }
            } else if told[tp] == true {
                resume.append(tp)
            }
        }
        if !pause.isEmpty {
            apply(pause, true)
            for tp in pause { told[tp] = true }
        }
        if !resume.isEmpty {
            apply(resume, false)
            for tp in resume { told[tp] = false }
        }
    }
}

extension KafkaPauseReason {
    /// The consumer's buffer is full: a reason of every partition, the consumer's own.
    public static let bufferFull = KafkaPauseReason("buffer full")
}
