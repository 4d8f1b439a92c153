import DropflowContract
import DropflowCore
import DropflowFraudModel
import DropflowIntake
import DropflowSimulator
import Foundation

/// `dropflow train fraud`: labelled history (a file, or a simulated run), through intake as the
/// fraud stage sees it, trained into a model file, with the training report.
public struct FraudTraining: Sendable {
    /// Labelled history in JSON Lines (the simulator's output or a merchant export); nil simulates.
    public var input: String?
    /// Without `input`: orders to simulate (all scenarios).
    public var orders = 60_000
    public var seed: UInt64 = 1
    public var output = "models/fraud-model.json"
    public var estimator: FraudTrainingConfig.EstimatorChoice = .best
    /// Order value (in the order's currency) above which an order always goes to review.
    public var alwaysReviewAbove: Double?
    /// Recall the review threshold aims at on the calibration split.
    public var targetRecall: Double?
    /// Orders of each check the model is also evaluated on (a fresh run of the original
    /// storefront, and a shifted world unlike any it trained on); 0 skips them.
    public var checkOrders = 20_000
    /// The merchant's costs (the defaults of ``FraudCosts``).
    public var costs = FraudCosts()
    /// Features the model may not use.
    public var excludedFeatures = FraudTrainingConfig.catalogueDependent
    /// A model file (an earlier model, say) measured on the same check runs beside the new one.
    public var compareWith: String?

    public init() {}

    /// The model on one check run.
    public struct Check: Sendable {
        /// As shipped: probabilities at the fraud rate of the orders it was calibrated on.
        public var evaluation: FraudEvaluation
        /// Told the check storefront's own fraud rate (what a merchant sets with `--fraud-rate`),
        /// when the model records the rate it was calibrated at.
        public var atStorefrontRate: FraudEvaluation?
        /// The storefront's fraud rate: the share of fraud among the check run's orders.
        public var storefrontRate: Double
        /// The ``FraudTraining/compareWith`` model on the same orders.
        public var compared: FraudEvaluation?

        /// The evaluation, then the model at the storefront's rate and the compared model, for a terminal.
        public func text(comparedLabel: String?) -> String {
            var parts = [evaluation.text]
            if let atStorefrontRate {
                parts.append(atStorefrontRate.comparisonText(
                    heading: "told the storefront's fraud rate (--fraud-rate \(PolicyOutcome.fixed(storefrontRate, 4)))"))
            }
            if let compared { parts.append(compared.comparisonText(heading: "compared with " + (comparedLabel ?? "another model"))) }
            return parts.joined(separator: "\n")
        }
    }

    /// What a run produced.
    public struct Outcome: Sendable {
        public var result: FraudTrainer.Result
        /// The model on fresh runs of worlds it did not train on (a new run of the original
        /// storefront, and the shifted one), when they ran.
        public var checks: [Check]
        /// Lines of the input that were not used, and why (at most ten, then a count).
        public var notes: [String]

        /// The model on the shifted world, when it ran.
        public var shifted: FraudEvaluation? { checks.first { $0.evaluation.name.hasPrefix("shifted") }?.evaluation }
    }

    /// Reads or simulates the history, trains, writes the model file; `progress` hears what
    /// happens as it happens.
    public func run(progress: (String) -> Void = { _ in }) throws -> Outcome {
        var notes: [String] = []
        func note(_ line: String) { notes.append(line); progress(line) }
        var storefronts: [[LabelledOrder]] = []
        if let input {
            let read = try LabelledOrderReader.read(path: input)
            for skipped in read.skipped.prefix(10) { note("skipped \(skipped)") }
            if read.skipped.count > 10 { note("… and \(read.skipped.count - 10) more skipped lines") }
            storefronts = [read.orders]
            note("read \(read.orders.count) labelled orders from \(input)")
        } else {
            for (name, config) in Self.trainingStorefronts(orders: orders, seed: seed) {
                let history = Self.labelled(Simulation.run(config))
                note("simulated \(history.count) labelled orders of the \(name) (seed \(config.seed))")
                storefronts.append(history)
            }
        }
        var accepted: [[LabelledOrder]] = []
        var notAccepted = 0
        for history in storefronts {
            let through = Self.throughIntake(history)
            accepted.append(through.accepted)
            notAccepted += through.notAccepted
        }
        if notAccepted > 0 { note("\(notAccepted) orders left out: intake would not accept them") }
        var config = FraudTrainingConfig()
        config.seed = seed
        config.estimator = estimator
        if let alwaysReviewAbove { config.alwaysReviewAbove = alwaysReviewAbove * 100 }
        if let targetRecall { config.targetRecall = targetRecall }
        config.costs = costs
        config.excludedFeatures = excludedFeatures
        let result = try FraudTrainer.train(storefronts: accepted, config: config)
        let url = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(result.model.serialized()).write(to: url)
        let compared = try compareWith.map { try FraudModel.load(path: $0) }
        var outcome = Outcome(result: result, checks: [], notes: notes)
        if checkOrders > 0 {
            let worlds = [
                ("original storefront, a fresh run (\(checkOrders) orders, seed \(seed &+ 2_000))",
                 Self.simulatedHistory(orders: checkOrders, seed: seed &+ 2_000)),
                ("shifted world (\(checkOrders) orders, seed \(seed &+ 1_000))", Self.shiftedHistory(orders: checkOrders, seed: seed &+ 1_000)),
            ]
            for (name, orders) in worlds {
                let rows = FeatureReplay(Self.throughIntake(orders).accepted).rows
                let rate = Double(rows.count { $0.isFraud }) / Double(max(1, rows.count))
                outcome.checks.append(Check(
                    evaluation: FraudEvaluation(name: name, model: result.model, rows: rows),
                    atStorefrontRate: result.model.shifted(toFraudRate: rate).map { FraudEvaluation(name: name, model: $0, rows: rows) },
                    storefrontRate: rate,
                    compared: compared.map { FraudEvaluation(name: name, model: $0, rows: rows) }))
            }
        }
        return outcome
    }

    /// The storefronts the shipped model learns from, `orders` in all, each a simulated world
    /// of its own so that no single catalogue, price level, country mix or fraud rate is learned:
    /// - the **original storefront** (``originalStorefront(orders:seed:)``), a third of the orders;
    /// - a **home and apparel shop** in continental Europe: prices ×0.7, apparel, home and beauty
    ///   most of the catalogue, mostly DE, FR, ES, IT and NL customers, 1 % fraud, much of it friendly;
    /// - a **gadget shop** in the UK, the Nordics and Australia: prices ×1.25, a third electronics,
    ///   GBP, 1.5 % fraud with more card testing and stolen cards.
    /// The last two have 30 % ordinary exceptions among their good orders (gifts abroad, travellers,
    /// loyal customers' big electronics orders, ...), so the model meets them often.
    /// The shifted world the report checks (``shiftedHistory(orders:seed:)``) is none of them.
    public static func trainingStorefronts(orders: Int, seed: UInt64) -> [(name: String, config: SimulationConfig)] {
        let original = orders / 3, other = (orders - original) / 2, last = orders - original - other
        func days(_ n: Int) -> Double { Double(n) / 5_000 }
        var home = SimulationConfig(
            seed: seed &+ 101, orders: other, ordersPerDay: 5_000, currency: "EUR",
            market: MarketProfile(priceLevel: 0.7, categoryShares: ["apparel": 0.3, "home": 0.22, "beauty": 0.15, "electronics": 0.07],
                                  customerCountryWeights: ["DE": 30, "FR": 24, "ES": 15, "IT": 14, "NL": 10, "PL": 5, "SE": 2]),
            existingCustomers: 4_000, returningBuyerShare: 0.4,
            fraud: FraudConfig(rate: 0.01, cardTesting: 0.15, stolenCard: 0.3, accountTakeover: 0.1, friendlyFraud: 0.45))
        home.unusualLegitRate = 0.3
        home.scenarios = [.normalDay, .fraudRing(FraudRing(start: SimulationConfig.defaultStart + .days(days(other) * 0.5),
                                                           duration: .hours(12), orders: 15))]
        var gadget = SimulationConfig(
            seed: seed &+ 202, orders: last, ordersPerDay: 5_000, currency: "GBP",
            market: MarketProfile(priceLevel: 1.25, categoryShares: ["electronics": 0.32, "gift_cards": 0.05],
                                  customerCountryWeights: ["GB": 45, "SE": 12, "NL": 12, "AU": 16, "US": 8, "DE": 7]),
            existingCustomers: 4_000, returningBuyerShare: 0.4,
            fraud: FraudConfig(rate: 0.015, cardTesting: 0.3, stolenCard: 0.4, accountTakeover: 0.1, friendlyFraud: 0.2))
        gadget.unusualLegitRate = 0.3
        return [("original storefront", originalStorefront(orders: original, seed: seed)), ("home and apparel shop", home),
                ("gadget shop", gadget)]
    }

    /// `model` (with its policy) on labelled `orders`, which go through intake and the velocity
    /// replay first, as the stage would see them.
    public static func evaluate(_ model: FraudModel, on orders: [LabelledOrder], name: String) -> FraudEvaluation {
        let replay = FeatureReplay(throughIntake(orders).accepted)
        return FraudEvaluation(name: name, model: model, rows: replay.rows)
    }

    /// The simulator's orders with their fraud labels (the original storefront).
    public static func simulatedHistory(orders: Int, seed: UInt64) -> [LabelledOrder] {
        labelled(Simulation.run(originalStorefront(orders: orders, seed: seed)))
    }

    /// The simulator's default storefront (EUR, 3 % fraud), 5,000 orders a day with every
    /// scenario spread over the run.
    public static func originalStorefront(orders: Int, seed: UInt64) -> SimulationConfig {
        SimulationConfig(seed: seed, orders: orders, ordersPerDay: 5_000,
                         scenarios: Scenario.all(from: SimulationConfig.defaultStart, days: Double(orders) / 5_000))
    }

    /// A storefront unlike the one the model trains on (``SimulationConfig/shiftedStorefront(seed:orders:)``:
    /// another catalogue, price level, category and country mix, currency, fraud mix and rate), to
    /// see whether the model holds outside its own world.
    public static func shiftedHistory(orders: Int, seed: UInt64) -> [LabelledOrder] {
        labelled(Simulation.run(SimulationConfig.shiftedStorefront(seed: seed, orders: orders)))
    }

    /// The placed orders of a simulated run with their labels and fraud patterns.
    static func labelled(_ records: some Sequence<SimRecord>) -> [LabelledOrder] {
        records.compactMap { record in
            guard record.topic == SimRecord.Topic.ordersPlaced, let value = record.value,
                  let order = try? OrderPlaced(json: value) else { return nil }
            let isFraud = record.truth?["is_fraud"]?.boolValue ?? false
            return LabelledOrder(order: order, isFraud: isFraud,
                                 pattern: isFraud ? record.truth?["pattern"]?.stringValue : nil)
        }
    }

    /// The orders as the fraud stage sees them: through intake (normalized, with intake's
    /// order value), and how many intake would not accept.
    public static func throughIntake(_ orders: [LabelledOrder],
                                     policy: IntakePolicy = IntakePolicy()) -> (accepted: [LabelledOrder], notAccepted: Int) {
        let intake = IntakeDecider(policy: policy)
        var accepted: [LabelledOrder] = []
        var notAccepted = 0
        for o in orders {
            guard case .accept(let validated) = intake.decide(o.order.serialized(), seenFingerprint: { _ in nil }, isOffered: nil) else {
                notAccepted += 1
                continue
            }
            accepted.append(LabelledOrder(order: validated.order, computedValue: validated.intake.orderValue, isFraud: o.isFraud,
                                          at: o.at, chargebackAt: o.chargebackAt, pattern: o.pattern))
        }
        return (accepted, notAccepted)
    }
}
