import DropflowContract
import DropflowCore
import DropflowRouting
import Foundation
import Testing

/// Promised windows are calibrated on deliveries: a model too quick and too sure is found out by
/// how its predictions fall against what happened, the window then holds the target share of
/// held-out deliveries, a maximum width narrows it to the span holding the most and says what
/// that holds, and parcels still on their way count as slower than they are so far.
@Suite("Routing: calibrated windows")
struct WindowCalibrationTests {
    /// Deterministic log-normal draws.
    struct Draws {
        var state: UInt64
        mutating func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / Double(1 << 53)
        }
        mutating func normal() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform()) }
        mutating func days(_ d: LogNormalDays) -> Double { exp(d.mu + d.sigma * normal()) }
    }

    /// What the model says (a shipment of 6 days, quite sure) and what the world does (8 days, wider).
    static let model = ShipmentLeadTime(handling: LogNormalDays(p50: 1.5, p90: 2), transit: LogNormalDays(p50: 4.5, p90: 5.5))
    static let truth = LogNormalDays(p50: 8, p90: 12)
    static let lead = OrderLeadTime([model])

    /// 4,000 deliveries of the truth, drawn apart from those calibrated on.
    static func heldOut(seed: UInt64) -> [Double] {
        var draws = Draws(state: seed)
        return (0..<4_000).map { _ in draws.days(truth) }
    }

    static func share(_ window: CalibratedWindow, of outcomes: [Double]) -> Double {
        Double(outcomes.filter { $0 >= window.earliest && $0 <= window.latest }.count) / Double(outcomes.count)
    }

    /// `n` deliveries of the truth set against the model's 80 % band.
    static func calibrated(_ n: Int, seed: UInt64) -> WindowCalibration {
        var draws = Draws(state: seed)
        var calibration = WindowCalibration()
        for _ in 0..<n { calibration.add(level: "standard", at: 0, lo: lead.quantile(0.1), hi: lead.quantile(0.9), days: draws.days(truth)) }
        return calibration
    }

    @Test("a model too quick and too sure: the calibrated window holds 90 % of held-out deliveries, the model's own far fewer")
    func recalibration() throws {
        let lead = Self.lead
        let scores = try #require(Self.calibrated(800, seed: 1).scores("standard", at: 0))
        let heldOut = Self.heldOut(seed: 99)
        let nominal = CalibratedWindow.make(lead, band: 0.8, coverage: 0.9, scores: nil, maxWidth: nil)
        let calibrated = CalibratedWindow.make(lead, band: 0.8, coverage: 0.9, scores: scores, maxWidth: nil)
        #expect(Self.share(nominal, of: heldOut) < 0.5, "the model's own window: \(Self.share(nominal, of: heldOut))")
        #expect(abs(Self.share(calibrated, of: heldOut) - 0.9) < 0.03, "calibrated: \(Self.share(calibrated, of: heldOut))")
        #expect(calibrated.samples == 800 && !calibrated.capped && calibrated.confidence == 0.9)
        #expect(calibrated.latest > nominal.latest + 3, "the late tail is where the model was wrong")
    }

    @Test("a maximum width narrows the window to the span holding the most, and its confidence says how much")
    func capped() throws {
        let lead = Self.lead
        let scores = try #require(Self.calibrated(800, seed: 2).scores("standard", at: 0))
        let heldOut = Self.heldOut(seed: 7)
        let window = CalibratedWindow.make(lead, band: 0.8, coverage: 0.9, scores: scores, maxWidth: 3)
        #expect(window.capped && abs(window.width - 3) < 1e-9)
        let held = Self.share(window, of: heldOut)
        #expect(abs(window.confidence - held) < 0.05, "said \(window.confidence), held \(held)")
        // No other 3-day span holds clearly more.
        let best = stride(from: 2.0, through: 20, by: 0.25).map { a in
            Double(heldOut.filter { $0 >= a && $0 <= a + 3 }.count) / Double(heldOut.count)
        }.max() ?? 0
        #expect(held > best - 0.03, "held \(held), best span \(best)")
        let json = window.deliveryWindow(from: RoutingWorld.now)
        #expect(json.confidence == (window.confidence * 1000).rounded() / 1000)
    }

    @Test("too few deliveries: the model's quantiles; parcels still on their way count as slower than so far")
    func censoring() throws {
        var calibration = WindowCalibration()
        for k in 0..<10 { calibration.add(level: "express", at: 0, lo: 2, hi: 4, days: 2 + Double(k) / 5) }
        #expect(calibration.scores("express", at: 0) == nil, "fewer than the minimum")
        // Fast deliveries come back first: 60 observed, 140 still on their way past all of them.
        let observed = (0..<60).map { Double($0) / 100 }
        let naive = KaplanMeier(observed: observed, censored: [])
        let fair = KaplanMeier(observed: observed, censored: Array(repeating: 0.6, count: 140))
        #expect(try #require(naive.quantile(0.9)) < 0.6)
        #expect(fair.quantile(0.5) == nil && fair.largest == 0.6, "most are slower than any seen: beyond the last step")
        #expect(abs(fair.probability(atMost: 0.3) - 31.0 / 200) < 1e-9, "31 of 200 by 0.30, not 31 of 60")
        #expect(abs(naive.probability(atMost: 0.3) - 31.0 / 60) < 1e-9)
    }

    @Test("the learner sets each decision's prediction against the delivery of its purchase order")
    func fromEvents() throws {
        let world = ReroutingTests.world()
        var picture = world.picture
        let order = ReroutingTests.order
        let outcome = world.decide(order)
        let chosen = try #require(outcome.chosen)
        let at = ReroutingTests.at
        let decision = RoutingMessages.decision(order: order, chosen: chosen, ranked: outcome.ranked, binding: nil, revision: 1, at: at,
                                                config: RoutingConfig(), calibration: picture.learned.calibration)
        #expect(decision.explanation.summary.contains("too few deliveries to calibrate on yet"))
        #expect(decision.explanation.unknownMembers["window"]?["target_coverage"]?.doubleValue == 0.9)
        #expect(ContractSchema.routingDecision.validate(decision.json).isEmpty)
        let po = try #require(RoutingMessages.purchaseOrders(order: order, plan: chosen, revision: 1, at: at).first)
        picture.apply(decision)
        picture.apply(po)
        let tracking = "T-1"
        func time(_ days: Double) -> String { DateTimeFormat.format(epochSeconds: at + Int64(days * 86_400)) }
        picture.apply(SupplierOrderUpdate(orderID: order.orderID, supplierID: po.supplierID, purchaseOrderID: po.purchaseOrderID,
                                          status: .shipped, skus: nil, carrier: po.carrier, trackingNumber: tracking, at: time(2)), at: at + 2 * 86_400)
        #expect(picture.learned.calibration.samples("standard") == 0)
        picture.apply(ShipmentEvent(orderID: order.orderID, carrier: po.carrier, trackingNumber: tracking, status: .delivered, at: time(30)))
        #expect(picture.learned.calibration.samples("standard") == 1, "one delivery set against its prediction")
        // Thirty days is far beyond what was predicted: its PIT is near 1.
        picture.apply(ShipmentEvent(orderID: order.orderID, carrier: po.carrier, trackingNumber: tracking, status: .delivered, at: time(31)))
        #expect(picture.learned.calibration.samples("standard") == 1, "a repeated delivery counts once")
    }
}
