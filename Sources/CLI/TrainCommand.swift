import ArgumentParser
import DropflowFraudModel
import DropflowTraining
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
        Sources/Stages/Fraud/Model/README.md), or, without --input, from a simulated run of
        --orders orders. Orders go through intake first (normalized, with their order value), as the stage sees them.
        The run is split by time (train 60 %, calibrate 20 %, test 20 %); the report shows ROC
        AUC, PR AUC, and recall and approval rate at the chosen thresholds, for the model and a
        hand-written rule baseline. Same input and --seed, same model file.
        """
    )

    @Option(help: "Labelled history (JSON Lines). Default: simulate.") var input: String?
    @Option(help: "Without --input: orders to simulate (all scenarios).") var orders: Int = 60_000
    @Option(help: "Seeds the simulation and the training.") var seed: UInt64 = 1
    @Option(help: "Where to write the model file.") var output: String = "models/fraud-model.json"
    @Option(help: "Model: best (chosen by PR AUC on the calibration split), logistic or trees.") var estimator: String = "best"
    @Option(help: "Order value (in the order's currency) above which an order always goes to review.") var alwaysReviewAbove: Double?
    @Option(help: "Recall the review threshold aims at on the calibration split.") var targetRecall: Double?

    func run() async throws {
        guard let choice = FraudTrainingConfig.EstimatorChoice(rawValue: estimator) else {
            throw ValidationError("--estimator must be best, logistic or trees")
        }
        var training = FraudTraining()
        training.input = input
        training.orders = orders
        training.seed = seed
        training.output = output
        training.estimator = choice
        training.alwaysReviewAbove = alwaysReviewAbove
        training.targetRecall = targetRecall
        let start = ContinuousClock.now
        let outcome = try training.run { print($0) }
        print(outcome.result.report.text)
        print(String(format: "wrote %@ in %.1f s", output, (ContinuousClock.now - start).inSeconds))
    }
}
