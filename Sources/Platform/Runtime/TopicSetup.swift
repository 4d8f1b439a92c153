import DropflowContract
import DropflowKafka

/// The Kafka topics a set of declarations needs: each topic, with its cleanup policy and
/// retention, and a `.dlq` topic beside each one a stage reads.
public enum TopicSetup {
    /// Specs for `topics` (names prefixed), then their dead-letter topics; a topic listed twice
    /// is created once.
    public static func specs(_ topics: [TopicDeclaration], prefix: String, partitions: Int32,
                             replicationFactor: Int32 = -1) -> [KafkaTopicSpec] {
        var seen = Set<String>()
        let unique = topics.filter { seen.insert($0.name).inserted }
        let main = unique.map { topic in
            var config: [String: String] = [:]
            if topic.cleanup != .delete { config["cleanup.policy"] = topic.cleanup.rawValue }
            if let retention = topic.retention { config["retention.ms"] = String(retention.milliseconds) }
            return KafkaTopicSpec(name: topic.fullName(prefix: prefix), partitions: partitions,
                                  replicationFactor: replicationFactor, config: config)
        }
        let deadLetters = unique.filter(\.isDeadLettered).map {
            KafkaTopicSpec(name: $0.deadLetterName(prefix: prefix), partitions: partitions, replicationFactor: replicationFactor)
        }
        return main + deadLetters
    }

    /// The names (without a prefix) of `topics` and of their dead-letter topics, each once.
    public static func names(_ topics: [TopicDeclaration]) -> [String] {
        specs(topics, prefix: "", partitions: 1).map(\.name)
    }
}
