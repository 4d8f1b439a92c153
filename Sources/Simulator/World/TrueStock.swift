import DropflowCore
import DropflowJSON
import DropflowContract
import Foundation

/// One offer's true stock from a moment on (until the next point).
public struct StockPoint: Sendable, Hashable {
    /// From when it holds.
    public let at: SimInstant
    /// Units the supplier really has (the feed simulation's `trueQty`: sold down by the
    /// supplier's other customers, restocked by its reorders). The merchant's own purchase
    /// orders are not in it: see ``StockLedger``.
    public let quantity: Int
    /// What its feed states at that moment (true stock plus any phantom units of a stock liar),
    /// before any publication delay.
    public let stated: Int
    /// Reorders that arrived so far: units taken before a restock are refilled by it.
    public let restocks: Int
    /// Whether the offer was withdrawn.
    public let delisted: Bool

    init(seconds: Int64, state: OfferState) {
        at = SimInstant(seconds: seconds)
        quantity = state.trueQty
        stated = state.statedQty
        restocks = state.restocks
        delisted = state.delisted
    }

    func sameState(as other: StockPoint) -> Bool {
        quantity == other.quantity && stated == other.stated && restocks == other.restocks && delisted == other.delisted
    }
}

/// Every offer's true stock over time, as the run's supplier feeds simulate it: the feed part
/// of the run replayed on its own (same seed, same draws of the `feeds` stream, whether or not
/// the run publishes feeds), extended lazily as far as it is asked. So the answering side
/// (``WorldResponder``, file or live) knows what each supplier really had at any moment,
/// however far the run's own iteration has got, and the same question always gets the same
/// answer. Stock changes at feed ticks (hourly for fast suppliers, every 3 or 6 hours for the
/// others); between two ticks it is the earlier tick's.
///
/// Thread-safe.
public final class StockTimeline: @unchecked Sendable {
    public let world: World
    private let lock = NSLock()
    private let engine: SimulationEngine
    /// How far the replay has got (seconds): every point up to it is known.
    private var reached: Int64

    public init(world: World) {
        self.world = world
        engine = SimulationEngine(world: world, feedsOnly: true)
        reached = world.config.start.seconds
    }

    /// Offer `o` of supplier `s` as it was at `t` (before the start: as at the start).
    public func point(supplier s: Int, offer o: Int, at t: SimInstant) -> StockPoint {
        lock.withLock {
            extend(to: t.seconds)
            let history = engine.stockHistory[s][o]
            return history[Self.lastIndex(in: history, atOrBefore: t.seconds) ?? 0]
        }
    }

    /// The true stock of `sku` at supplier `supplierID` at `t`; nil when it does not offer it.
    public func trueQuantity(supplierID: String, sku: String, at t: SimInstant) -> Int? {
        guard let s = world.suppliers.firstIndex(where: { $0.id == supplierID }),
              let o = world.suppliers[s].offers.firstIndex(where: { $0.sku == sku }) else { return nil }
        return point(supplier: s, offer: o, at: t).quantity
    }

    /// The first restock of offer `o` of supplier `s` after `t` and no later than `limit`: the
    /// point where it arrived.
    public func nextRestock(supplier s: Int, offer o: Int, after t: SimInstant, until limit: SimInstant) -> StockPoint? {
        lock.withLock {
            extend(to: limit.seconds)
            let history = engine.stockHistory[s][o]
            let from = Self.lastIndex(in: history, atOrBefore: t.seconds) ?? 0
            let restocks = history[from].restocks
            for point in history[(from + 1)...] where point.at <= limit {
                if point.delisted { return nil }
                if point.restocks > restocks { return point }
            }
            return nil
        }
    }

    /// How many times supplier `s` counted its stock (feed ticks outside outages, the start
    /// included) up to `t`: the merchant's purchases since the last count are not in the true
    /// stock yet.
    public func stockCount(supplier s: Int, at t: SimInstant) -> Int {
        lock.withLock {
            extend(to: t.seconds)
            let counts = engine.stockCounts[s]
            var low = 0
            var high = counts.count
            while low < high {
                let mid = (low + high) / 2
                if counts[mid] <= t.seconds { low = mid + 1 } else { high = mid }
            }
            return low
        }
    }

    /// Every point of offer `o` of supplier `s` from the start to `t` (tests, reports).
    public func history(supplier s: Int, offer o: Int, through t: SimInstant) -> [StockPoint] {
        lock.withLock {
            extend(to: t.seconds)
            return engine.stockHistory[s][o].filter { $0.at <= t }
        }
    }

    private func extend(to t: Int64) {
        guard t > reached else { return }
        engine.replayFeeds(through: t)
        reached = t
    }

    /// The index of the last point at or before `t`, by bisection.
    static func lastIndex(in history: [StockPoint], atOrBefore t: Int64) -> Int? {
        var low = 0
        var high = history.count
        while low < high {
            let mid = (low + high) / 2
            if history[mid].at.seconds <= t { low = mid + 1 } else { high = mid }
        }
        return low == 0 ? nil : low - 1
    }
}

/// The units the merchant's purchase orders took from suppliers' stock in one run, in the order
/// they were answered: what a supplier can ship at a moment is its true stock then
/// (``StockTimeline``) less what earlier purchase orders took that the true stock does not
/// reflect yet. A cancelled purchase order gives its units back.
///
/// Which takings the true stock does not reflect yet is the ``Policy``. By default
/// (``Policy/untilStockCount``) those since the supplier's last stock count (its last feed
/// tick): the feed simulation's sales are the supplier's whole market, this merchant's orders
/// included (``World`` draws each offer's daily demand as this merchant's demand times a market
/// factor), so from the next count on they are in the true stock and in the feed, and the
/// supplier's reorders see them. ``Policy/untilRestock`` reads the feed's sales as other
/// customers' only: takings count until the offer's next restock, the feed never shows them and
/// the supplier's reorders do not see them (with the baseline merchant, backorders then grow
/// with the run's length: 27–54% of lines over a 10-day run, against 1–10% by default).
public struct StockLedger: Sendable {
    /// Until when a purchase order's units are missing from the true stock.
    public enum Policy: String, Sendable, Hashable, CaseIterable {
        /// Until the supplier's next stock count (feed tick), which includes them.
        case untilStockCount = "until_stock_count"
        /// Until the offer's next restock, which refills them.
        case untilRestock = "until_restock"
    }

    struct Take: Sendable {
        let supplier: Int
        let offer: Int
        let quantity: Int
        let cycle: Int
        var active: Bool
    }

    private struct Slot: Hashable {
        let supplier: Int
        let offer: Int
        let cycle: Int
    }

    public let policy: Policy
    private var takes: [Take] = []
    private var taken: [Slot: Int] = [:]

    public init(policy: Policy = .untilStockCount) {
        self.policy = policy
    }

    /// The cycle of offer `o` of supplier `s` at `t`: takings of one cycle add up; a new cycle
    /// (the next stock count, or the next restock) has them all in its true stock.
    public func cycle(supplier s: Int, offer o: Int, at t: SimInstant, stock: StockTimeline) -> Int {
        switch policy {
        case .untilStockCount: return stock.stockCount(supplier: s, at: t)
        case .untilRestock: return stock.point(supplier: s, offer: o, at: t).restocks
        }
    }

    /// Units taken from offer `o` of supplier `s` in `cycle`.
    public func taken(supplier s: Int, offer o: Int, cycle: Int) -> Int {
        taken[Slot(supplier: s, offer: o, cycle: cycle)] ?? 0
    }

    /// What supplier `s` can ship of offer `o` at `t`: its true stock less what was taken.
    public func available(supplier s: Int, offer o: Int, at t: SimInstant, stock: StockTimeline) -> Int {
        let point = stock.point(supplier: s, offer: o, at: t)
        let taken = taken(supplier: s, offer: o, cycle: cycle(supplier: s, offer: o, at: t, stock: stock))
        return point.delisted ? 0 : max(0, point.quantity - taken)
    }

    /// Takes `quantity` units of offer `o` of supplier `s` in `cycle`; returns the take's id
    /// (for ``release(_:)``).
    public mutating func take(supplier s: Int, offer o: Int, quantity: Int, cycle: Int) -> Int {
        takes.append(Take(supplier: s, offer: o, quantity: quantity, cycle: cycle, active: true))
        taken[Slot(supplier: s, offer: o, cycle: cycle), default: 0] += quantity
        return takes.count - 1
    }

    /// Gives a take's units back (a cancelled purchase order); false when it was given back before.
    @discardableResult
    public mutating func release(_ id: Int) -> Bool {
        guard takes.indices.contains(id), takes[id].active else { return false }
        takes[id].active = false
        let take = takes[id]
        taken[Slot(supplier: take.supplier, offer: take.offer, cycle: take.cycle), default: 0] -= take.quantity
        return true
    }

    /// Units of take `id`, if it is still held.
    public func heldQuantity(_ id: Int) -> Int? {
        takes.indices.contains(id) && takes[id].active ? takes[id].quantity : nil
    }
}
