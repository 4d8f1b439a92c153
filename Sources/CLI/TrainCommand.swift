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
        The run is split by time (train 60 %, calibrate 20 %, test 20 %). The shipped policy
        decides by expected cost (chargeback fee, goods and shipping, margin and customer value
        lost, review cost, with a price per review that fits the reviewers' daily capacity).
        The report shows, on the held-out split and on a shifted world (another storefront),
        ROC AUC, PR AUC, the cost per order of the policy beside approve-all, a hand-written
        rule baseline and the flag-rate thresholds, recall by fraud pattern, the share of good
        orders held or declined, and a reliability table. Same input and --seed, same model file.
        """
    )

    @Option(help: "Labelled history (JSON Lines). Default: simulate.") var input: String?
    @Option(help: "Without --input: orders to simulate (all scenarios).") var orders: Int = 60_000
    @Option(help: "Seeds the simulation and the training.") var seed: UInt64 = 1
    @Option(help: "Where to write the model file.") var output: String = "models/fraud-model.json"
    @Option(help: "Model: best (chosen by PR AUC on the calibration split), logistic or trees.") var estimator: String = "best"
    @Option(help: "Order value (in the order's currency) above which an order always goes to review.") var alwaysReviewAbove: Double?
    @Option(help: "Recall the review threshold aims at on the calibration split.") var targetRecall: Double?
    @Option(help: "Orders of each check run (a fresh run of the original storefront, and a shifted world); 0 skips them.") var checkOrders: Int = 20_000
    @Option(help: "Fee per chargeback, in the orders' currency.") var chargebackFee: Double = FraudCosts().chargebackFee
    @Option(help: "Cost of a person looking at one order.") var reviewCost: Double = FraudCosts().reviewCost
    @Option(help: "Orders the reviewers can look at in a day.") var reviewsPerDay: Int = FraudCosts().reviewsPerDay
    @Option(help: "Future margin a good customer wrongly declined takes away.") var customerValueLost: Double = FraudCosts().customerValueLost
    @Option(help: "A model file (an earlier model, say) measured on the same check runs beside the new one.") var compareWith: String?

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
        training.checkOrders = checkOrders
        training.compareWith = compareWith
        training.costs.chargebackFee = chargebackFee
        training.costs.reviewCost = reviewCost
        training.costs.reviewsPerDay = reviewsPerDay
        training.costs.customerValueLost = customerValueLost
        let start = ContinuousClock.now
        let outcome = try training.run { print($0) }
        print(outcome.result.report.text)
        for check in outcome.checks { print(check.text(comparedLabel: compareWith)) }
        print(String(format: "wrote %@ in %.1f s", output, (ContinuousClock.now - start).inSeconds))
    }
}
