/// One topic of a Dropflow deployment, declared once: its name (without the deployment's
/// prefix), key, CloudEvents type, schema, cleanup policy and retention, and in words what it
/// carries and who writes and reads it. The contract's topics are declared here, in
/// ``Contract``; the pipeline's own (between its stages) in the pipeline's topology
/// (`DropflowPipeline`). Stages name topics by these declarations, `dropflow topics create`
/// creates them, and `docs/topics.md` is checked against them.
public struct TopicDeclaration: Sendable, Hashable, CustomStringConvertible {
    /// Who defines the topic.
    public enum Role: String, Sendable, Hashable {
        /// The contract's: written by systems outside the pipeline, read by it.
        case input
        /// The contract's: written by the pipeline for the systems outside.
        case output
        /// The pipeline's own, between its stages.
        case pipeline
    }

    /// What the broker keeps.
    public enum Cleanup: String, Sendable, Hashable {
        /// Messages older than the retention are deleted.
        case delete
        /// The latest value per key is kept (a tombstone deletes the key).
        case compact
        /// The latest value per key is kept, and nothing is kept longer than the retention.
        case compactAndDelete = "compact,delete"
    }

    /// The name without the deployment's prefix, e.g. `orders.placed`.
    public let name: String
    /// What the message key is, e.g. `order_id` or `<supplier_id>/<sku>`.
    public let key: String
    /// The CloudEvents `ce_type` of its messages, e.g. `dropflow.order.placed`.
    public let ceType: String
    /// The contract schema every value satisfies, if any (the pipeline's own topics name one
    /// where their values satisfy it, e.g. accepted orders are still `order-placed` values).
    public let schema: ContractSchema?
    public let role: Role
    public let cleanup: Cleanup
    /// How long the broker keeps messages; nil leaves the broker's default.
    public let retention: Duration?
    /// What a value holds, in words.
    public let value: String
    /// Who writes it, in words.
    public let writers: String
    /// Who reads it, in words.
    public let readers: String

    public init(name: String, key: String, ceType: String, schema: ContractSchema?, role: Role,
                cleanup: Cleanup = .delete, retention: Duration? = nil, value: String = "", writers: String = "",
                readers: String = "") {
        self.name = name
        self.key = key
        self.ceType = ceType
        self.schema = schema
        self.role = role
        self.cleanup = cleanup
        self.retention = retention
        self.value = value
        self.writers = writers
        self.readers = readers
    }

    /// A topic of the pipeline's own that no document describes (a test's, a benchmark's):
    /// keyed as its writer likes, `ce_type` `dropflow.<name>`, deleted after the broker's default
    /// retention.
    public static func adHoc(_ name: String, cleanup: Cleanup = .delete) -> TopicDeclaration {
        TopicDeclaration(name: name, key: "", ceType: "dropflow.\(name)", schema: nil, role: .pipeline, cleanup: cleanup)
    }

    /// Whether a stage reads it, and so whether a `.dlq` topic stands beside it.
    public var isDeadLettered: Bool { role != .output }

    /// The topic's full name under `prefix`, e.g. `dropflow.orders.placed`.
    public func fullName(prefix: String = Contract.defaultPrefix) -> String {
        prefix + name
    }

    /// The full name of this topic's dead-letter topic, e.g. `dropflow.orders.placed.dlq`.
    public func deadLetterName(prefix: String = Contract.defaultPrefix) -> String {
        prefix + name + Contract.deadLetterSuffix
    }

    public var description: String { name }
}
