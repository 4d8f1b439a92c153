import DropflowJSON
/// One topic of the Kafka contract (`contract/README.md`).
public struct ContractTopic: Sendable, Hashable {
    /// Who writes the topic.
    public enum Direction: String, Sendable, Hashable {
        /// Written by systems outside the pipeline, read by it.
        case input
        /// Written by the pipeline.
        case output
    }

    /// The name without the deployment's prefix, e.g. `orders.placed`.
    public let name: String
    /// What the message key is, as the contract states it, e.g. `order_id` or `<supplier_id>/<sku>`.
    public let key: String
    /// The CloudEvents `ce_type`, e.g. `dropflow.order.placed`.
    public let ceType: String
    /// The schema of the message value.
    public let schema: ContractSchema
    /// Input (written outside the pipeline) or output (written by it).
    public let direction: Direction

    /// Creates a topic description.
    public init(name: String, key: String, ceType: String, schema: ContractSchema, direction: Direction) {
        self.name = name
        self.key = key
        self.ceType = ceType
        self.schema = schema
        self.direction = direction
    }

    /// The topic's full name under `prefix`, e.g. `dropflow.orders.placed`.
    public func fullName(prefix: String = Contract.defaultPrefix) -> String {
        prefix + name
    }

    /// The full name of this topic's dead-letter topic, e.g. `dropflow.orders.placed.dlq`.
    public func deadLetterName(prefix: String = Contract.defaultPrefix) -> String {
        prefix + name + Contract.deadLetterSuffix
    }
}

/// The topics of the Kafka contract, as data. Names are without the deployment's prefix.
public enum Contract {
    /// The prefix every topic name carries unless a deployment changes it.
    public static let defaultPrefix = "dropflow."

    /// Appended to an input topic's name to name its dead-letter topic.
    public static let deadLetterSuffix = ".dlq"

    /// Topics written by systems outside the pipeline, in the README's order.
    public static let inputs: [ContractTopic] = [
        .init(name: "orders.placed", key: "order_id", ceType: "dropflow.order.placed",
              schema: .orderPlaced, direction: .input),
        .init(name: "supplier.offers", key: "<supplier_id>/<sku>", ceType: "dropflow.supplier.offer",
              schema: .supplierOffer, direction: .input),
        .init(name: "carrier.rates", key: "<carrier>/<service_level>/<origin_country>/<destination_country>",
              ceType: "dropflow.carrier.rate", schema: .carrierRate, direction: .input),
        .init(name: "supplier.status", key: "supplier_id", ceType: "dropflow.supplier.status",
              schema: .supplierStatus, direction: .input),
        .init(name: "supplier.order-updates", key: "order_id", ceType: "dropflow.supplier.order-update",
              schema: .supplierOrderUpdate, direction: .input),
        .init(name: "shipments.events", key: "order_id", ceType: "dropflow.shipment.event",
              schema: .shipmentEvent, direction: .input),
        .init(name: "returns.requested", key: "order_id", ceType: "dropflow.return.requested",
              schema: .returnRequested, direction: .input),
        .init(name: "support.inquiries", key: "order_id (or customer_id when there is no order)",
              ceType: "dropflow.support.inquiry", schema: .customerInquiry, direction: .input),
        .init(name: "review.decisions", key: "order_id", ceType: "dropflow.review.decision",
              schema: .reviewDecision, direction: .input),
    ]

    /// Topics written by the pipeline, in the README's order (dead-letter topics aside: see
    /// ``ContractTopic/deadLetterName(prefix:)`` and ``DLQHeader``).
    public static let outputs: [ContractTopic] = [
        .init(name: "orders.rejected", key: "order_id", ceType: "dropflow.order.rejected",
              schema: .orderRejected, direction: .output),
        .init(name: "review.queue", key: "order_id", ceType: "dropflow.review.case",
              schema: .reviewCase, direction: .output),
        .init(name: "orders.routed", key: "order_id", ceType: "dropflow.order.routed",
              schema: .routingDecision, direction: .output),
        .init(name: "purchase-orders", key: "order_id", ceType: "dropflow.purchase-order",
              schema: .purchaseOrder, direction: .output),
        .init(name: "notifications", key: "order_id (or customer_id)", ceType: "dropflow.notification",
              schema: .customerNotification, direction: .output),
        .init(name: "support.escalations", key: "order_id (or customer_id)", ceType: "dropflow.support.escalation",
              schema: .escalation, direction: .output),
        .init(name: "returns.decisions", key: "order_id", ceType: "dropflow.return.decision",
              schema: .returnDecision, direction: .output),
    ]

    /// Inputs then outputs.
    public static var all: [ContractTopic] { inputs + outputs }

    /// The topic called `name` (without prefix), or nil.
    public static func topic(named name: String) -> ContractTopic? {
        all.first { $0.name == name }
    }

    /// The topic whose `ce_type` is `ceType`, or nil.
    public static func topic(ceType: String) -> ContractTopic? {
        all.first { $0.ceType == ceType }
    }
}

/// Headers a dead-letter message carries besides the input's own (its bytes are unchanged).
public enum DLQHeader {
    /// Why the message was dead-lettered.
    public static let reason = "dlq-reason"
    /// The pipeline stage that gave up on it.
    public static let stage = "dlq-stage"
    /// The topic it was read from (full name).
    public static let sourceTopic = "dlq-source-topic"
    /// The partition it was read from (decimal).
    public static let sourcePartition = "dlq-source-partition"
    /// The offset it was read at (decimal).
    public static let sourceOffset = "dlq-source-offset"
    /// Only on a copy the broker refused for its size and that was cut to fit: the original
    /// value's size in bytes (decimal).
    public static let truncated = "dlq-truncated"
    /// All of them, in the order above.
    public static let all = [reason, stage, sourceTopic, sourcePartition, sourceOffset, truncated]
}

/// CloudEvents 1.0 headers (Kafka binary content mode) and W3C Trace Context.
public enum CloudEventsHeader {
    /// Always ``specVersionValue``.
    public static let specVersion = "ce_specversion"
    /// Unique per event.
    public static let id = "ce_id"
    /// The topic's ``ContractTopic/ceType``.
    public static let type = "ce_type"
    /// Who produced the event.
    public static let source = "ce_source"
    /// When the event happened (RFC 3339).
    public static let time = "ce_time"
    /// Always ``jsonContentType`` in this contract.
    public static let contentType = "content-type"
    /// W3C Trace Context, continued from the input that caused an output.
    public static let traceparent = "traceparent"

    /// The value of ``specVersion``.
    public static let specVersionValue = "1.0"
    /// The value of ``contentType``.
    public static let jsonContentType = "application/json"
}
