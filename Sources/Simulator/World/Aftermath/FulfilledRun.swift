import DropflowCore
import DropflowJSON
import DropflowContract

/// Whoever routes the run's orders: it hears every record the world publishes, in time order
/// (feeds, orders, suppliers' answers, tracking, customers), and its own purchase orders, and
/// answers with the records it publishes then: its `purchase-orders`, which the world (a
/// ``WorldResponder``) answers from the true stock, and any of its own (a routing decision).
public protocol Merchant {
    /// The records to publish after `record` (none before `record.at`).
    mutating func react(to record: SimRecord) -> [SimRecord]
    /// Meets the world's side before the first record: only an oracle looks at it (its true
    /// stock and what purchase orders took). By default it does not.
    mutating func meet(_ responder: WorldResponder)
}

extension Merchant {
    public mutating func meet(_ responder: WorldResponder) {}
}

/// A run with whole order lifecycles: the run's records, a ``Merchant``'s `purchase-orders`
/// (it hears every record as it comes out), and a ``WorldResponder``'s answers to them (supplier
/// updates from true stock, parcel journeys, customer inquiries and returns), merged in time
/// order.
///
/// Lazy: it pulls the run's records one at a time and keeps what is scheduled for later in a
/// min-heap; once the run's last order is out, it flushes the heap (shipments and returns
/// weeks later). Ties: a run record comes before a pending record of the same second; pending
/// records of the same second come out in the order they were scheduled. Deterministic for a
/// deterministic merchant: iterating twice gives the same records.
public struct MerchantRun<M: Merchant>: Sequence {
    public let run: SimulationRun
    public let rates: ReactionRates
    /// Until when a purchase order's units are missing from the true stock.
    public let stockPolicy: StockLedger.Policy
    /// The merchant each iteration starts with.
    public let merchant: M

    public init(run: SimulationRun, merchant: M, rates: ReactionRates = ReactionRates(),
                stockPolicy: StockLedger.Policy = .untilStockCount) {
        self.run = run
        self.merchant = merchant
        self.rates = rates
        self.stockPolicy = stockPolicy
    }

    public var world: World { run.world }

    public func makeIterator() -> Iterator {
        Iterator(base: run.makeIterator(), merchant: merchant,
                 responder: WorldResponder(world: run.world, rates: rates, stockPolicy: stockPolicy))
    }

    public struct Iterator: IteratorProtocol {
        var base: SimulationIterator
        /// The merchant, as far as it has heard.
        public private(set) var merchant: M
        /// The world's side (its stock ledger tells what the merchant's purchase orders took).
        public let responder: WorldResponder
        var pending = WorldAgenda()
        var peeked: SimRecord?
        var baseDone = false

        init(base: SimulationIterator, merchant: M, responder: WorldResponder) {
            self.base = base
            self.merchant = merchant
            self.responder = responder
            self.merchant.meet(responder)
        }

        /// Records waiting in the heap (for memory checks).
        public var pendingCount: Int { pending.count }

        public mutating func next() -> SimRecord? {
            if peeked == nil && !baseDone {
                peeked = base.next()
                if peeked == nil { baseDone = true }
            }
            let record: SimRecord
            if let run = peeked, pending.firstAt().map({ $0 >= run.at.seconds }) ?? true {
                peeked = nil
                record = run
            } else if let due = pending.pop() {
                record = due
            } else {
                return nil
            }
            schedule(after: record)
            return record
        }

        /// The merchant's purchase orders after `record`, and everything that follows them.
        private mutating func schedule(after record: SimRecord) {
            let isOrder = record.topic == SimRecord.Topic.ordersPlaced
            if isOrder { responder.observe(record) }
            for published in merchant.react(to: record) {
                pending.add(published)
                if published.topic == SimRecord.Topic.purchaseOrders, let po = published.value {
                    pending.add(responder.handle(purchaseOrder: po, receivedAt: published.at))
                }
            }
            // A merchant that routes at once has answered every purchase order of the order: its
            // facts are no longer needed (one that routes later gets no customer reactions).
            if isOrder, let id = record.key { responder.forget(orderID: id) }
        }
    }
}

/// A run with whole order lifecycles through the ``BaselineMerchant`` (what
/// `dropflow simulate --lifecycle` writes).
public typealias FulfilledRun = MerchantRun<BaselineMerchant>

extension MerchantRun where M == BaselineMerchant {
    public init(run: SimulationRun, rates: ReactionRates = ReactionRates(), stockPolicy: StockLedger.Policy = .untilStockCount) {
        self.init(run: run, merchant: BaselineMerchant(world: run.world), rates: rates, stockPolicy: stockPolicy)
    }
}
