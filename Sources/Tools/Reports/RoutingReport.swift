import DropflowContract
import DropflowCore
import DropflowJSON
import DropflowRouting
import DropflowSimulator
import Foundation

/// `dropflow report routing`: the simulated world, one seed, routed by Dropflow and by naive
/// policies, each judged from the truth (``FulfilmentTally``): on time in full against the
/// storefront's promise, delivery days, landed cost, backorders, whether the promised window
/// held, and the landed cost per order delivered on time and in full (a late order's cost is
/// paid again in refunds and tickets, so cost alone would reward the slowest supplier).
///
/// Every policy sees the same orders, feeds and world: the same true stock, the same handling
/// and transit draws for the same purchase order on the same lane. Fraudulent orders (by the
/// truth) are left out of every policy: fraud is not what is measured. Duties are charged by
/// the routing configuration's import rules, the same for every policy.
public struct RoutingReport: Sendable {
    public struct Options: Sendable {
        /// Orders the storefront places (fraud included, then left out).
        public var orders = 20_000
        public var ordersPerDay = 2_000.0
        public var seed: UInt64 = 7
        /// `dropflow simulate` scenario names.
        public var scenarios = ["all"]
        /// Dropflow's routing configuration (also the import rules every policy pays).
        public var routing = RoutingConfig()
        public var policies = Policy.allCases

        public init() {}

        /// Why the options cannot run, or nil.
        public var problem: String? {
            var request = SimulationRequest()
            request.scenarios = scenarios
            return request.problem
        }

        /// The world's configuration.
        public var simulation: SimulationConfig {
            var request = SimulationRequest()
            request.orders = orders
            request.ordersPerDay = ordersPerDay
            request.seed = seed
            request.scenarios = scenarios
            return request.config
        }
    }

    /// Who routes.
    public enum Policy: String, Sendable, CaseIterable {
        /// Dropflow's routing decision (``RoutingDecider``), holding what nothing can fill, learning
        /// lead times from events.
        case dropflow
        /// The upper bound: among the plans the decider ranks, the one the truth says is best
        /// (the true stock, handling and transit of every parcel).
        case oracle
        /// The same decision without re-routing.
        case dropflowNoReroute = "dropflow-no-reroute"
        /// The same decision from the stated figures alone, without re-routing (Routing I).
        case dropflowStated = "dropflow-stated"
        /// Dropflow with promised windows as wide as the calibration asks (no maximum width):
        /// what holding the target share of deliveries would take.
        case dropflowUncapped = "dropflow-wide-windows"
        /// Each SKU from its cheapest supplier, always, with that supplier's cheapest carrier of
        /// the order's level.
        case fixedCheapest = "fixed-cheapest"
        /// Each line from the first supplier whose feed states enough units.
        case firstInStock = "first-in-stock"
        /// Each line from the cheapest supplier whose feed states enough units (the simulator's
        /// baseline merchant).
        case cheapestInStock = "cheapest-in-stock"

        var baselineRule: BaselineMerchant.Rule? {
            switch self {
            case .dropflow, .oracle, .dropflowNoReroute, .dropflowStated, .dropflowUncapped: return nil
            case .fixedCheapest: return .fixedCheapest
            case .firstInStock: return .firstInStock
            case .cheapestInStock: return .cheapestInStock
            }
        }
    }

    /// One policy's figures.
    public struct Row: Sendable {
        public let policy: Policy
        public let summary: FulfilmentSummary
        /// Dropflow's own counts: orders held, routed after a hold, split, on estimated lanes.
        public let held: Int?, routedAfterHold: Int?, split: Int?, estimatedLane: Int?
        public let seconds: Double
        /// Dropflow's expected on-time orders (the sum of its chosen plans' P(on time)).
        public var expectedOnTime: Double?
        /// Days the orders routed after a hold waited, sorted.
        public var waitedDays: [Double] = []
        /// Dropflow's re-routes by cause, and causes no other supplier could take.
        public var reroutes: [String: Int] = [:]
        public var reroutesImpossible = 0
        /// The orders placed in the run's second half: their windows are calibrated on what the
        /// first half delivered.
        public var secondHalf: FulfilmentSummary?

        public init(policy: Policy, summary: FulfilmentSummary, held: Int? = nil, routedAfterHold: Int? = nil, split: Int? = nil,
                    estimatedLane: Int? = nil, seconds: Double = 0, expectedOnTime: Double? = nil, waitedDays: [Double] = [],
                    reroutes: [String: Int] = [:], reroutesImpossible: Int = 0) {
            self.policy = policy
            self.summary = summary
            self.held = held
            self.routedAfterHold = routedAfterHold
            self.split = split
            self.estimatedLane = estimatedLane
            self.seconds = seconds
            self.expectedOnTime = expectedOnTime
            self.waitedDays = waitedDays
            self.reroutes = reroutes
            self.reroutesImpossible = reroutesImpossible
        }
    }

    public let options: Options

    public init(options: Options) {
        self.options = options
    }

    /// Every policy, two at a time.
    public func run() async -> [Row] {
        await withTaskGroup(of: (Int, Row).self) { group in
            var rows: [(Int, Row)] = []
            var next = 0
            func start() {
                guard next < options.policies.count else { return }
                let (i, policy) = (next, options.policies[next])
                next += 1
                group.addTask { (i, self.run(policy)) }
            }
            start()
            start()
            for await row in group {
                rows.append(row)
                start()
            }
            return rows.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// One policy over the whole world.
    public func run(_ policy: Policy) -> Row {
        let began = ContinuousClock.now
        let run = Simulation.run(options.simulation)
        let config = { () -> RoutingConfig in
            var config = options.routing
            if policy == .dropflowUncapped { config.maxWindowDays = [:] }
            return config
        }()
        let currency = run.config.currency
        var tally = FulfilmentTally(world: run.world) { origin, destination, goodsCents in
            Int64((config.importCharges(from: origin, to: destination, value: Double(goodsCents) / 100, currency: currency) * 100).rounded())
        }
        func seconds() -> Double { (ContinuousClock.now - began).inSeconds }
        if let rule = policy.baselineRule {
            var records = MerchantRun(run: run, merchant: Screened(BaselineMerchant(world: run.world, rule: rule))).makeIterator()
            while let record = records.next() { tally.observe(record) }
            return Row(policy: policy, summary: tally.summary, held: nil, routedAfterHold: nil, split: nil, estimatedLane: nil,
                       seconds: seconds())
        }
        var records = MerchantRun(run: run, merchant: RoutingMerchant(
            decider: RoutingDecider(config: config), learns: [.dropflow, .dropflowNoReroute, .dropflowUncapped].contains(policy),
            reroutes: policy == .dropflow || policy == .dropflowUncapped,
            oracle: policy == .oracle ? RoutingOracle(world: run.world) : nil))
            .makeIterator()
        while let record = records.next() { tally.observe(record) }
        let counts = records.merchant.counts
        var row = Row(policy: policy, summary: tally.summary, held: counts.held, routedAfterHold: counts.routedAfterHold,
                      split: counts.split, estimatedLane: counts.estimatedLane, seconds: seconds(), expectedOnTime: counts.expectedOnTime,
                      waitedDays: counts.waitedDays.sorted(), reroutes: counts.reroutes, reroutesImpossible: counts.reroutesImpossible)
        if let first = tally.orderIDs.first.flatMap({ tally.fates[$0]?.placedAt }) {
            row.secondHalf = tally.summary(placedSince: first + .days(Double(options.orders) / options.ordersPerDay / 2))
        }
        return row
    }

    // MARK: Reading the figures

    /// Whether Dropflow beats every other policy in `rows` on on-time-in-full and on landed cost
    /// per on-time order; a line for each comparison it loses.
    public static func shortfalls(_ rows: [Row]) -> [String] {
        guard let ours = rows.first(where: { $0.policy == .dropflow }) else { return ["no dropflow row"] }
        var problems: [String] = []
        for other in rows where other.policy.baselineRule != nil {
            if ours.summary.onTimeInFullShare <= other.summary.onTimeInFullShare {
                problems.append("on time in full \(percent(ours.summary.onTimeInFullShare)) is not above \(other.policy.rawValue)'s \(percent(other.summary.onTimeInFullShare))")
            }
            if ours.summary.landedPerOnTimeOrderCents >= other.summary.landedPerOnTimeOrderCents {
                problems.append("landed cost per on-time order \(money(ours.summary.landedPerOnTimeOrderCents)) is not below \(other.policy.rawValue)'s \(money(other.summary.landedPerOnTimeOrderCents))")
            }
        }
        return problems
    }

    /// How much of the on-time-in-full gap between the best baseline and the oracle Dropflow
    /// closes, and its landed cost per order against the oracle's (nil without those rows).
    public static func againstOracle(_ rows: [Row]) -> (gapClosed: Double, costRatio: Double, bestBaseline: Policy)? {
        guard let ours = rows.first(where: { $0.policy == .dropflow }), let oracle = rows.first(where: { $0.policy == .oracle }),
              let best = rows.filter({ $0.policy.baselineRule != nil }).max(by: { $0.summary.onTimeInFullShare < $1.summary.onTimeInFullShare }),
              oracle.summary.onTimeInFullShare > best.summary.onTimeInFullShare, oracle.summary.landedPerOrderCents > 0 else { return nil }
        let gap = oracle.summary.onTimeInFullShare - best.summary.onTimeInFullShare
        return ((ours.summary.onTimeInFullShare - best.summary.onTimeInFullShare) / gap,
                ours.summary.landedPerOrderCents / oracle.summary.landedPerOrderCents, best.policy)
    }

    /// The table `dropflow report routing` prints (Markdown).
    public static func table(_ rows: [Row], currency: String) -> String {
        var lines = [
            "| policy | on time in full | delivered in full | mean days | p90 days | landed / order (\(currency)) | backordered lines (orders) | re-routes | window: inside / early / late (mean width, days) | landed / on-time order (\(currency)) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for row in rows {
            let s = row.summary
            let withWindow = Double(max(1, s.withWindow))
            let reroutes = row.held == nil ? "—" : String(row.reroutes.values.reduce(0, +))
            lines.append("| \(row.policy.rawValue) | \(percent(s.onTimeInFullShare)) | \(percent(Double(s.inFull) / Double(max(1, s.orders)))) "
                + "| \(days(s.meanDays)) | \(days(s.p90Days)) | \(money(s.landedPerOrderCents)) | \(s.backorderedLines) (\(s.ordersBackordered)) "
                + "| \(reroutes) | \(percent(s.insideWindowShare)) / \(percent(Double(s.early) / withWindow)) / \(percent(Double(s.late) / withWindow)) "
                + "(\(days(s.meanWindowDays))) | \(money(s.landedPerOnTimeOrderCents)) |")
        }
        return lines.joined(separator: "\n")
    }

    /// The run and each policy's counts under the table.
    public func notes(_ rows: [Row]) -> String {
        let config = options.simulation
        var lines: [String] = []
        if let first = rows.first {
            lines.append("\(first.summary.orders) legitimate orders of \(options.orders) (seed \(options.seed), \(Int(options.ordersPerDay)) a day, "
                         + "scenarios: \(options.scenarios.joined(separator: ", "))); promise: economy 16, standard 9, express 5 days; currency \(config.currency)")
        }
        for row in rows {
            let s = row.summary
            let options = ["economy", "standard", "express"].compactMap { option in
                s.byOption[option].map { "\(option) \(Self.percent(Double($0.onTimeInFull) / Double(max(1, $0.orders)))) of \($0.orders)" }
            }
            var line = "\(row.policy.rawValue): sent \(s.sent), delivered in full \(s.inFull), on time \(s.onTimeInFull) "
                + "(\(options.joined(separator: ", "))); outside the window: \(s.early) early, \(s.late) late"
            if let held = row.held {
                let waited = row.waitedDays
                let wait = waited.isEmpty ? "" : ", after \(Self.days(waited[waited.count / 2])) days (median), p90 \(Self.days(waited[min(waited.count - 1, waited.count * 9 / 10)]))"
                line += "; held \(held) (routed later \(row.routedAfterHold ?? 0)\(wait)), split \(row.split ?? 0), on estimated lanes \(row.estimatedLane ?? 0)"
                if !row.reroutes.isEmpty || row.reroutesImpossible > 0 {
                    line += "; re-routed \(row.reroutes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))"
                        + " (\(row.reroutesImpossible) could go nowhere else)"
                }
                line += "; expected on time \(Int((row.expectedOnTime ?? 0).rounded())) (by its own predictions)"
                if let later = row.secondHalf, later.withWindow > 0 {
                    let n = Double(later.withWindow)
                    line += "; windows of the orders placed in the second half: \(Self.percent(later.insideWindowShare)) inside, "
                        + "\(Self.percent(Double(later.early) / n)) early, \(Self.percent(Double(later.late) / n)) late, "
                        + "mean width \(Self.days(later.meanWindowDays)) days"
                }
            } else {
                line += "; window: what its suppliers and carriers state"
            }
            lines.append(line + String(format: " (%.1f s)", row.seconds))
        }
        if let versus = Self.againstOracle(rows) {
            lines.append("dropflow closes \(Self.percent(versus.gapClosed)) of the on-time-in-full gap between \(versus.bestBaseline.rawValue) "
                         + "and the oracle, at \(Self.percent(versus.costRatio)) of the oracle's landed cost per order")
        }
        return lines.joined(separator: "\n")
    }

    static func percent(_ x: Double) -> String { String(format: "%.1f %%", x * 100) }
    static func days(_ x: Double) -> String { String(format: "%.1f", x) }
    static func money(_ cents: Double) -> String { cents.isFinite ? String(format: "%.2f", cents / 100) : "—" }
}

/// A merchant that never hears of fraudulent orders (by the truth): they are screened out
/// before routing, as the pipeline's fraud stage would.
struct Screened<Inner: Merchant>: Merchant {
    var inner: Inner

    init(_ inner: Inner) { self.inner = inner }

    mutating func react(to record: SimRecord) -> [SimRecord] {
        if record.topic == SimRecord.Topic.ordersPlaced, record.truth?["is_fraud"]?.boolValue == true { return [] }
        return inner.react(to: record)
    }
}
