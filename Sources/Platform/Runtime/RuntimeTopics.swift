import DropflowCore
import DropflowJSON
import DropflowContract

/// Names and CloudEvents types of the topics the runtime writes.
public enum RuntimeTopics {
    /// The contract's `ce_type` for a contract topic, else `dropflow.<topic>` for the pipeline's own.
    public static func ceType(for logicalTopic: String) -> String {
        Contract.topic(named: logicalTopic)?.ceType ?? "dropflow.\(logicalTopic)"
    }
}
