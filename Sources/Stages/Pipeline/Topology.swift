import DropflowContract

/// Every topic of a Dropflow deployment, declared once: the contract's (``Contract``) and the
/// pipeline's own between its stages, below. `dropflow topics create` creates them all (with a
/// `.dlq` beside each topic a stage reads); `docs/topics.md` documents the pipeline's own and a
/// test keeps it in line with these declarations.
public enum Topology {
    /// The pipeline's own topics, in the order of the flow.
    public static let pipeline: [TopicDeclaration] = [
        .ordersValidated, .fraudSignals, .intakeSeen, .fraudDecisions, .ordersApproved, .fraudHeld, .fraudReviews,
        .routingDecisions, .routingHeld, .routingOpen, .routingReservations, .routingLedger,
    ]

    /// How far back the pipeline's memories reach, in event time: intake recognises a storefront
    /// retry of an order placed up to this long before; the fraud stage counts velocity over it.
    /// Every topic that such a memory is rebuilt from keeps its messages at least this long.
    public static let horizon: Duration = .seconds(30 * 86_400)
    /// What the topics read by a horizon keep: the horizon and five days more.
    public static let horizonRetention: Duration = horizon + .seconds(5 * 86_400)
    /// What a topic between two stages keeps: a week, for a stage that is down for days to catch up.
    public static let handOverRetention: Duration = .seconds(7 * 86_400)

    /// The contract's topics, then the pipeline's own.
    public static var all: [TopicDeclaration] { Contract.all + pipeline }

    /// The topic called `name` (without the prefix), or nil.
    public static func topic(named name: String) -> TopicDeclaration? {
        all.first { $0.name == name }
    }
}

extension TopicDeclaration {
    private static func own(_ name: String, key: String, schema: ContractSchema? = nil, cleanup: Cleanup = .delete,
                            retention: Duration?, value: String, writers: String, readers: String) -> TopicDeclaration {
        TopicDeclaration(name: name, key: key, ceType: "dropflow.\(name)", schema: schema, role: .pipeline, cleanup: cleanup,
                         retention: retention, value: value, writers: writers, readers: readers)
    }

    /// Intake → fraud: accepted, normalized orders, keyed by customer so one fraud worker sees
    /// all of a customer's orders in order.
    public static let ordersValidated = own(
        "orders.validated", key: "customer.id", schema: .orderPlaced, retention: Topology.handOverRetention,
        value: "the normalized `orders.placed` value plus `intake: {order_value, fingerprint, hold_reasons[]}`",
        writers: "intake", readers: "fraud (group)")
    /// Intake → every fraud worker: one small signal per accepted order.
    public static let fraudSignals = own(
        "fraud.signals", key: "order_id", retention: Topology.horizonRetention,
        value: "the fraud model's `OrderSignal`: order id, customer, time, email, card and address fingerprints, IP, value",
        writers: "intake", readers: "every fraud worker, in full")
    /// Intake's memory of the orders it decided: the changelog of its store, partitioned like
    /// `orders.placed`.
    public static let intakeSeen = own(
        "intake.seen", key: "order_id", cleanup: .compactAndDelete, retention: Topology.horizonRetention,
        value: "store record: `{fingerprint, at}` of the order accepted under this id, and the decisions about it not yet committed, with their outputs",
        writers: "intake, in the partition of the `orders.placed` input", readers: "the intake worker owning that partition, restored before it works")
    /// The fraud stage's record of each order it scored: the changelog of its store, partitioned
    /// like `orders.validated`.
    public static let fraudDecisions = own(
        "fraud.decisions", key: "order_id", cleanup: .compactAndDelete, retention: Topology.horizonRetention,
        value: "store record: `{action, at}` of the decision about the order, with its outputs until committed",
        writers: "fraud, in the partition of the `orders.validated` input", readers: "the fraud worker owning that partition, restored before it works")
    /// Fraud → routing: approved orders, by the model or by a reviewer.
    public static let ordersApproved = own(
        "orders.approved", key: "order_id", schema: .orderPlaced, retention: Topology.handOverRetention,
        value: "the order plus `fraud: {score, action, reasons[], decided_by: model or reviewer, velocity{...}, at}`; routing's follow-ups about an order it holds add `routing_retry: {at, cause}` or `routing_review` (the reviewer's decision); about one it routed, `{routing_update: <a supplier's answer>, heard_ms}`, `{routing_outage: {supplier_id, since}, heard_ms}`, `{routing_outsold: {purchase_order_id, supplier_id, skus[], detail, at}, heard_ms}` or `{routing_lane: {carrier, origin, destination, since}, heard_ms}` (a carrier's lane turned degraded at `since`) alone (`heard_ms`: when the cause became known, for the re-route's latency: the broker's timestamp of the answer, status or tracking event that brought it, or the moment a ledger refused the lines)",
        writers: "fraud; routing (follow-ups, to the owner of the order's partition)", readers: "routing")
    /// Orders the fraud stage holds for a person. Compacted without a time limit: an order waits
    /// as long as the person takes, and the table holds only the orders waiting.
    public static let fraudHeld = own(
        "fraud.held", key: "order_id", cleanup: .compact, retention: nil,
        value: "`{order, fraud, held_at}` while a person decides; a tombstone once decided",
        writers: "fraud", readers: "every fraud worker, in full")
    /// The fraud stage's record of each reviewer's decision it acted on: the changelog of its
    /// store, partitioned like `review.decisions`.
    public static let fraudReviews = own(
        "fraud.reviews", key: "order_id", cleanup: .compactAndDelete, retention: Topology.horizonRetention,
        value: "store record: `{decision, at}` of the review decision acted on, with its outputs until committed",
        writers: "fraud, in the partition of the `review.decisions` input", readers: "the fraud worker owning that partition, restored before it works")
    /// The routing stage's record of each order it routed or held: the changelog of its store,
    /// partitioned like `orders.approved`.
    public static let routingDecisions = own(
        "routing.decisions", key: "order_id", cleanup: .compactAndDelete, retention: Topology.horizonRetention,
        value: "store record: `{state: routed or held or rejected, revision, at, routed?}` of the order (`routed`: while anything is open, what was sent and what became of each line), with its outputs until committed",
        writers: "routing, in the partition of the `orders.approved` input",
        readers: "the routing worker owning that partition, restored before it works")
    /// Orders nothing can fill now, waiting for the picture to change or a person to decline
    /// them. Compacted without a time limit, like `fraud.held`.
    public static let routingHeld = own(
        "routing.held", key: "order_id", cleanup: .compact, retention: nil,
        value: "`{order, reasons[], held_at}`: the approved order and why it waits; a tombstone once routed or declined",
        writers: "routing", readers: "every routing worker, in full; every fraud worker (a review decision for it is routing's)")
    /// Routed orders with lines not shipped yet, by the suppliers that hold them and the lanes
    /// they will travel: what a supplier's outage or a lane's failure re-routes.
    public static let routingOpen = own(
        "routing.open", key: "order_id", cleanup: .compact, retention: nil,
        value: "`{suppliers[], lanes[{carrier, origin, destination}]}`: the suppliers with lines of the order not shipped yet, and the lanes of those parts (`lanes` absent in values written before it); a tombstone once none is open",
        writers: "routing, the owner of the order", readers: "every routing worker, in full (a supplier's outage, a lane's failure)")
    /// Every purchase order routing sends, on its way to its supplier: keyed by supplier, so the
    /// one routing worker owning that partition decides, in order, which lines the supplier's
    /// stock still allows (``SupplierLedger``), and cancellations never overtake what they withdraw.
    public static let routingReservations = own(
        "routing.reservations", key: "supplier_id", retention: Topology.handOverRetention,
        value: "`{purchase_order, offers[], backorder, at}`: a purchase order (place or cancel) and the offers its plan counted on; or `{supplier_status, heard_ms, after}`: the supplier's status, in the log of its purchase orders (`after`: an outage's next step, the orders after that key)",
        writers: "routing: the owner of the order (a purchase order), the worker that read the supplier's status (its status), the supplier's ledger (an outage's next step)",
        readers: "routing (group): the owner of the supplier's partition sends a purchase order on to `purchase-orders`, or refuses lines the stock no longer allows (`routing_outsold` to the order's owner); on an outage, sends every order with lines waiting at the supplier (`routing.open`), and every order whose purchase order it reads while the outage lasts, to its owner (`routing_outage`)")
    /// Each supplier's ledger: the changelog of routing's ledger store, partitioned like
    /// `routing.reservations`.
    public static let routingLedger = own(
        "routing.ledger", key: "supplier_id", cleanup: .compactAndDelete, retention: Topology.horizonRetention,
        value: "store record: `{grants[], decided{}, refused{}, outage}` of the supplier: lines granted and not yet seen on `purchase-orders`, requests decided (to recognise a copy), lines refused (a cancellation withdraws only what was sent on), when its outage began (while it lasts), with its outputs until committed",
        writers: "routing, in the partition of the `routing.reservations` input",
        readers: "the routing worker owning that partition, restored before it works")
}

extension Topology {
    /// The table of the pipeline's own topics in `docs/topics.md`, made from the declarations.
    public static var documentationTable: String {
        var lines = [
            "| topic | key | written by | read by | value | cleanup | retention |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for topic in pipeline {
            let retention = topic.retention.map { "\($0.milliseconds / 86_400_000) days" } ?? "unlimited"
            lines.append("| `\(topic.name)` | `\(topic.key)` | \(topic.writers) | \(topic.readers) | \(topic.value) | \(topic.cleanup.rawValue) | \(retention) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
