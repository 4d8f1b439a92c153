import DropflowJSON
/// The topics of the Kafka contract (`contract/README.md`), as data. Names are without the
/// deployment's prefix.
public enum Contract {
    /// The prefix every topic name carries unless a deployment changes it.
    public static let defaultPrefix = "dropflow."

    /// Appended to an input topic's name to name its dead-letter topic.
    public static let deadLetterSuffix = ".dlq"

    /// Topics written by systems outside the pipeline, in the README's order.
    public static let inputs: [TopicDeclaration] = [
        .ordersPlaced, .supplierOffers, .carrierRates, .supplierStatus, .supplierOrderUpdates, .shipmentsEvents,
        .returnsRequested, .supportInquiries, .reviewDecisions,
    ]

    /// Topics written by the pipeline, in the README's order (dead-letter topics aside: see
    /// ``TopicDeclaration/deadLetterName(prefix:)`` and ``DLQHeader``).
    public static let outputs: [TopicDeclaration] = [
        .ordersRejected, .reviewQueue, .ordersRouted, .purchaseOrders, .notifications, .supportEscalations, .returnsDecisions,
    ]

    /// Inputs then outputs.
    public static var all: [TopicDeclaration] { inputs + outputs }

    /// The topic called `name` (without prefix), or nil.
    public static func topic(named name: String) -> TopicDeclaration? {
        all.first { $0.name == name }
    }

    /// The topic whose `ce_type` is `ceType`, or nil.
    public static func topic(ceType: String) -> TopicDeclaration? {
        all.first { $0.ceType == ceType }
    }
}

extension TopicDeclaration {
    private static func input(_ name: String, key: String, ceType: String, schema: ContractSchema,
                              cleanup: Cleanup = .delete, value: String, writers: String) -> TopicDeclaration {
        TopicDeclaration(name: name, key: key, ceType: ceType, schema: schema, role: .input, cleanup: cleanup,
                         value: value, writers: writers)
    }

    private static func output(_ name: String, key: String, ceType: String, schema: ContractSchema,
                               value: String, readers: String) -> TopicDeclaration {
        TopicDeclaration(name: name, key: key, ceType: ceType, schema: schema, role: .output, value: value, readers: readers)
    }

    // MARK: Inputs

    /// Orders from the storefront; the same `order_id` may arrive more than once (retries).
    public static let ordersPlaced = input(
        "orders.placed", key: "order_id", ceType: "dropflow.order.placed", schema: .orderPlaced,
        value: "an order", writers: "the storefront")
    /// Supplier offers, latest per key; a tombstone withdraws the offer.
    public static let supplierOffers = input(
        "supplier.offers", key: "<supplier_id>/<sku>", ceType: "dropflow.supplier.offer", schema: .supplierOffer,
        cleanup: .compact, value: "a supplier's offer of one SKU", writers: "supplier feeds")
    /// A carrier's price and stated transit for one lane, latest per key; a tombstone withdraws it.
    public static let carrierRates = input(
        "carrier.rates", key: "<carrier>/<service_level>/<origin_country>/<destination_country>",
        ceType: "dropflow.carrier.rate", schema: .carrierRate, cleanup: .compact,
        value: "a carrier's rate and stated transit on one lane", writers: "carrier feeds")
    /// A supplier's health: ok, degraded, outage.
    public static let supplierStatus = input(
        "supplier.status", key: "supplier_id", ceType: "dropflow.supplier.status", schema: .supplierStatus,
        cleanup: .compact, value: "a supplier's health", writers: "supplier feeds")
    /// A supplier accepts, backorders, rejects or ships a purchase order.
    public static let supplierOrderUpdates = input(
        "supplier.order-updates", key: "order_id", ceType: "dropflow.supplier.order-update", schema: .supplierOrderUpdate,
        value: "a supplier's answer to a purchase order", writers: "suppliers")
    /// Carrier tracking.
    public static let shipmentsEvents = input(
        "shipments.events", key: "order_id", ceType: "dropflow.shipment.event", schema: .shipmentEvent,
        value: "a tracking event", writers: "carriers")
    /// A customer asks to return items.
    public static let returnsRequested = input(
        "returns.requested", key: "order_id", ceType: "dropflow.return.requested", schema: .returnRequested,
        value: "a return request", writers: "the storefront")
    /// Free-text questions from customers.
    public static let supportInquiries = input(
        "support.inquiries", key: "order_id (or customer_id when there is no order)", ceType: "dropflow.support.inquiry",
        schema: .customerInquiry, value: "a customer's question", writers: "the support desk")
    /// A person's verdict on an order the pipeline sent for review.
    public static let reviewDecisions = input(
        "review.decisions", key: "order_id", ceType: "dropflow.review.decision", schema: .reviewDecision,
        value: "a reviewer's verdict", writers: "reviewers")

    // MARK: Outputs

    /// Orders not fulfilled: invalid, duplicate-conflicting, declined as fraud or by a reviewer.
    public static let ordersRejected = output(
        "orders.rejected", key: "order_id", ceType: "dropflow.order.rejected", schema: .orderRejected,
        value: "why an order is not fulfilled", readers: "the storefront")
    /// Orders held for a person.
    public static let reviewQueue = output(
        "review.queue", key: "order_id", ceType: "dropflow.review.case", schema: .reviewCase,
        value: "an order a person must decide on", readers: "reviewers")
    /// Where each order goes: suppliers, carriers, the delivery window and why.
    public static let ordersRouted = output(
        "orders.routed", key: "order_id", ceType: "dropflow.order.routed", schema: .routingDecision,
        value: "a routing decision", readers: "the storefront")
    /// What a supplier is asked to ship, or no longer to ship.
    public static let purchaseOrders = output(
        "purchase-orders", key: "order_id", ceType: "dropflow.purchase-order", schema: .purchaseOrder,
        value: "a purchase order", readers: "suppliers")
    /// Messages to customers.
    public static let notifications = output(
        "notifications", key: "order_id (or customer_id)", ceType: "dropflow.notification", schema: .customerNotification,
        value: "a customer notification", readers: "the messaging system")
    /// Questions a person must answer.
    public static let supportEscalations = output(
        "support.escalations", key: "order_id (or customer_id)", ceType: "dropflow.support.escalation", schema: .escalation,
        value: "an escalation", readers: "the support desk")
    /// What happens to returned items.
    public static let returnsDecisions = output(
        "returns.decisions", key: "order_id", ceType: "dropflow.return.decision", schema: .returnDecision,
        value: "a return decision", readers: "the warehouse and the storefront")
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
