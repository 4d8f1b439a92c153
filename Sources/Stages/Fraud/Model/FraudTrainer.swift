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

    /// Trains on the labelled histories of several storefronts at once. Each is replayed on its
    /// own (their customers, cards and addresses are unrelated) and split by its own time; the
    /// splits are then put together, so every storefront is in training, calibration and test.
    public static func train(storefronts: [[LabelledOrder]], config: FraudTrainingConfig = FraudTrainingConfig()) throws(Failure) -> Result {
        try train(replays: storefronts.map { FeatureReplay($0, horizonSeconds: config.horizonSeconds) }, config: config)
    }

    /// Trains on already replayed rows (lets callers replay once and train several times).
    public static func train(replay: FeatureReplay, config: FraudTrainingConfig = FraudTrainingConfig()) throws(Failure) -> Result {
        try train(replays: [replay], config: config)
    }

    /// Trains on the replayed rows of one or more storefronts.
    public static func train(replays: [FeatureReplay], config: FraudTrainingConfig = FraudTrainingConfig()) throws(Failure) -> Result {
        let total = replays.reduce(0) { $0 + $1.rows.count }
        guard total >= 50 else { throw .tooFewRows(total) }
        var train: [FeatureReplay.Row] = [], calibration: [FeatureReplay.Row] = [], test: [FeatureReplay.Row] = []
        // Days each split covers, summed over the storefronts (reviews a day are per storefront-day).
        var calibrationDays = 0.0, testDays = 0.0
        func span(_ rows: ArraySlice<FeatureReplay.Row>) -> Double {
            guard let first = rows.first, let last = rows.last else { return 0 }
            return max(Double(last.at - first.at) / 86_400, 1.0 / 24)
        }
        for replay in replays {
            let rows = replay.rows
            let trainEnd = Int(Double(rows.count) * config.trainShare)
            let calibrationEnd = Int(Double(rows.count) * (config.trainShare + config.calibrationShare))
            train += rows[0..<trainEnd]
            calibration += rows[trainEnd..<calibrationEnd]
            test += rows[calibrationEnd...]
            calibrationDays += span(rows[trainEnd..<calibrationEnd])
            testDays += span(rows[calibrationEnd...])
        }
        for (name, split) in [("training", train), ("calibration", calibration), ("test", test)] {
            guard split.contains(where: \.isFraud), split.contains(where: { !$0.isFraud }) else {
                throw .needBothClasses(split: name)
            }
        }
        let firstAt = replays.compactMap { $0.rows.first?.at }.min()!
        let lastAt = replays.compactMap { $0.rows.last?.at }.max()!

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
        let excluded = config.excludedFeatures.map(\.index)
        let fittedRows = fitted.map { row in
            var values = row.features.values
            for i in excluded { values[i] = 0 }
            return values
        }
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
        var candidates: [(estimator: FraudEstimator, platt: PlattCalibration, policy: FraudPolicy, calibrationScores: [Double],
                          report: FraudTrainingReport.Candidate)] = []
        for estimator in estimators {
            let calibrationRaw = calibration.map { estimator.logit($0.features.values) }
            let platt = PlattCalibration.fit(scores: calibrationRaw, labels: calibrationLabels)
            let calibrationScores = calibrationRaw.map(platt.probability)
            let (reviewAt, declineAt) = thresholds(scores: calibrationScores, labels: calibrationLabels, config: config)
            let policy = FraudPolicy(reviewAt: reviewAt, declineAt: declineAt, alwaysReviewAbove: config.alwaysReviewAbove)
            let testScores = test.map { platt.probability(estimator.logit($0.features.values)) }
            candidates.append((estimator, platt, policy, calibrationScores, FraudTrainingReport.Candidate(
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
        var policy = winner.policy
        var shadowPrice = 0.0
        if config.rule == .expectedCost {
            shadowPrice = reviewShadowPrice(probabilities: winner.calibrationScores, rows: calibration, days: calibrationDays,
                                            costs: config.costs, alwaysReviewAbove: config.alwaysReviewAbove)
            policy = FraudPolicy(costs: config.costs, reviewShadowPrice: shadowPrice, reviewAt: winner.policy.reviewAt,
                                 declineAt: winner.policy.declineAt, alwaysReviewAbove: config.alwaysReviewAbove)
        }
        var model = FraudModel(estimator: winner.estimator, calibration: winner.platt, policy: policy, training: [:])
        let calibrationOutcome = PolicyOutcome(name: "calibration split", policy: policy, probabilities: winner.calibrationScores,
                                               rows: calibration, days: calibrationDays)
        let evaluation = FraudEvaluation(name: "held-out test split", model: model, rows: test, days: testDays)
        let baselineRules = RuleBaseline()
        let baselineScores = test.map { baselineRules.points($0.features) }
        let report = FraudTrainingReport(
            seed: config.seed, trainRows: train.count, calibrationRows: calibration.count, testRows: test.count,
            fittedRows: fitted.count, kind: winner.estimator.kind,
            validation: winner.report.validation, test: winner.report.test,
            baseline: FraudMetrics.evaluate(scores: baselineScores, labels: testLabels, reviewAt: baselineRules.reviewAt,
                                            declineAt: baselineRules.declineAt),
            policy: policy, candidates: candidates.map(\.report), reviewShadowPrice: shadowPrice,
            calibrationReviewsPerDay: calibrationOutcome.reviewsPerDay, evaluation: evaluation)
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
            o["first_order_at"] = .string(DateTimeFormat.format(epochSeconds: firstAt))
            o["last_order_at"] = .string(DateTimeFormat.format(epochSeconds: lastAt))
            o["storefronts"] = .integer(Int64(replays.count))
            o["excluded_features"] = .array(config.excludedFeatures.map(\.rawValue).sorted().map(JSONValue.string))
            training = .object(o)
        }
        model.training = training
        return Result(model: model, report: report)
    }

    /// The review shadow price: 0 when the expected-cost rule asks for no more reviews a day than
    /// the reviewers can do on `rows` (the calibration split, replayed in time order); otherwise
    /// the least price per review (found by bisection, to a cent) that brings the reviews a day
    /// within ``FraudCosts/reviewsPerDay``. Reviews only fall as the price rises, so the search is
    /// well defined.
    static func reviewShadowPrice(probabilities: [Double], rows: some Collection<FeatureReplay.Row>, days: Double? = nil,
                                  costs: FraudCosts, alwaysReviewAbove: Double?) -> Double {
        func reviewsPerDay(_ price: Double) -> Double {
            let policy = FraudPolicy(costs: costs, reviewShadowPrice: price, alwaysReviewAbove: alwaysReviewAbove)
            return PolicyOutcome(name: "", policy: policy, probabilities: probabilities, rows: rows, days: days).reviewsPerDay
        }
        let capacity = Double(costs.reviewsPerDay)
        guard reviewsPerDay(0) > capacity else { return 0 }
        var low = 0.0, high = 1.0
        while reviewsPerDay(high) > capacity && high < 1e7 { high *= 4 }
        while high - low > 0.01 {
            let mid = (low + high) / 2
            if reviewsPerDay(mid) > capacity { low = mid } else { high = mid }
        }
        return (high * 100).rounded(.up) / 100
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
