import DropflowCore
import DropflowJSON
import DropflowContract

/// A run with whole order lifecycles: the run's records, the ``BaselineMerchant``'s
/// `purchase-orders` for every order (it reads the run's `supplier.offers` as they come), and a
/// ``WorldResponder``'s answers to them (supplier updates from true stock, parcel journeys,
/// customer inquiries and returns), merged in time order.
///
/// Lazy: it pulls the run's records one at a time and keeps what is scheduled for later in a
/// min-heap; once the run's last order is out, it flushes the heap (shipments and returns
/// weeks later). Ties: a run record comes before a pending record of the same second; pending
/// records of the same second come out in the order they were scheduled. Deterministic:
/// iterating twice gives the same records.
public struct FulfilledRun: Sequence {
    public let run: SimulationRun
    public let rates: ReactionRates
    /// Until when a purchase order's units are missing from the true stock.
    public let stockPolicy: StockLedger.Policy

    public init(run: SimulationRun, rates: ReactionRates = ReactionRates(), stockPolicy: StockLedger.Policy = .untilStockCount) {
        self.run = run
        self.rates = rates
        self.stockPolicy = stockPolicy
    }

    public var world: World { run.world }

    public func makeIterator() -> Iterator {
        Iterator(base: run.makeIterator(), merchant: BaselineMerchant(world: run.world),
                 responder: WorldResponder(world: run.world, rates: rates, stockPolicy: stockPolicy))
    }

    public struct Iterator: IteratorProtocol {
        var base: SimulationIterator
        var merchant: BaselineMerchant
        /// The world's side (its stock ledger tells what the merchant's purchase orders took).
        public let responder: WorldResponder
        var pending = WorldAgenda()
        var peeked: SimRecord?
        var baseDone = false

        init(base: SimulationIterator, merchant: BaselineMerchant, responder: WorldResponder) {
            self.base = base
            self.merchant = merchant
            self.responder = responder
        }

        /// Records waiting in the heap (for memory checks).
        public var pendingCount: Int { pending.count }

        public mutating func next() -> SimRecord? {
            if peeked == nil && !baseDone {
                peeked = base.next()
                if peeked == nil { baseDone = true }
            }
            if let record = peeked {
                if let t = pending.firstAt(), t < record.at.seconds { return pending.pop() }
                peeked = nil
                merchant.observe(record)
                schedule(after: record)
                return record
            }
            return pending.pop()
        }

        /// For an order: its purchase orders and everything that follows them.
        private mutating func schedule(after record: SimRecord) {
            guard record.topic == SimRecord.Topic.ordersPlaced else { return }
            responder.observe(record)
            for po in merchant.purchaseOrders(for: record) {
                pending.add(po)
                pending.add(responder.handle(purchaseOrder: po.value!, receivedAt: po.at))
            }
            // Every purchase order of the order is answered: its facts are no longer needed.
            if let id = record.key { responder.forget(orderID: id) }
        }
    }
}
