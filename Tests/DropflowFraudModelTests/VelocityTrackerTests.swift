import DropflowCore
import DropflowJSON
import DropflowContract
import Testing
@testable import DropflowFraudModel

@Suite("Velocity tracker")
struct VelocityTrackerTests {
    let t0: Int64 = 1_795_478_400

    func order(_ n: Int, at: Int64, customer: String = "cus-1", last4: String = "4242", ip: String = "203.0.113.7",
               line1: String = "12 Main Street") -> OrderSignal {
        var b = OrderBuilder()
        b.id = "ord-\(n)"
        b.placedAt = at
        b.customerID = customer
        b.email = customer + "@example.com"
        b.cardLast4 = last4
        b.ip = ip
        b.line1 = line1
        return b.signal
    }

    @Test("counts other orders across the hour and day window edges")
    func windowEdges() {
        var tracker = VelocityTracker()
        tracker.record(order(1, at: t0 - 86_401))  // just outside 24 h
        tracker.record(order(2, at: t0 - 86_400))  // on the 24 h edge: in
        tracker.record(order(3, at: t0 - 3_601))   // outside the hour
        tracker.record(order(4, at: t0 - 3_600))   // on the hour edge: in
        tracker.record(order(5, at: t0))           // same instant: in
        tracker.record(order(6, at: t0 + 1))       // later: never counted
        let me = order(7, at: t0)
        tracker.record(me)
        let h = tracker.history(for: me, at: t0)
        #expect(h.card1h == 2)
        #expect(h.card24h == 4)
        #expect(h.customer1h == 2 && h.customer24h == 4)
        #expect(h.ip24h == 4 && h.address24h == 4 && h.email24h == 4)
        #expect(h.customerOrders == 5)  // everything up to t0 within the horizon, except itself
    }

    @Test("out-of-order arrival gives the same answers")
    func arrivalOrderDoesNotMatter() {
        let signals = (0..<40).map { i in
            order(i, at: t0 + Int64(i * 600), customer: "cus-\(i % 7)", last4: String(1000 + i % 5), ip: "10.0.0.\(i % 3)",
                  line1: "\(i % 4) Main Street")
        }
        var inOrder = VelocityTracker()
        for s in signals { inOrder.record(s) }
        var shuffled = VelocityTracker()
        var rng = SplitMix64(seed: 3)
        var mixed = signals
        for i in stride(from: mixed.count - 1, to: 0, by: -1) { mixed.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        for s in mixed { shuffled.record(s) }
        for s in signals {
            #expect(inOrder.history(for: s, at: s.at) == shuffled.history(for: s, at: s.at))
        }
        // Scoring before recording equals scoring after: the order never counts itself.
        var partial = VelocityTracker()
        for s in signals {
            let before = partial.history(for: s, at: s.at)
            partial.record(s)
            #expect(before == partial.history(for: s, at: s.at))
            #expect(before == inOrder.history(for: s, at: s.at))
        }
    }

    @Test("a redelivered signal counts once")
    func idempotentRedelivery() {
        var tracker = VelocityTracker()
        let a = order(1, at: t0 - 60)
        let first = tracker.record(a)
        let again = tracker.record(a)
        #expect(first && !again)
        var changed = a
        changed.ip = "198.51.100.1"
        let changedAccepted = tracker.record(changed)
        #expect(!changedAccepted)  // same order_id: first wins
        let h = tracker.history(for: order(2, at: t0), at: t0)
        #expect(h.card1h == 1)
        #expect(tracker.count == 1)
    }

    @Test("distinct customers, emails and cards sharing a key")
    func sharing() {
        var tracker = VelocityTracker()
        for i in 0..<5 { tracker.record(order(i, at: t0 - Int64(i) * 100, customer: "cus-\(i % 3)", last4: "000\(i)")) }
        let me = order(9, at: t0, customer: "cus-0", last4: "0000")
        let h = tracker.history(for: me, at: t0)
        #expect(h.ipCustomers24h == 2)           // cus-1 and cus-2, not cus-0 itself
        #expect(h.addressCards24h == 4)          // 0001...0004, not its own 0000
        #expect(h.cardCustomers24h == 0)         // card 0000 was only used by cus-0
        #expect(h.customerOrdersToAddress == 2)  // cus-0's orders 0 and 3
    }

    @Test("old entries are evicted past the horizon")
    func eviction() {
        var tracker = VelocityTracker(horizonSeconds: 86_400)
        for i in 0..<100 { tracker.record(order(i, at: t0 + Int64(i) * 3_600, customer: "cus-\(i)")) }
        // 100 hourly orders with a one-day horizon: only about a day's worth (plus one sweep interval) stays.
        #expect(tracker.count <= 24 + 1 + 1)
        #expect(tracker.count >= 24)
        // A signal older than the horizon is refused.
        let stale = tracker.record(order(1_000, at: t0))
        #expect(!stale)
        let last = order(2_000, at: t0 + 100 * 3_600)
        #expect(tracker.history(for: last, at: last.at).card24h == 24)
    }

    @Test("chargebacks count from the moment they are known")
    func chargebacks() {
        var tracker = VelocityTracker()
        let s = order(1, at: t0)
        tracker.record(s)
        tracker.recordChargeback(customerID: "cus-1", card: s.card, at: t0 + 86_400)
        let before = order(2, at: t0 + 3_600)
        let after = order(3, at: t0 + 2 * 86_400)
        #expect(tracker.history(for: before, at: before.at).customerChargebacks == 0)
        #expect(tracker.history(for: after, at: after.at).customerChargebacks == 1)
        #expect(tracker.history(for: after, at: after.at).cardChargebacks == 1)
    }

    @Test("signals round-trip through their wire form and normalize fingerprints")
    func signalWireForm() {
        var b = OrderBuilder()
        b.email = "  Jane.Doe@Example.COM "
        b.line1 = "12, Main STREET"
        b.postal = "100 01"
        let s = b.signal
        #expect(s.email == "jane.doe@example.com")
        #expect(s.address == "12 main st|10001|US")
        #expect(s.card == "411111|4242|US")
        #expect(s.value == 5_990)
        #expect(OrderSignal(json: s.json) == s)
        // An order with only what the contract requires still makes a signal: what it lacks is
        // absent. (Customer email and the shipping address's first line are required, so a
        // typed order always has them.)
        var bare = OrderPlaced(orderID: "x", placedAt: "2026-11-24T10:00:00+01:00",
                               customer: .init(id: "c", email: "x@example.com"),
                               shippingAddress: Address(name: "N", line1: "1 Main St", city: "C", postalCode: "1", country: "US"),
                               payment: .init(method: .paypal), lines: [.init(sku: "S", quantity: 1, unitPrice: "1.00")], currency: "USD")
        let t = OrderSignal(order: bare)
        #expect(t?.at == t0 + 9 * 3_600)
        #expect(t?.card == nil && t?.ip == nil)
        bare.placedAt = "yesterday"
        #expect(OrderSignal(order: bare) == nil, "no signal without a time")
    }
}
