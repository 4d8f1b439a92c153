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
/// partition librdkafka does not hold paused is skipped before librdkafka 2.4: there it could
/// restart its fetch from a stale position (librdkafka #4636); from 2.4 on librdkafka itself
/// skips such a resume, so a resume may be repeated (``repeatableResume``).
///
/// A pause or resume can be lost inside librdkafka (librdkafka #5591): it takes a version for
/// the operation, then queues it for the partition's thread, which drops an operation older
/// than one it already served, silently. librdkafka's own operations on the partition (starting
/// it once its committed offset is known, pausing every partition when a rebalance begins and
/// resuming them when it is served, stopping it) come from its main thread, so one of them that
/// takes its version after ours and is queued before ours makes ours vanish: a lost resume
/// leaves the partition paused for ever while it has no reason. So the flow:
/// - tells librdkafka a newly assigned partition's state *before* librdkafka's assign, while
///   librdkafka does nothing with the partition (its removal was served when it was revoked):
///   the assignment's own operations come after ours;
/// - holds its lock across librdkafka's assign and unassign calls, so that no pause or resume
///   of its own overlaps the operations librdkafka issues inside them;
/// - after each of those calls, tells librdkafka again what every partition that stays
///   assigned should do (librdkafka paused and resumed them all around the rebalance, possibly
///   overtaking a pause or resume of ours);
/// - and, from librdkafka 2.4 on, resumes every partition that should fetch once a second
///   (``heal()``, on the poll thread): a no-op for a partition librdkafka does not hold paused,
///   it undoes a resume lost to an operation it cannot order against (librdkafka starting a
///   partition just assigned, or seeking after a truncated log).
///
/// Every assignment of a partition gets a new generation, which the consumer's poll thread
/// stamps on each message it hands over (``KafkaConsumerMessage/assignmentGeneration``): a
/// message of an earlier assignment that reaches the application late can be told apart.
/// Requests for a generation that is not the partition's current one are ignored.
final class PartitionFlow: @unchecked Sendable {
    /// Tells librdkafka to pause (`true`) or resume these partitions; returns those it could
    /// not tell (librdkafka knows no such partition yet, or the call failed).
    typealias Apply = (_ partitions: [KafkaTopicPartition], _ pause: Bool) -> Set<KafkaTopicPartition>

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
    /// librdkafka skips a resume of a partition it does not hold paused (2.4 on), so resuming
    /// again is harmless.
    let repeatableResume: Bool

    init(isBufferFull: @escaping () -> Bool, repeatableResume: Bool, apply: @escaping Apply) {
        self.isBufferFull = isBufferFull
        self.repeatableResume = repeatableResume
        self.apply = apply
    }

    // MARK: The assignment

    /// Partitions being assigned, by librdkafka's assign call `assign` (run under the flow's
    /// lock; `false`: it failed and librdkafka's assignment is unchanged). With `replacing`,
    /// the new assignment is the whole of it (a manual assign): the partitions not in it are
    /// revoked. Each assigned partition gets a new generation and no reasons.
    @discardableResult
    func assign(_ parts: [KafkaTopicPartition], replacing: Bool = false, _ assign: () -> Bool) -> Bool {
        lock.withLock {
            // Told first, while librdkafka does nothing with these partitions.
            reconcileLocked(parts, .explicit) { _ in [] }
            guard assign() else { return false }
            let new = Set(parts)
            if replacing {
                for tp in generations.keys where !new.contains(tp) {
                    generations[tp] = nil
                    reasons[tp] = nil
                }
            }
            for tp in parts {
                lastGeneration += 1
                generations[tp] = lastGeneration
                reasons[tp] = []
            }
            version += 1
            // A partition of a topic librdkafka did not know before the call could not be told.
            reconcileLocked(parts, .changed)
            reconcileLocked(generations.keys.filter { !new.contains($0) }, .explicit)
            return true
        }
    }

    /// Partitions revoked or lost, by librdkafka's unassign call `unassign` (run under the
    /// flow's lock): their reasons go with them, before the call, so that nothing pauses or
    /// resumes them while librdkafka stops them.
    func revoke(_ parts: [KafkaTopicPartition], _ unassign: () -> Void) {
        lock.withLock {
            for tp in parts {
                generations[tp] = nil
                reasons[tp] = nil
            }
            version += 1
            unassign()
            reconcileLocked(Array(generations.keys), .explicit)
        }
    }

    /// The whole assignment revoked by `unassign`.
    func revokeAll(_ unassign: () -> Void) {
        lock.withLock {
            generations.removeAll()
            reasons.removeAll()
            version += 1
            unassign()
        }
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
        lock.withLock { reconcileLocked(Array(generations.keys), .changed) }
    }

    /// Resumes again every assigned partition that should fetch (librdkafka 2.4 on; a no-op
    /// for one that librdkafka does not hold paused): a resume lost inside librdkafka is undone.
    func heal() {
        guard repeatableResume else { return }
        lock.withLock { reconcileLocked(Array(generations.keys), .heal) }
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
            reconcileLocked(changed, .changed)
        }
    }

    /// What librdkafka is told.
    private enum Telling {
        /// Only what changed since it was last told.
        case changed
        /// Everything, whatever it was told last (what it holds may differ: it keeps a pause
        /// across revoke and re-assign, and it can lose a pause or resume); a resume of a
        /// partition never paused is skipped, and one of a partition last told to resume too,
        /// unless librdkafka skips it itself.
        case explicit
        /// Resumes only, of partitions told before, where librdkafka skips a needless one.
        case heal
    }

    private func reconcileLocked(_ parts: [KafkaTopicPartition], _ telling: Telling,
                                 reasonsOf: ((KafkaTopicPartition) -> Set<KafkaPauseReason>?)? = nil) {
        guard !parts.isEmpty else { return }
        let full = isBufferFull()
        var pause: [KafkaTopicPartition] = [], resume: [KafkaTopicPartition] = []
        for tp in parts {
            guard let r = reasonsOf.map({ $0(tp) }) ?? reasons[tp] else { continue }
            let last = told[tp]
            if full || !r.isEmpty {
                switch telling {
                case .changed: if last != true { pause.append(tp) }
                case .explicit: pause.append(tp)
                case .heal: break
                }
            } else {
                switch telling {
                case .changed: if last == true { resume.append(tp) }
                case .explicit, .heal:
                    if last == true || (last == false && repeatableResume) { resume.append(tp) }
                }
            }
        }
        if !pause.isEmpty {
            let untold = apply(pause, true)
            for tp in pause where !untold.contains(tp) { told[tp] = true }
        }
        if !resume.isEmpty {
            let untold = apply(resume, false)
            for tp in resume where !untold.contains(tp) { told[tp] = false }
        }
    }
}

extension KafkaPauseReason {
    /// The consumer's buffer is full: a reason of every partition, the consumer's own.
    public static let bufferFull = KafkaPauseReason("buffer full")
}
