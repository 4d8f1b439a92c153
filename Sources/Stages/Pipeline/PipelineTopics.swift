/// Every topic the stages read or write, without the deployment's prefix. The contract's
/// topics are listed in `contract/README.md`; the pipeline's own (between its stages) are
/// documented in `docs/topics.md`.
public enum PipelineTopics {
    // Contract inputs.
    public static let ordersPlaced = "orders.placed"
    public static let supplierOffers = "supplier.offers"
    public static let reviewDecisions = "review.decisions"
    // Contract outputs.
    public static let ordersRejected = "orders.rejected"
    public static let reviewQueue = "review.queue"
    // The pipeline's own.
    /// Intake → fraud: accepted, normalized orders, keyed by `customer.id`.
    public static let ordersValidated = "orders.validated"
    /// Intake → every fraud worker: one small signal per accepted order, keyed by `order_id`.
    public static let fraudSignals = "fraud.signals"
    /// Intake's memory of accepted orders (compacted), keyed by `order_id`.
    public static let intakeSeen = "intake.seen"
    /// Fraud → routing: approved orders (by the model or by a reviewer), keyed by `order_id`.
    public static let ordersApproved = "orders.approved"
    /// Orders the fraud stage holds for a person (compacted; a tombstone once decided), keyed by `order_id`.
    public static let fraudHeld = "fraud.held"

    /// The pipeline's own topics and whether they are compacted tables.
    public static let own: [(name: String, compacted: Bool)] = [
        (ordersValidated, false), (fraudSignals, false), (intakeSeen, true), (ordersApproved, false), (fraudHeld, true),
    ]
}
