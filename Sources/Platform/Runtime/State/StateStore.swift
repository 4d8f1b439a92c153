import DropflowContract
import Foundation

/// Keyed state of a stage, partitioned like one of its inputs (the anchor is Kafka Streams'
/// state store with its changelog topic).
///
/// The store's changelog is a compacted topic with at least as many partitions as the input:
/// what the worker decides about an input of partition `p` is recorded in partition `p` of the
/// changelog, so a worker restores exactly the partitions it owns, before it processes them.
///
/// A handler reads the store through ``StageContext/store(_:)`` (the partition of the input it
/// is handling) and writes it by returning ``StageOutput/record(_:key:state:)``. That output is
/// **the decision record**: the runtime sends it first, tagged with its cause (the input's
/// topic, partition and offset) and holding every other output of the decision; only once it
/// is acknowledged does it send the outputs, and only once they are does it commit the
/// input's offset. A redelivered input whose record exists gets its recorded outputs again,
/// byte for byte, without calling the handler (see ARCHITECTURE.md, "State").
public struct StateStore: Sendable, Hashable, CustomStringConvertible {
    /// The changelog topic (compacted; created with the input's partition count).
    public let changelog: TopicDeclaration
    /// The input it is partitioned like; only handlers of that input may write it.
    public let input: TopicDeclaration
    /// Entries whose last write is older than this in event time (behind the partition's
    /// stream time) are forgotten, so memory is bounded whether or not the broker compacts;
    /// nil keeps them.
    public let horizon: Duration?

    public init(changelog: TopicDeclaration, partitionedLike input: TopicDeclaration, horizon: Duration?) {
        self.changelog = changelog
        self.input = input
        self.horizon = horizon
    }

    public var name: String { changelog.name }
    public var description: String { name }
}

/// The entries of one partition of a store, as a handler sees them (its own decisions
/// included at once).
public struct StoreView: Sendable {
    let partition: StorePartition?

    /// The state recorded under `key`, if any.
    public subscript(key: String) -> [UInt8]? { partition?.state(key) }
    /// Keys held in this partition.
    public var count: Int { partition?.count ?? 0 }
}

extension StageOutput {
    /// Records `state` under `key` in `store` (nil forgets the key): the decision record of the
    /// input being handled. At most one per store and decision; the other outputs of the
    /// decision are sent only once it is acknowledged. `at` is the event time the entry is kept
    /// by (the store forgets it a horizon later); the input's event time when nil.
    public static func record(_ store: StateStore, key: String, state: [UInt8]?, at: Date? = nil) -> StageOutput {
        var output = StageOutput(topic: store.changelog, key: Array(key.utf8), value: state)
        output.recordTimeMs = at.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
        return output
    }
}
