import DropflowKafka
import Foundation

/// One partition of a store in memory: the state per key, and the recorded decisions whose
/// causes may still be redelivered, by the cause's offset.
final class StorePartition: @unchecked Sendable {
    struct Entry {
        var state: [UInt8]?
        var atMs: Int64
        /// Offsets of this key's recorded decisions not yet known committed.
        var pending: [Int64]
    }

    let store: StateStore
    /// The input partition it belongs to (the changelog partition has the same number).
    let input: KafkaTopicPartition
    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    private var recorded: [Int64: RecordedDecision] = [:]
    /// Inputs below this offset are committed: they are never redelivered to this owner.
    private var floor: Int64
    private var streamTimeMs: Int64 = .min
    private var writesSinceEviction = 0

    init(store: StateStore, input: KafkaTopicPartition, committed: Int64?) {
        self.store = store
        self.input = input
        self.floor = committed ?? 0
    }

    var count: Int { lock.withLock { entries.values.count { $0.state != nil } } }

    func state(_ key: String) -> [UInt8]? { lock.withLock { entries[key]?.state } }

    /// The decision recorded for the input at `offset`, if its record was written.
    func recordedDecision(at offset: Int64) -> RecordedDecision? { lock.withLock { recorded[offset] } }

    /// Restoring: the latest changelog value of `key` (nil: a tombstone).
    func restore(key: String, record: StoreRecord?) {
        lock.withLock {
            guard let record else {
                if let old = entries.removeValue(forKey: key) { for o in old.pending { recorded[o] = nil } }
                return
            }
            var pending: [Int64] = []
            for d in record.decisions where d.topic == input.topic && d.partition == input.partition && d.offset >= floor {
                recorded[d.offset] = d
                pending.append(d.offset)
            }
            entries[key] = Entry(state: record.state, atMs: record.atMs, pending: pending)
            streamTimeMs = max(streamTimeMs, record.atMs)
        }
    }

    /// Records a decision about `key`: the state is visible to the next handler at once, and
    /// the returned record (the decision with every earlier one of the key still pending) is
    /// what goes to the changelog. `undo` puts the entry back as it was.
    func write(key: String, state: [UInt8]?, decision: RecordedDecision, atMs: Int64) -> (record: StoreRecord, undo: @Sendable () -> Void) {
        lock.withLock {
            let before = entries[key]
            var pending = (before?.pending ?? []).filter { $0 >= floor && recorded[$0] != nil }
            let decisions = pending.compactMap { recorded[$0] } + [decision]
            pending.append(decision.offset)
            recorded[decision.offset] = decision
            entries[key] = Entry(state: state, atMs: atMs, pending: pending)
            streamTimeMs = max(streamTimeMs, atMs)
            writesSinceEviction += 1
            if writesSinceEviction >= 1_000 { evictLocked() }
            let record = StoreRecord(state: state, atMs: atMs, decisions: decisions)
            let undo: @Sendable () -> Void = { [self] in
                lock.withLock {
                    recorded[decision.offset] = nil
                    if let before { entries[key] = before } else { entries[key] = nil }
                }
            }
            return (record, undo)
        }
    }

    /// Inputs below `offset` are committed: their recorded outputs are forgotten.
    func committed(upTo offset: Int64) {
        lock.withLock {
            guard offset > floor else { return }
            floor = offset
            recorded = recorded.filter { $0.key >= offset }
        }
    }

    /// Forgets entries last written longer than the horizon before the stream time.
    func evict() { lock.withLock { evictLocked() } }

    private func evictLocked() {
        writesSinceEviction = 0
        guard let horizon = store.horizon, streamTimeMs != .min else { return }
        let oldest = streamTimeMs - horizon.milliseconds
        entries = entries.filter { _, e in e.atMs >= oldest || e.pending.contains { recorded[$0] != nil } }
    }
}

/// The store partitions of the input partitions a worker owns.
final class StoreRegistry: @unchecked Sendable {
    let stores: [StateStore]
    private let lock = NSLock()
    private var partitions: [KafkaTopicPartition: [String: StorePartition]] = [:]

    init(stores: [StateStore]) { self.stores = stores }

    /// The stores partitioned like the input topic `logical` (its name without the prefix).
    func stores(forInput logical: String) -> [StateStore] { stores.filter { $0.input.name == logical } }

    func install(_ tp: KafkaTopicPartition, _ restored: [StorePartition]) {
        lock.withLock { partitions[tp] = Dictionary(uniqueKeysWithValues: restored.map { ($0.store.name, $0) }) }
    }

    func remove(_ tp: KafkaTopicPartition) { _ = lock.withLock { partitions.removeValue(forKey: tp) } }

    func partition(_ store: StateStore, of tp: KafkaTopicPartition) -> StorePartition? {
        lock.withLock { partitions[tp]?[store.name] }
    }

    /// The decision recorded for this input, in any store of its partition.
    func recordedDecision(_ tp: KafkaTopicPartition, offset: Int64) -> RecordedDecision? {
        let parts = lock.withLock { partitions[tp].map { Array($0.values) } ?? [] }
        for p in parts { if let d = p.recordedDecision(at: offset) { return d } }
        return nil
    }

    /// These offsets (each the next to read) were committed.
    func committed(_ offsets: [KafkaTopicPartitionOffset]) {
        for o in offsets {
            let parts = lock.withLock { partitions[o.topicPartition].map { Array($0.values) } ?? [] }
            for p in parts { p.committed(upTo: o.offset) }
        }
    }
}
