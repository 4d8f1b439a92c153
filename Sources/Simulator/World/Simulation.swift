import DropflowCore
import DropflowJSON
import DropflowContract

/// The simulator's entry point.
///
/// ```swift
/// let run = Simulation.run(SimulationConfig(seed: 7, orders: 2_000, scenarios: Scenario.all(from: SimulationConfig.defaultStart)))
/// for record in run { ... }   // sorted by simulated time; ends with the 2,000th order
/// ```
public enum Simulation {
    /// The run of `config`: its world, generated now, and a sequence of its records that is
    /// produced lazily and afresh by every iteration (same records each time).
    public static func run(_ config: SimulationConfig) -> SimulationRun {
        SimulationRun(world: World.generate(config))
    }
}

/// The records of one run, in simulated-time order. Iterating twice gives the same records.
public struct SimulationRun: Sequence, Sendable {
    /// The run's world (catalogue, suppliers, lanes), fixed for the run.
    public let world: World

    public var config: SimulationConfig { world.config }

    public init(world: World) { self.world = world }

    public func makeIterator() -> SimulationIterator {
        SimulationIterator(engine: SimulationEngine(world: world))
    }

    /// The truth that is not attached to any one message: the run, each supplier's true
    /// behaviour, the carriers' rates (a `carrier_rates` summary: lanes without a rate, lanes
    /// quoting another currency, exchange rates) and each lane's true behaviour (`lane` lines),
    /// and each scenario as it was resolved (which supplier, which lanes).
    public var worldTruth: [JSONValue] {
        var lines: [JSONValue] = [[
            "kind": "run", "seed": .integer(Int64(bitPattern: config.seed)), "orders": .integer(Int64(config.orders)),
            "start": .string(config.start.rfc3339), "orders_per_day": .double(config.ordersPerDay),
            "currency": .string(config.currency), "fraud_rate": .double(config.fraud.rate),
            "unusual_legit_rate": .double(config.unusualLegitRate), "unusual_legit": config.unusualLegit.json,
            "market": config.market.json,
            "scenarios": .array(config.scenarios.map { .string($0.name) }),
        ]]
        for (i, supplier) in world.suppliers.enumerated() {
            lines.append([
                "kind": "supplier", "supplier_id": .string(supplier.id), "country": .string(supplier.country),
                "profile": .string(supplier.profile.rawValue), "major": .bool(i == world.majorSupplierIndex),
                "handling_days_true": ["p50": .double(supplier.handling.p50), "p90": .double(supplier.handling.p90)],
                "handling_days_stated": ["p50": .double(supplier.statedHandling.p50), "p90": .double(supplier.statedHandling.p90)],
                "accepts_returns": .bool(supplier.acceptsReturns), "offers": .integer(Int64(supplier.offers.count)),
                "carriers": .array(supplier.carriers.map(JSONValue.string)),
                "feed_interval_hours": .double(supplier.profile.feedIntervalHours),
                "late_feed_probability": .double(supplier.profile.lateFeedProbability),
                "wrong_stock_probability": .double(supplier.profile.wrongStockProbability),
                "daily_degraded_probability": .double(supplier.profile.dailyDegradedProbability),
                "backorders": "from_true_stock",
            ])
        }
        lines += world.rates.truthLines
        for scenario in config.scenarios {
            lines.append(scenarioTruth(scenario))
        }
        return lines
    }

    private func scenarioTruth(_ scenario: Scenario) -> JSONValue {
        var o: [String: JSONValue] = ["kind": "scenario", "scenario": .string(scenario.name)]
        switch scenario {
        case .normalDay:
            break
        case .promotionSurge(let s):
            o["start"] = .string(s.start.rfc3339)
            o["end"] = .string(s.end.rfc3339)
            o["multiple"] = .double(s.multiple)
            o["discount_percent"] = .double(s.discountPercent)
        case .supplierOutage(let s):
            o["supplier_id"] = .string(world.suppliers[world.outageSupplierIndex(s)].id)
            o["start"] = .string(s.start.rfc3339)
            o["end"] = .string((s.start + s.duration).rfc3339)
            switch s.announcement {
            case .prompt: o["announcement"] = "prompt"
            case .late(let d): o["announcement"] = "late"; o["announced_after_s"] = .integer(d.seconds)
            case .never: o["announcement"] = "never"
            }
        case .carrierStrike(let s):
            o["origin"] = .string(s.origin)
            o["destination"] = .string(s.destination)
            o["start"] = .string(s.start.rfc3339)
            o["end"] = .string(s.end.rfc3339)
            o["transit_multiplier"] = .double(s.transitMultiplier)
            o["lanes"] = .array(world.network.lanes.filter {
                (s.carrier == nil || $0.carrier == s.carrier) && $0.origin == s.origin && $0.destination == s.destination
            }.map { .string($0.carrier) })
        case .fraudRing(let s):
            o["start"] = .string(s.start.rfc3339)
            o["end"] = .string((s.start + s.duration).rfc3339)
            o["orders"] = .integer(Int64(s.orders))
        }
        return .object(o)
    }
}

/// Produces a run's records one at a time.
public struct SimulationIterator: IteratorProtocol {
    let engine: SimulationEngine

    public mutating func next() -> SimRecord? {
        engine.next()
    }
}
