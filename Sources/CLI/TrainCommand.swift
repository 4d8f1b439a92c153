import DropflowCore
import DropflowJSON
import ArgumentParser
import DropflowContract
import DropflowFraudModel
import DropflowSimulator
import DropflowStages
import Foundation

struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a stage's model from labelled history.",
        subcommands: [TrainFraudCommand.self]
    )
}

struct TrainFraudCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fraud",
        abstract: "Train the fraud model and print its held-out metrics against a rule baseline.",
        discussion: """
        Labelled history comes from --input (JSON Lines: the simulator's output, or a merchant
        export with one {"order": <orders.placed value>, "is_fraud": true|false} per line; see
        Sources/DropflowFraudModel/README.md), or, without --input, from a simulated run of
        --orders orders. Orders go through intake first (normalized, with their order value), as the stage sees them.
        The run is split by time (train 60 %, calibrate 20 %, test 20 %); the report shows ROC
        AUC, PR AUC, and recall and approval rate at the chosen thresholds, for the model and a
        hand-written rule baseline. Same input and --seed, same model file.
        """
    )

    @Option(help: "Labelled history (JSON Lines). Default: simulate.")
    var input: String?

    @Option(help: "Without --input: orders to simulate (all scenarios).")
    var orders: Int = 60_000

    @Option(help: "Seeds the simulation and the training.")
    var seed: UInt64 = 1

    @Option(help: "Where to write the model file.")
    var output: String = "models/fraud-model.json"

    @Option(help: "Model: best (chosen by PR AUC on the calibration split), logistic or trees.")
    var estimator: String = "best"

    @Option(help: "Order value (in the order's currency) above which an order always goes to review.")
    var alwaysReviewAbove: Double?

    @Option(help: "Recall the review threshold aims at on the calibration split.")
    var targetRecall: Double?

    func run() async throws {
        let start = ContinuousClock.now
        let labelled: [LabelledOrder]
        if let input {
            let read = try LabelledOrderReader.read(path: input)
            for skipped in read.skipped.prefix(10) { print("skipped \(skipped)") }
            if read.skipped.count > 10 { print("… and \(read.skipped.count - 10) more skipped lines") }
            labelled = read.orders
            print("read \(labelled.count) labelled orders from \(input)")
        } else {
            let days = Double(orders) / 5_000
            let config = SimulationConfig(seed: seed, orders: orders, ordersPerDay: 5_000,
                                          scenarios: Scenario.all(from: SimulationConfig.defaultStart, days: days))
            labelled = Simulation.run(config).compactMap { record in
                guard record.topic == SimRecord.Topic.ordersPlaced, let value = record.value else { return nil }
                return LabelledOrder(order: value, isFraud: record.truth?["is_fraud"]?.boolValue ?? false)
            }
            print("simulated \(labelled.count) labelled orders (seed \(seed))")
        }
        // Through intake, as the fraud stage will see them (normalized, with their order value).
        let intake = IntakeDecider(policy: IntakePolicy())
        var normalized: [LabelledOrder] = []
        var notAccepted = 0
        for var o in labelled {
            guard case .accept(let order, _, _) = intake.decide(o.order.serialized(), seenFingerprint: { _ in nil }, isOffered: nil) else {
                notAccepted += 1
                continue
            }
            o.order = order
            normalized.append(o)
        }
        if notAccepted > 0 { print("\(notAccepted) orders left out: intake would not accept them") }
        var config = FraudTrainingConfig()
        config.seed = seed
        guard let choice = FraudTrainingConfig.EstimatorChoice(rawValue: estimator) else {
            throw ValidationError("--estimator must be best, logistic or trees")
        }
        config.estimator = choice
        if let alwaysReviewAbove { config.alwaysReviewAbove = alwaysReviewAbove * 100 }
        if let targetRecall { config.targetRecall = targetRecall }
        let result = try FraudTrainer.train(normalized, config: config)
        let url = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(result.model.serialized()).write(to: url)
        print(result.report.text)
        print(String(format: "wrote %@ in %.1f s", output, (ContinuousClock.now - start).inSeconds))
    }
}
