import DropflowCore
import DropflowJSON
import DropflowContract

/// What a training run measured. Model and baseline metrics are on the held-out test split,
/// the last part of the history in time, which neither saw.
public struct FraudTrainingReport: Sendable {
    /// One estimator the trainer fitted, at its own thresholds.
    public struct Candidate: Sendable, Hashable {
        /// `logistic_regression` or `gradient_boosted_trees`.
        public var kind: String
        /// Share of orders to review or decline on the calibration split to reach the target
        /// recall (when above the configured maximum, the review threshold sits at the maximum).
        public var flagRateForTargetRecall: Double
        public var validation: FraudMetrics
        public var test: FraudMetrics
    }

    public var seed: UInt64
    public var trainRows: Int
    public var calibrationRows: Int
    public var testRows: Int
    /// Training rows actually fitted (after subsampling).
    public var fittedRows: Int
    /// The estimator chosen as the model.
    public var kind: String
    /// The model at its chosen thresholds, on the calibration split and on the test split.
    public var validation: FraudMetrics
    public var test: FraudMetrics
    /// The rule baseline at its own point thresholds, on the test split.
    public var baseline: FraudMetrics
    public var policy: FraudPolicy
    /// Every estimator fitted, the chosen one included.
    public var candidates: [Candidate]
    /// The price per review that fits the reviews into the daily capacity (0 when they fit).
    public var reviewShadowPrice: Double
    /// Reviews a day the shipped policy asked for on the calibration split.
    public var calibrationReviewsPerDay: Double
    /// The shipped model and its policy on the held-out test split, beside approve-all, the rule
    /// baseline and the flag-rate thresholds: costs, recall by pattern, good orders held,
    /// reliability.
    public var evaluation: FraudEvaluation

    public init(seed: UInt64, trainRows: Int, calibrationRows: Int, testRows: Int, fittedRows: Int, kind: String,
                validation: FraudMetrics, test: FraudMetrics, baseline: FraudMetrics, policy: FraudPolicy, candidates: [Candidate],
                reviewShadowPrice: Double, calibrationReviewsPerDay: Double, evaluation: FraudEvaluation) {
        self.seed = seed
        self.trainRows = trainRows
        self.calibrationRows = calibrationRows
        self.testRows = testRows
        self.fittedRows = fittedRows
        self.kind = kind
        self.validation = validation
        self.test = test
        self.baseline = baseline
        self.policy = policy
        self.candidates = candidates
        self.reviewShadowPrice = reviewShadowPrice
        self.calibrationReviewsPerDay = calibrationReviewsPerDay
        self.evaluation = evaluation
    }

    /// How the shipped policy decides, in a line.
    public var policyLine: String {
        switch policy.rule {
        case .thresholds:
            return "policy: thresholds, review at p >= \(policy.reviewAt), decline at p >= \(policy.declineAt)"
        case .expectedCost:
            let c = policy.costs
            return "policy: expected cost (chargeback fee \(PolicyOutcome.fixed(c.chargebackFee, 2)), shipping \(PolicyOutcome.fixed(c.shippingCost, 2)), "
                + "customer value lost \(PolicyOutcome.fixed(c.customerValueLost, 2)), review \(PolicyOutcome.fixed(c.reviewCost, 2)) + shadow price "
                + "\(PolicyOutcome.fixed(reviewShadowPrice, 2)) for \(c.reviewsPerDay) reviews a day (calibration split: "
                + "\(PolicyOutcome.fixed(calibrationReviewsPerDay, 0)) a day), no decline below p \(c.minimumDeclineProbability))"
        }
    }

    /// A few lines for a terminal or a test log.
    public var text: String {
        """
        fraud model (seed \(seed)): train \(trainRows) rows (\(fittedRows) fitted), calibrate \(calibrationRows), test \(testRows)
          chosen: \(kind) (best PR AUC on the calibration split)
          \(policyLine)
          flag-rate thresholds: review at p >= \(policy.reviewAt), decline at p >= \(policy.declineAt)
          model at the flag-rate thresholds (test): \(test.summary)
          rule baseline (test): \(baseline.summary)
          model    (calibration split): \(validation.summary)
        """ + candidates.map {
            "\n  candidate \($0.kind) (test): \($0.test.summary)"
                + "\n    (target recall on the calibration split would flag \((($0.flagRateForTargetRecall * 1_000).rounded() / 10))% of orders)"
        }.joined() + "\n" + evaluation.text
    }

    /// The report as JSON (stored in the model file's `training`).
    public var json: JSONValue {
        [
            "seed": .integer(Int64(bitPattern: seed)),
            "rows": ["train": .integer(Int64(trainRows)), "fitted": .integer(Int64(fittedRows)),
                     "calibration": .integer(Int64(calibrationRows)), "test": .integer(Int64(testRows))],
            "model": .string(kind),
            "metrics": ["validation": validation.json, "test": test.json, "rule_baseline_test": baseline.json],
            "candidates": .array(candidates.map { ["kind": .string($0.kind), "validation": $0.validation.json, "test": $0.test.json,
                                                     "flag_rate_for_target_recall": .double(($0.flagRateForTargetRecall * 1e6).rounded() / 1e6)] }),
            "review_shadow_price": .double(reviewShadowPrice),
            "calibration_reviews_per_day": .double((calibrationReviewsPerDay * 100).rounded() / 100),
            "evaluation": evaluation.json,
        ]
    }
}
