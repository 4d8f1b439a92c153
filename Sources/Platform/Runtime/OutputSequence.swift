import DropflowCore
import DropflowKafka
import Foundation
import Logging

/// The outputs of one input partition (of one lane epoch), in the order its inputs made them,
/// and their delivery: what keeps the outputs of a key in input order when a delivery fails.
///
/// librdkafka keeps the order of the messages it is given, per partition; but when it gives
/// up on one (an error it does not retry, a timeout) those after it may already be on their
/// way, and a plain re-send lands the failed one after them. So:
///
/// - while nothing failed, every output is handed to librdkafka at once;
/// - once a delivery fails for a transient reason, the outputs after it are held back; when
///   every delivery under way has reported, every output from the failed one on is sent again,
///   in order, those delivered meanwhile included, then the held ones. A key's last copy in the
///   log is therefore always its latest input's, and its last copies come in input order: what
///   a compacted topic keeps, and what a reader keeping the latest copy of each `ce_id` sees
///   (first copies can be out of order around a failure);
/// - an output counts as delivered (its `delivered` callback runs, once) only when it and every
///   output before it were acknowledged in the current round: an input is never finished, so
///   never committed, while an earlier output might still make it be sent again;
/// - a full local queue holds later outputs back the same way, sending nothing twice;
/// - an output Kafka refuses for good calls its `refused` callback once and is not sent again;
/// - a fatal error stops the sequence and calls `onFatal`.
final class OutputSequence: @unchecked Sendable {
    private final class Entry {
        let message: KafkaProducerMessage
        let delivered: @Sendable () -> Void
        let refused: @Sendable (KafkaError) -> Void
        /// Acknowledged in the current round, or refused for good.
        var done = false
        var wasRefused = false
        init(_ message: KafkaProducerMessage, delivered: @escaping @Sendable () -> Void,
             refused: @escaping @Sendable (KafkaError) -> Void) {
            self.message = message
            self.delivered = delivered
            self.refused = refused
        }
    }

    private let lock = NSLock()
    /// `entries[i]` has the sequence number `base + i`; those below `first` are counted as
    /// delivered and wait to be dropped.
    private var entries: [Entry] = []
    private var base = 0
    /// The first entry not yet counted as delivered.
    private var first = 0
    /// The first entry not yet handed over in this round.
    private var next = 0
    /// Handed over and not yet reported.
    private var inFlight = 0
    /// The earliest entry whose delivery failed: while set, nothing more is handed over.
    private var failedFrom: Int?
    /// The local queue was full: waiting for room.
    private var blocked = false
    private var roundScheduled = false
    private var failedRounds = 0
    private var stopped = false

    private let producer: KafkaProducer
    private let logger: Logger
    /// Whether the sequence still matters (its partition is still ours, no fatal error).
    private let isCurrent: @Sendable () -> Bool
    private let onFatal: @Sendable (KafkaError) -> Void

    init(producer: KafkaProducer, logger: Logger, isCurrent: @escaping @Sendable () -> Bool,
         onFatal: @escaping @Sendable (KafkaError) -> Void) {
        self.producer = producer
        self.logger = logger
        self.isCurrent = isCurrent
        self.onFatal = onFatal
    }

    /// Sends an output after every output sent before it.
    func send(_ message: KafkaProducerMessage, delivered: @escaping @Sendable () -> Void,
              refused: @escaping @Sendable (KafkaError) -> Void) {
        var after: [() -> Void] = []
        lock.withLock {
            guard !stopped else { return }
            entries.append(Entry(message, delivered: delivered, refused: refused))
            pumpLocked(&after)
        }
        for f in after { f() }
    }

    /// Drops everything: the partition moved on.
    func stop() { lock.withLock { stopped = true } }

    private var endLocked: Int { base + entries.count }
    private func entry(_ seq: Int) -> Entry { entries[seq - base] }

    /// Hands entries over, in order, while nothing failed and the queue has room.
    private func pumpLocked(_ after: inout [() -> Void]) {
        while !stopped && failedFrom == nil && !blocked && next < endLocked {
            let seq = next
            let e = entry(seq)
            if e.wasRefused {
                e.done = true
                next += 1
                advanceLocked(&after)
                continue
            }
            do throws(KafkaError) {
                // The callback runs on the producer's poll thread, never within enqueue.
                try producer.enqueue(e.message) { [self] result in report(seq, result) }
                inFlight += 1
                next += 1
            } catch {
                if error.code == KafkaError.queueFull {
                    blocked = true
                    after.append { [self] in waitForRoom() }
                    return
                }
                // Cannot be queued at all (e.g. too large): like a failed delivery.
                next += 1
                failedLocked(seq, error, &after)
            }
        }
    }

    private func report(_ seq: Int, _ result: Result<KafkaDeliveryReport, KafkaError>) {
        var after: [() -> Void] = []
        lock.withLock {
            guard !stopped, seq >= first, seq < endLocked else { return }
            inFlight -= 1
            switch result {
            case .success:
                entry(seq).done = true
                advanceLocked(&after)
            case .failure(let error):
                failedLocked(seq, error, &after)
            }
            if failedFrom != nil && inFlight == 0 { scheduleRoundLocked(&after) }
        }
        for f in after { f() }
    }

    private func failedLocked(_ seq: Int, _ error: KafkaError, _ after: inout [() -> Void]) {
        let e = entry(seq)
        if error.isFatal {
            stopped = true
            after.append { [onFatal] in onFatal(error) }
            return
        }
        if !error.isRetriable {
            if !e.wasRefused {
                e.wasRefused = true
                after.append { e.refused(error) }
            }
            e.done = true
            advanceLocked(&after)
            return
        }
        e.done = false
        if failedFrom == nil {
            let topic = e.message.topic, held = endLocked - seq - 1, round = failedRounds + 1
            after.append { [logger] in
                logger.warning("delivery failed; it and the outputs after it are sent again, in order",
                               metadata: ["kafka.topic": "\(topic)", "kafka.error": "\(error)", "outputs.after": "\(held)",
                                          "attempt": "\(round)"])
            }
        }
        failedFrom = min(failedFrom ?? seq, seq)
        if inFlight == 0 { scheduleRoundLocked(&after) }
    }

    /// Counts the done prefix as delivered, in order, and drops it.
    private func advanceLocked(_ after: inout [() -> Void]) {
        let start = first
        while first < next, entry(first).done {
            let e = entry(first)
            if !e.wasRefused { after.append(e.delivered) }
            first += 1
        }
        guard first > start else { return }
        if failedFrom == nil { failedRounds = 0 }
        let dropped = first - base
        if dropped > 1_024 && dropped * 2 > entries.count {
            entries.removeFirst(dropped)
            base = first
        }
    }

    private func scheduleRoundLocked(_ after: inout [() -> Void]) {
        guard !roundScheduled, !stopped else { return }
        roundScheduled = true
        failedRounds += 1
        let wait = Duration.milliseconds(min(5_000, 100 * failedRounds))
        after.append { [self] in
            Task {
                try? await Task.sleep(for: wait)
                self.sendAgain()
            }
        }
    }

    /// Everything from the failed entry on, in order, now that nothing is under way.
    private func sendAgain() {
        var after: [() -> Void] = []
        lock.withLock {
            roundScheduled = false
            guard !stopped else { return }
            guard isCurrent() else { stopped = true; return }
            guard let from = failedFrom, inFlight == 0 else { return }
            for seq in from..<next where !entry(seq).wasRefused { entry(seq).done = false }
            next = from
            failedFrom = nil
            pumpLocked(&after)
        }
        for f in after { f() }
    }

    private func waitForRoom() {
        Task {
            try? await Task.sleep(for: .milliseconds(5))
            var after: [() -> Void] = []
            lock.withLock {
                blocked = false
                if !stopped && !isCurrent() { stopped = true }
                pumpLocked(&after)
            }
            for f in after { f() }
        }
    }
}

/// One ``OutputSequence`` per input partition, replaced when the partition's epoch changes.
final class OutputSequences: @unchecked Sendable {
    private let lock = NSLock()
    private var sequences: [KafkaTopicPartition: (epoch: UInt64, sequence: OutputSequence)] = [:]

    func sequence(for tp: KafkaTopicPartition, epoch: UInt64, make: () -> OutputSequence) -> OutputSequence {
        let (sequence, old): (OutputSequence, OutputSequence?) = lock.withLock {
            if let s = sequences[tp], s.epoch == epoch { return (s.sequence, nil) }
            let made = make()
            let old = sequences[tp]?.sequence
            sequences[tp] = (epoch, made)
            return (made, old)
        }
        old?.stop()
        return sequence
    }

    /// The partitions went away: their sequences stop.
    func drop(_ parts: [KafkaTopicPartition]) {
        let gone: [OutputSequence] = lock.withLock { parts.compactMap { sequences.removeValue(forKey: $0)?.sequence } }
        for s in gone { s.stop() }
    }
}
