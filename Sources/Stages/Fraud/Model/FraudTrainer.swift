import DropflowCore
import DropflowJSON
import DropflowContract

/// Trains a ``FraudModel`` from labelled history.
///
/// The orders are replayed in time order through a velocity tracker (``FeatureReplay``), so
/// history features are what the stage computes at scoring time. The rows are then split by
/// time: the first 60 % train a class-weighted logistic regression and boosted trees, the next
/// 20 % calibrate each (Platt), choose its thresholds and pick the one with the better PR AUC,
/// the last 20 % are held out for the report, where the rule baseline is measured too. Same
/// input and seed, same model bytes.
public enum FraudTrainer {
    /// Why training could not run.
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        case tooFewRows(Int)
        case needBothClasses(split: String)

        public var description: String {
            switch self {
            case .tooFewRows(let n): return "need at least 50 labelled orders to train, got \(n)"
            case .needBothClasses(let split): return "the \(split) split needs both fraud and legitimate orders"
            }
        }
    }

    /// A trained model and its report.
    public struct Result: Sendable {
        public var model: FraudModel
        public var report: FraudTrainingReport
    }

    /// Trains on `orders` (any order; sorted by time here).
    public static func train(_ orders: [LabelledOrder], config: FraudTrainingConfig = FraudTrainingConfig()) throws(Failure) -> Result {
        try train(replay: FeatureReplay(orders, horizonSeconds: config.horizonSeconds), config: config)
    }

    /// Trains on already replayed rows (lets callers replay once and train several times).
    public static func train(replay: FeatureReplay, config: FraudTrainingConfig = FraudTrainingConfig()) throws(Failure) -> Result {
        let rows = replay.rows
        guard rows.count >= 50 else { throw .tooFewRows(rows.count) }
        let trainEnd = Int(Double(rows.count) * config.trainShare)
        let calibrationEnd = Int(Double(rows.count) * (config.trainShare + config.calibrationShare))
        let train = rows[0..<trainEnd]
        let calibration = rows[trainEnd..<calibrationEnd]
        let test = rows[calibrationEnd...]
        for (name, split) in [("training", train), ("calibration", calibration), ("test", test)] {
            guard split.contains(where: \.isFraud), split.contains(where: { !$0.isFraud }) else {
                throw .needBothClasses(split: name)
            }
        }

        // Subsample legitimate rows if asked, keeping every fraud; weights restore the balance.
        var rng = SplitMix64(seed: config.seed)
        var fitted = Array(train)
        var legitKeep = 1.0
        if let cap = config.maxTrainingRows, fitted.count > cap {
            let frauds = fitted.filter(\.isFraud).count
            let legit = fitted.count - frauds
            legitKeep = max(0.01, Double(max(cap - frauds, 1)) / Double(legit))
            fitted = fitted.filter { $0.isFraud || rng.unit() < legitKeep }
        }
        let positives = fitted.filter(\.isFraud).count
        let negatives = fitted.count - positives
        // Balanced classes for the fit; calibration restores the real base rate.
        let positiveWeight = Double(negatives) / Double(max(positives, 1))
        let fittedRows = fitted.map(\.features.values)
        let fittedLabels = fitted.map(\.isFraud)
        var estimators: [FraudEstimator] = []
        if config.estimator != .trees {
            estimators.append(.logistic(LogisticModel.fit(rows: fittedRows, labels: fittedLabels, l2: config.l2,
                                                          positiveWeight: positiveWeight)))
        }
        if config.estimator != .logistic {
            estimators.append(.trees(GradientBoostedTrees.fit(rows: fittedRows, labels: fittedLabels, positiveWeight: positiveWeight,
                                                              parameters: config.trees)))
        }

        // Calibrate each candidate, choose its thresholds on the calibration split, measure it.
        let calibrationLabels = calibration.map(\.isFraud)
        let testLabels = test.map(\.isFraud)
        var candidates: [(estimator: FraudEstimator, platt: PlattCalibration, policy: FraudPolicy, report: FraudTrainingReport.Candidate)] = []
        for estimator in estimators {
            let calibrationRaw = calibration.map { estimator.logit($0.features.values) }
            let platt = PlattCalibration.fit(scores: calibrationRaw, labels: calibrationLabels)
            let calibrationScores = calibrationRaw.map(platt.probability)
            let (reviewAt, declineAt) = thresholds(scores: calibrationScores, labels: calibrationLabels, config: config)
            let policy = FraudPolicy(reviewAt: reviewAt, declineAt: declineAt, alwaysReviewAbove: config.alwaysReviewAbove)
            let testScores = test.map { platt.probability(estimator.logit($0.features.values)) }
            candidates.append((estimator, platt, policy, FraudTrainingReport.Candidate(
                kind: estimator.kind,
                flagRateForTargetRecall: flagRate(forRecall: config.targetRecall, scores: calibrationScores, labels: calibrationLabels),
                validation: FraudMetrics.evaluate(scores: calibrationScores, labels: calibrationLabels, reviewAt: reviewAt,
                                                  declineAt: declineAt),
                test: FraudMetrics.evaluate(scores: testScores, labels: testLabels, reviewAt: reviewAt, declineAt: declineAt))))
        }
        // The default: the best PR AUC on the calibration split (the test split stays unseen);
        // the first (logistic) wins a tie.
        var chosen = 0
        for i in candidates.indices where candidates[i].report.validation.prAUC > candidates[chosen].report.validation.prAUC {
            chosen = i
        }
        let winner = candidates[chosen]
        let baselineRules = RuleBaseline()
        let baselineScores = test.map { baselineRules.points($0.features) }
        let report = FraudTrainingReport(
            seed: config.seed, trainRows: train.count, calibrationRows: calibration.count, testRows: test.count,
            fittedRows: fitted.count, kind: winner.estimator.kind,
            validation: winner.report.validation, test: winner.report.test,
            baseline: FraudMetrics.evaluate(scores: baselineScores, labels: testLabels, reviewAt: baselineRules.reviewAt,
                                            declineAt: baselineRules.declineAt),
            policy: winner.policy, candidates: candidates.map(\.report))
        var training = report.json
        if case .object(var o) = training {
            o["l2"] = .double(config.l2)
            o["trees"] = ["rounds": .integer(Int64(config.trees.rounds)), "max_depth": .integer(Int64(config.trees.maxDepth)),
                          "learning_rate": .double(config.trees.learningRate), "lambda": .double(config.trees.lambda),
                          "min_child_weight": .double(config.trees.minChildWeight), "bins": .integer(Int64(config.trees.bins))]
            o["target_recall"] = .double(config.targetRecall)
            o["max_flag_rate"] = .double(config.maxFlagRate)
            o["decline_precision_target"] = .double(config.declinePrecision)
            o["split"] = ["train": .double(config.trainShare), "calibration": .double(config.calibrationShare)]
            o["first_order_at"] = .string(DateTimeFormat.format(epochSeconds: rows.first!.at))
            o["last_order_at"] = .string(DateTimeFormat.format(epochSeconds: rows.last!.at))
            training = .object(o)
        }
        let model = FraudModel(estimator: winner.estimator, calibration: winner.platt, policy: winner.policy, training: training)
        return Result(model: model, report: report)
    }

    /// The share of orders that must be reviewed or declined to catch `recall` of the fraud.
    static func flagRate(forRecall recall: Double, scores: [Double], labels: [Bool]) -> Double {
        let positives = labels.filter { $0 }.count
        guard positives > 0, !scores.isEmpty else { return 0 }
        var caught = 0, seen = 0
        for g in FraudMetrics.tiedGroups(scores: scores, labels: labels) {
            caught += g.positives
            seen += g.positives + g.negatives
            if Double(caught) >= recall * Double(positives) { break }
        }
        return Double(seen) / Double(scores.count)
    }

    /// Review threshold: the highest score that still reviews `targetRecall` of the fraud, but
    /// flagging no more than `maxFlagRate` of orders. Decline threshold: the lowest score above
    /// which at least `declinePrecision` of orders (and at least 5) are fraud; 1 when there is none.
    static func thresholds(scores: [Double], labels: [Bool], config: FraudTrainingConfig) -> (Double, Double) {
        let groups = FraudMetrics.tiedGroups(scores: scores, labels: labels)
        let positives = labels.filter { $0 }.count
        let cap = Int(config.maxFlagRate * Double(scores.count))
        var reviewAt = groups.first?.score ?? 1
        var caught = 0, seen = 0
        for g in groups {
            if seen + g.positives + g.negatives > cap { break }
            caught += g.positives
            seen += g.positives + g.negatives
            reviewAt = g.score
            if Double(caught) >= config.targetRecall * Double(positives) { break }
        }
        var declineAt = 1.0
        caught = 0; seen = 0
        for g in groups {
            caught += g.positives
            seen += g.positives + g.negatives
            if caught >= 5, Double(caught) / Double(seen) >= config.declinePrecision { declineAt = g.score }
        }
        return (reviewAt, max(declineAt, reviewAt))
    }
}
