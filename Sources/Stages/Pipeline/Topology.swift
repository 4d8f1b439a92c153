import DropflowContract

/// Every topic of a Dropflow deployment, declared once: the contract's (``Contract``) and the
/// pipeline's own between its stages, below. `dropflow topics create` creates them all (with a
/// `.dlq` beside each topic a stage reads); `docs/topics.md` documents the pipeline's own and a
/// test keeps it in line with these declarations.
public enum Topology {
    /// The pipeline's own topics, in the order of the flow.
    public static let pipeline: [TopicDeclaration] = [
        .ordersValidated, .fraudSignals, .intakeSeen, .ordersApproved, .fraudHeld,
    ]

    /// The contract's topics, then the pipeline's own.
    public static var all: [TopicDeclaration] { Contract.all + pipeline }

    /// The topic called `name` (without the prefix), or nil.
    public static func topic(named name: String) -> TopicDeclaration? {
        all.first { $0.name == name }
    }
}

extension TopicDeclaration {
    private static func own(_ name: String, key: String, schema: ContractSchema? = nil, cleanup: Cleanup = .delete,
                            value: String, writers: String, readers: String) -> TopicDeclaration {
        TopicDeclaration(name: name, key: key, ceType: "dropflow.\(name)", schema: schema, role: .pipeline, cleanup: cleanup,
                         value: value, writers: writers, readers: readers)
    }

    /// Intake → fraud: accepted, normalized orders, keyed by customer so one fraud worker sees
    /// all of a customer's orders in order.
    public static let ordersValidated = own(
        "orders.validated", key: "customer.id", schema: .orderPlaced,
        value: "the normalized `orders.placed` value plus `intake: {order_value, fingerprint, hold_reasons[]}`",
        writers: "intake", readers: "fraud (group)")
    /// Intake → every fraud worker: one small signal per accepted order.
    public static let fraudSignals = own(
        "fraud.signals", key: "order_id",
        value: "the fraud model's `OrderSignal`: order id, customer, time, email, card and address fingerprints, IP, value",
        writers: "intake", readers: "every fraud worker, in full")
    /// Intake's memory of the orders it accepted.
    public static let intakeSeen = own(
        "intake.seen", key: "order_id", cleanup: .compact,
        value: "`{fingerprint, at}` of each accepted order", writers: "intake", readers: "every intake worker, in full")
    /// Fraud → routing: approved orders, by the model or by a reviewer.
    public static let ordersApproved = own(
        "orders.approved", key: "order_id", schema: .orderPlaced,
        value: "the order plus `fraud: {score, action, reasons[], decided_by: model or reviewer, velocity{...}, at}`",
        writers: "fraud", readers: "routing")
    /// Orders the fraud stage holds for a person.
    public static let fraudHeld = own(
        "fraud.held", key: "order_id", cleanup: .compact,
        value: "`{order, fraud, held_at}` while a person decides; a tombstone once decided",
        writers: "fraud", readers: "every fraud worker, in full")
}

extension Topology {
    /// The table of the pipeline's own topics in `docs/topics.md`, made from the declarations.
    public static var documentationTable: String {
        var lines = [
            "| topic | key | written by | read by | value | cleanup | retention |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for topic in pipeline {
            let retention = topic.retention.map { "\($0.milliseconds / 3_600_000) h" } ?? "the broker's default"
            lines.append("| `\(topic.name)` | `\(topic.key)` | \(topic.writers) | \(topic.readers) | \(topic.value) | \(topic.cleanup.rawValue) | \(retention) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
