import DropflowCore
import DropflowJSON
import DropflowContract

/// Runs one simulation: a discrete-event loop over a time-ordered queue. Handling an event may
/// change the world's state (stock, customers, supplier health), schedule later events, and
/// yield one record; records scheduled for later are events too, so records come out sorted
/// by time, ties in scheduling order. The run ends with its configured number of orders.
///
/// Each concern draws from its own random stream, so e.g. more feed messages never change
/// the orders.
final class SimulationEngine {
    enum Event {
        /// Publish a record prepared earlier (feeds, late announcements).
        case publish(SimRecord)
        /// The next arrival of the order process (a legitimate order or a fraud incident).
        case arrival
        /// The next order of a fraud incident (card-testing burst, second stolen-card order, ring).
        case incidentOrder(Int)
        /// A supplier's feed publishes what changed.
        case feedTick(Int)
        /// A supplier may start a degraded episode.
        case healthCheck(Int)
        /// A degraded episode ends (when the epoch still matches).
        case degradedEnd(supplier: Int, epoch: Int)
        /// A configured outage begins.
        case outageStart(Int)
        /// An outage ends (when the epoch still matches).
        case outageEnd(supplier: Int, epoch: Int)
    }

    let world: World
    let config: SimulationConfig
    var queue = EventQueue<Event>()

    var arrivalRNG: SimRandom
    var orderRNG: SimRandom
    var fraudRNG: SimRandom
    var feedRNG: SimRandom

    let arrivals: ArrivalProcess
    /// The exact (fractional) time of the next arrival.
    var arrivalClock: Double
    /// What an arrival is: legitimate, or the start of an incident of a background pattern.
    let arrivalKinds: WeightedTable

    var customers: CustomerPool
    var incidents: [FraudIncident] = []
    var stock: [[OfferState]]
    var health: [SupplierHealth]
    /// Supplier index of each configured outage.
    let outageSuppliers: [Int]

    var ordersEmitted = 0
    var nextOrderNumber = 1

    /// Whether it only replays supplier feeds (no orders, no records), keeping every offer's
    /// true stock over time in ``stockHistory``: ``StockTimeline`` runs one beside the run.
    let feedsOnly: Bool
    /// Per supplier and offer, the true stock after each change (feeds-only engines).
    var stockHistory: [[[StockPoint]]] = []
    /// Per supplier, when its stock was brought up to date (feed ticks outside outages).
    var stockCounts: [[Int64]] = []

    init(world: World, feedsOnly: Bool = false) {
        self.world = world
        self.feedsOnly = feedsOnly
        config = world.config
        arrivalRNG = SimRandom(seed: config.seed, stream: "arrivals")
        orderRNG = SimRandom(seed: config.seed, stream: "orders")
        fraudRNG = SimRandom(seed: config.seed, stream: "fraud")
        feedRNG = SimRandom(seed: config.seed, stream: "feeds")
        var customerRNG = SimRandom(seed: config.seed, stream: "customers")
        // A feeds-only engine has no customers (one throwaway account, from its own generator).
        customers = CustomerPool(existing: feedsOnly ? 1 : config.existingCustomers, now: config.start,
                                 countries: world.customerCountries, &customerRNG)

        // Incidents of pattern p arrive at rate f·share_p / E[orders per incident], so that the
        // expected share of fraudulent orders is f whatever the burst sizes.
        let f = config.fraud.rate
        let shares = config.fraud.orderShares
        var kindWeights = [1 - f]
        for (i, pattern) in FraudPattern.background.enumerated() {
            kindWeights.append(f * shares[i] / Self.meanOrders(of: pattern, config.fraud))
        }
        arrivalKinds = WeightedTable(kindWeights)
        arrivals = ArrivalProcess(basePerSecond: config.ordersPerDay / 86_400 * kindWeights.reduce(0, +),
                                  rhythm: config.dailyRhythm, surges: config.surges)

        let seed = world.config.seed
        stock = world.suppliers.enumerated().map { s, supplier in
            supplier.offers.enumerated().map { o, offer in
                // A stock liar hides a stockout from the start too.
                let stated = offer.initialStock == 0 && supplier.profile == .stockLiar
                    ? Self.hiddenStockout(world, seed: seed, supplier: s, offer: o, at: world.config.start.seconds)
                    : offer.initialStock
                return OfferState(trueQty: offer.initialStock, statedQty: stated, unitCostCents: offer.unitCostCents,
                                  lastAdvanced: world.config.start.seconds)
            }
        }
        let startSeconds = world.config.start.seconds
        health = world.suppliers.map { _ in SupplierHealth(since: startSeconds, lastFullRefresh: startSeconds) }
        outageSuppliers = config.outages.map(world.outageSupplierIndex)

        arrivalClock = Double(config.start.seconds)
        if feedsOnly {
            stockHistory = stock.map { offers in
                offers.map { [StockPoint(seconds: startSeconds, state: $0)] }
            }
            stockCounts = world.suppliers.map { _ in [startSeconds] }
            scheduleFeeds()
        } else {
            scheduleStart()
        }
    }

    /// Expected orders of one incident of `pattern`.
    static func meanOrders(of pattern: FraudPattern, _ fraud: FraudConfig) -> Double {
        switch pattern {
        case .cardTesting: return Double(fraud.cardTestingBurst.lowerBound + fraud.cardTestingBurst.upperBound) / 2
        case .stolenCard: return 1 + stolenCardSecondOrderProbability
        case .accountTakeover, .friendlyFraud, .fraudRing: return 1
        }
    }

    static let stolenCardSecondOrderProbability = 0.3

    /// The first events: initial feeds and carrier rates, the first arrival, scenario events.
    private func scheduleStart() {
        let start = config.start.seconds
        if config.supplierFeeds {
            for s in world.suppliers.indices {
                queue.push(.publish(statusRecord(supplier: s, status: "ok", reason: nil, expectedRecovery: nil,
                                                 publishedAt: start, cause: "initial", lateBy: 0)), at: start)
            }
            for s in world.suppliers.indices {
                for o in world.suppliers[s].offers.indices {
                    queue.push(.publish(offerRecord(supplier: s, offer: o, stated: stock[s][o].statedQty, updatedAt: start,
                                                    publishedAt: start, late: false)), at: start)
                }
                let interval = world.suppliers[s].profile.feedIntervalHours * 3_600
                queue.push(.feedTick(s), at: start + Int64(feedRNG.uniform(0.2, 1) * interval))
                queue.push(.healthCheck(s), at: start + Int64(feedRNG.uniform(0, 86_400)))
            }
        }
        // Carrier rates: every lane that has one, before the first order; the price changes
        // when they fall due. No draw: the rate book is the world's.
        if config.carrierRates {
            for record in world.rates.initialRecords(at: config.start) {
                queue.push(.publish(record), at: start)
            }
            for change in world.rates.changes {
                queue.push(.publish(world.rates.changeRecord(change)), at: change.at.seconds)
            }
        }
        arrivalClock = arrivals.next(after: arrivalClock, &arrivalRNG)
        queue.push(.arrival, at: Int64(arrivalClock.rounded(.down)))
        for (k, outage) in config.outages.enumerated() {
            queue.push(.outageStart(k), at: outage.start.seconds)
        }
        for ring in config.rings {
            startRing(ring)
        }
    }

    /// The feed events of ``scheduleStart()`` alone (with the same draws), whether or not the
    /// run publishes feeds, and the configured outages: a feeds-only engine.
    private func scheduleFeeds() {
        let start = config.start.seconds
        for s in world.suppliers.indices {
            let interval = world.suppliers[s].profile.feedIntervalHours * 3_600
            queue.push(.feedTick(s), at: start + Int64(feedRNG.uniform(0.2, 1) * interval))
            queue.push(.healthCheck(s), at: start + Int64(feedRNG.uniform(0, 86_400)))
        }
        for (k, outage) in config.outages.enumerated() {
            queue.push(.outageStart(k), at: outage.start.seconds)
        }
    }

    /// A feeds-only engine: handles every event up to `t` (seconds) inclusive.
    func replayFeeds(through t: Int64) {
        while let first = queue.firstAt, first <= t, let (at, event) = queue.pop() {
            _ = handle(event, at: at)
        }
    }

    /// The next record, or nil when the run has placed all its orders.
    func next() -> SimRecord? {
        while ordersEmitted < config.orders, let (at, event) = queue.pop() {
            if let record = handle(event, at: at) {
                if record.topic == SimRecord.Topic.ordersPlaced { ordersEmitted += 1 }
                return record
            }
        }
        return nil
    }

    private func handle(_ event: Event, at t: Int64) -> SimRecord? {
        switch event {
        case .publish(let record):
            return record
        case .arrival:
            arrivalClock = arrivals.next(after: arrivalClock, &arrivalRNG)
            queue.push(.arrival, at: Int64(arrivalClock.rounded(.down)))
            let kind = arrivalKinds.draw(&arrivalRNG)
            if kind == 0 { return legitimateOrder(at: SimInstant(seconds: t)) }
            return startIncident(FraudPattern.background[kind - 1], at: SimInstant(seconds: t))
        case .incidentOrder(let i):
            return incidentOrder(i, at: SimInstant(seconds: t))
        case .feedTick(let s):
            feedTick(s, at: t)
            return nil
        case .healthCheck(let s):
            healthCheck(s, at: t)
            return nil
        case .degradedEnd(let s, let epoch):
            degradedEnd(s, epoch: epoch, at: t)
            return nil
        case .outageStart(let k):
            outageStart(k, at: t)
            return nil
        case .outageEnd(let s, let epoch):
            outageEnd(s, epoch: epoch, at: t)
            return nil
        }
    }

    // MARK: - Shared helpers

    /// A fresh order id, numbered in publication order.
    func nextOrderID() -> String {
        defer { nextOrderNumber += 1 }
        return "ord-" + Catalogue.padded(nextOrderNumber, width: 8)
    }

    /// The product of the multiples of the surges active at `t`.
    func surgeMultiple(at t: SimInstant) -> Double {
        config.surges.reduce(1) { $1.contains(t) ? $0 * $1.multiple : $0 }
    }

    /// The largest discount of the surges active at `t`, percent, or nil when none is active.
    func surgeDiscount(at t: SimInstant) -> Double? {
        var discount: Double?
        for surge in config.surges where surge.contains(t) { discount = max(discount ?? 0, surge.discountPercent) }
        return discount
    }

    /// The `orders.placed` record of `draft`, with its truth.
    func orderRecord(_ draft: OrderDraft, _ truth: OrderTruth) -> SimRecord {
        SimRecord(topic: SimRecord.Topic.ordersPlaced, key: draft.orderID,
                  value: draft.json(catalogue: world.catalogue, currency: config.currency), truth: truth.json, at: draft.placedAt)
    }
}
