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

    public init() {}

    /// What a run produced.
    public struct Outcome: Sendable {
        public var result: FraudTrainer.Result
        /// Lines of the input that were not used, and why (at most ten, then a count).
        public var notes: [String]
    }

    /// Reads or simulates the history, trains, writes the model file; `progress` hears what
    /// happens as it happens.
    public func run(progress: (String) -> Void = { _ in }) throws -> Outcome {
        var notes: [String] = []
        func note(_ line: String) { notes.append(line); progress(line) }
        let labelled: [LabelledOrder]
        if let input {
            let read = try LabelledOrderReader.read(path: input)
            for skipped in read.skipped.prefix(10) { note("skipped \(skipped)") }
            if read.skipped.count > 10 { note("… and \(read.skipped.count - 10) more skipped lines") }
            labelled = read.orders
            note("read \(labelled.count) labelled orders from \(input)")
        } else {
            labelled = Self.simulatedHistory(orders: orders, seed: seed)
            note("simulated \(labelled.count) labelled orders (seed \(seed))")
        }
        let (accepted, notAccepted) = Self.throughIntake(labelled)
        if notAccepted > 0 { note("\(notAccepted) orders left out: intake would not accept them") }
        var config = FraudTrainingConfig()
        config.seed = seed
        config.estimator = estimator
        if let alwaysReviewAbove { config.alwaysReviewAbove = alwaysReviewAbove * 100 }
        if let targetRecall { config.targetRecall = targetRecall }
        let result = try FraudTrainer.train(accepted, config: config)
        let url = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(result.model.serialized()).write(to: url)
        return Outcome(result: result, notes: notes)
    }

    /// The simulator's orders with their fraud labels (every scenario, 5,000 orders a day).
    public static func simulatedHistory(orders: Int, seed: UInt64) -> [LabelledOrder] {
        let days = Double(orders) / 5_000
        let config = SimulationConfig(seed: seed, orders: orders, ordersPerDay: 5_000,
                                      scenarios: Scenario.all(from: SimulationConfig.defaultStart, days: days))
        return Simulation.run(config).compactMap { record in
            guard record.topic == SimRecord.Topic.ordersPlaced, let value = record.value,
                  let order = try? OrderPlaced(json: value) else { return nil }
            return LabelledOrder(order: order, isFraud: record.truth?["is_fraud"]?.boolValue ?? false)
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
                                          at: o.at, chargebackAt: o.chargebackAt))
        }
        return (accepted, notAccepted)
    }
}
