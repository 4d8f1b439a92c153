import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowKafka

/// Every topic a Dropflow deployment uses: the contract's inputs and outputs,
/// the pipeline's own topics between stages, and a `.dlq` topic beside each
/// topic a stage reads.
public enum TopicCatalog {
    /// Topics between the pipeline's own stages (not part of the contract).
    public static let internalTopics: [String] = ["passthrough.in", "passthrough.out"]

    /// Topics that hold the latest value per key.
    public static let compacted: Set<String> = ["supplier.offers", "carrier.rates", "supplier.status"]

    /// Topics some stage reads, which therefore get a dead-letter topic.
    public static var consumed: [String] { Contract.inputs.map(\.name) + internalTopics }

    /// Specs for every topic, names prefixed. `stageTopics` are the stages' own topics
    /// between each other (read by some stage, so they get a `.dlq` too), and whether each
    /// holds the latest value per key.
    public static func specs(prefix: String, partitions: Int32, replicationFactor: Int32 = -1,
                             stageTopics: [(name: String, compacted: Bool)] = []) -> [KafkaTopicSpec] {
        var names = Contract.inputs.map(\.name) + Contract.outputs.map(\.name) + internalTopics + stageTopics.map(\.name)
        names += (consumed + stageTopics.map(\.name)).map { $0 + ".dlq" }
        let compactedNames = compacted.union(stageTopics.filter(\.compacted).map(\.name))
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }.map { name in
            KafkaTopicSpec(name: prefix + name, partitions: partitions, replicationFactor: replicationFactor,
                           config: compactedNames.contains(name) ? ["cleanup.policy": "compact"] : [:])
        }
    }
}
