import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowKafka
import Foundation
import Logging

/// One message a stage reads, after it passed its topic's validation.
public struct StageInput: Sendable {
    /// The topic it came from, as the stage declared it.
    public var topic: TopicDeclaration
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    /// `nil` for a tombstone.
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// The broker's timestamp of the message, milliseconds since the epoch.
    public var timestampMs: Int64?
    /// The value, parsed, on topics declared with ``InputTopic/contract(_:schema:)`` or
    /// ``InputTopic/jsonObject(_:)`` (parsed once, when it was validated); nil elsewhere.
    public var json: JSONValue?

    public var keyString: String? { key.flatMap { String(validating: $0, as: UTF8.self) } }
}

/// One message a stage publishes. The runtime adds the CloudEvents headers
/// (`ce_id` derived from the input, `ce_type`, `ce_source`, `ce_time`,
/// `content-type`) and continues the input's `traceparent`.
public struct StageOutput: Sendable, Hashable {
    /// The topic, as the stage declared it.
    public var topic: TopicDeclaration
    public var key: [UInt8]?
    /// nil for a tombstone.
    public var value: [UInt8]?
    /// Extra headers; the runtime's own are added after these.
    public var headers: [KafkaHeader]
    /// The CloudEvents type: the topic's unless set (the passthrough stage keeps its input's).
    public var ceType: String
    /// For a store record: the event time it is filed under (for the store's horizon), when it
    /// is not the input's.
    var recordTimeMs: Int64?

    public init(topic: TopicDeclaration, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader] = [], ceType: String? = nil) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
        self.ceType = ceType ?? topic.ceType
    }

    public init(topic: TopicDeclaration, key: String, value: [UInt8], headers: [KafkaHeader] = [], ceType: String? = nil) {
        self.init(topic: topic, key: Array(key.utf8), value: value, headers: headers, ceType: ceType)
    }

    /// A message of `topic` with a JSON value.
    public init(topic: TopicDeclaration, key: String, json: JSONValue) {
        self.init(topic: topic, key: Array(key.utf8), value: json.serialized())
    }

    /// A tombstone: deletes `key` from a compacted topic.
    public static func tombstone(_ topic: TopicDeclaration, key: String) -> StageOutput {
        StageOutput(topic: topic, key: Array(key.utf8), value: nil)
    }
}

/// What a handler may throw. A retriable failure is tried again with
/// exponential back-off (only its partition waits) and goes to the
/// dead-letter topic after the configured attempts; a permanent one, or any
/// other error, goes there at once.
public enum StageError: Error, Sendable, CustomStringConvertible {
    case retriable(String)
    case permanent(String)

    public var description: String {
        switch self {
        case .retriable(let s): return "retriable: \(s)"
        case .permanent(let s): return s
        }
    }

    var isRetriable: Bool { if case .retriable = self { return true } else { return false } }
}

/// What a handler sees besides its input.
public struct StageContext: Sendable {
    public let stage: String
    /// Which attempt this is (1 for the first).
    public let attempt: Int
    /// The logger, with the input's topic, partition and offset in its metadata.
    public let logger: Logger
    /// The input's event time (its value's own timestamp, else its `ce_time`, else its broker
    /// timestamp), clamped to ``InputTime/latestPlausibleMs``: decide by it, never by the wall
    /// clock, so a replay decides as the live run did.
    public var eventTime: Date { Date(timeIntervalSince1970: Double(time.eventMs) / 1000) }
    /// The input's time in full: as recorded, as clamped, the stream time, the clamp's bound.
    public let time: InputTime
    let tables: TableRegistry
    let stores: StoreRegistry
    /// The input's partition (with the prefix), whose store partitions the handler sees.
    let partition: KafkaTopicPartition
    let catchUpTables: @Sendable () async throws -> Void

    /// The latest value per key of a table topic every worker replays, this worker's own
    /// writes included.
    public func table(_ topic: TopicDeclaration) -> TableView { TableView(registry: tables, name: topic.name) }

    /// The partition of `store` that belongs to the input being handled (empty for a store
    /// partitioned like another input).
    public func store(_ store: StateStore) -> StoreView { StoreView(partition: stores.partition(store, of: partition)) }

    /// Waits until every table of the stage has been read to its end as of now, so that what
    /// any worker wrote to them before is visible (for a key that should be there and is not yet).
    public func catchUpWithTables() async throws { try await catchUpTables() }
}

/// How the runtime checks an input topic's messages before the handler sees
/// them. A message that fails goes to `<topic>.dlq` with the reason.
public struct InputTopic: Sendable {
    /// The topic, as declared.
    public var topic: TopicDeclaration
    /// Its name without the prefix.
    public var name: String { topic.name }
    /// `nil` when the message is acceptable, else why not.
    public var validate: @Sendable (_ key: [UInt8]?, _ value: [UInt8]?) -> String?
    /// For JSON topics: parses and checks the value once, giving the handler the parsed value.
    let decodeJSON: (@Sendable (_ value: [UInt8]?) throws(InvalidInput) -> JSONValue)?

    public init(_ topic: TopicDeclaration, validate: @escaping @Sendable (_ key: [UInt8]?, _ value: [UInt8]?) -> String? = { _, _ in nil }) {
        self.topic = topic
        self.validate = validate
        decodeJSON = nil
    }

    /// A topic of JSON values: `decodeJSON` parses and checks a value (throwing why it is
    /// refused); the handler finds the result in ``StageInput/json``.
    public init(_ topic: TopicDeclaration, decodeJSON: @escaping @Sendable (_ value: [UInt8]?) throws(InvalidInput) -> JSONValue) {
        self.topic = topic
        self.decodeJSON = decodeJSON
        validate = { _, value in
            do throws(InvalidInput) { _ = try decodeJSON(value); return nil } catch { return error.reason }
        }
    }

    /// Checks a message: the parsed value of a JSON topic (nil on others), or why it is refused.
    func check(key: [UInt8]?, value: [UInt8]?) -> Result<JSONValue?, InvalidInput> {
        if let decodeJSON {
            do throws(InvalidInput) { return .success(try decodeJSON(value)) } catch { return .failure(error) }
        }
        return validate(key, value).map { .failure(InvalidInput(reason: $0)) } ?? .success(nil)
    }
}

/// A stage: the topics it reads and writes, the tables it replays, and its
/// decision logic. The handler holds no Kafka code: it turns one validated
/// input into zero or more outputs.
public struct StageDefinition: Sendable {
    public typealias Handler = @Sendable (StageInput, StageContext) async throws -> [StageOutput]

    public var name: String
    public var inputs: [InputTopic]
    /// The topics it writes.
    public var outputs: [TopicDeclaration]
    /// Topics replayed in full by every worker (latest value per key, tombstones delete).
    public var tables: [TopicDeclaration]
    /// Topics every worker reads in full, from the beginning, before it is ready, and keeps
    /// following, handing each message to the stage (e.g. to count it in a velocity window).
    public var followed: [FollowedTopic]
    /// Keyed state partitioned like an input, restored for the partitions a worker owns before
    /// it handles them; a handler's decision is recorded in it before its outputs are sent.
    public var stores: [StateStore]
    public var handler: Handler

    public init(name: String, inputs: [InputTopic], outputs: [TopicDeclaration], tables: [TopicDeclaration] = [],
                followed: [FollowedTopic] = [], stores: [StateStore] = [], handler: @escaping Handler) {
        self.name = name
        self.inputs = inputs
        self.outputs = outputs
        self.tables = tables
        self.followed = followed
        self.stores = stores
        self.handler = handler
    }

    /// Every topic the stage touches: its inputs, outputs, tables, followed topics and store
    /// changelogs (``TopicSetup`` adds the dead-letter topics and lists each once).
    public var topics: [TopicDeclaration] {
        inputs.map(\.topic) + outputs + tables + followed.map(\.topic) + stores.map(\.changelog)
    }
}

/// A topic every worker of a stage follows in full, whatever partitions of its inputs it owns:
/// a broadcast of facts the stage's decisions depend on (for example every accepted order's
/// fraud signals, so velocity across customers is counted by every worker).
public struct FollowedTopic: Sendable {
    /// The topic, as declared.
    public var topic: TopicDeclaration
    /// Its name without the prefix.
    public var name: String { topic.name }
    /// Called once per message, in partition order, from one task (never concurrently).
    public var apply: @Sendable (_ key: [UInt8]?, _ value: [UInt8]?, _ timestampMs: Int64?) -> Void

    public init(_ topic: TopicDeclaration, apply: @escaping @Sendable (_ key: [UInt8]?, _ value: [UInt8]?, _ timestampMs: Int64?) -> Void) {
        self.topic = topic
        self.apply = apply
    }
}
