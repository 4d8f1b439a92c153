/// How the trainer splits, fits and picks thresholds.
public struct FraudTrainingConfig: Sendable, Hashable {
    /// Which estimators to fit.
    public enum EstimatorChoice: String, Sendable, Hashable {
        /// Both; keep the better PR AUC on the calibration split.
        case best
        case logistic
        case trees
    }

    public var estimator: EstimatorChoice
    /// Parameters of the boosted trees.
    public var trees: GradientBoostedTrees.Parameters
    /// Seeds every random choice (the subsampling of legitimate training rows).
    public var seed: UInt64
    /// Shares of the time-ordered rows for training and calibration; the rest is the held-out test.
    public var trainShare: Double
    public var calibrationShare: Double
    /// L2 penalty on the standardized weights.
    public var l2: Double
    /// Recall the review threshold aims for on the calibration split ...
    public var targetRecall: Double
    /// ... unless that would review or decline more than this share of orders.
    public var maxFlagRate: Double
    /// Precision the decline threshold needs on the calibration split (else nothing is declined).
    public var declinePrecision: Double
    /// Orders above this value (minor units) are always reviewed; nil for no limit.
    public var alwaysReviewAbove: Double?
    /// At most this many training rows: all frauds are kept, legitimate rows are subsampled
    /// (with the seed) and re-weighted. nil keeps every row.
    public var maxTrainingRows: Int?
    /// The velocity tracker's horizon in seconds.
    public var horizonSeconds: Int64
    /// How the shipped policy decides: by expected cost (the default) or by the flag-rate thresholds.
    public var rule: FraudPolicy.Rule = .expectedCost
    /// The merchant's costs, for the expected-cost rule and for the report's cost per order.
    public var costs = FraudCosts()
    /// Features the estimators may not use (their columns are zero in the fit, so they move no
    /// score and are never named as a reason).
    public var excludedFeatures: Set<FraudFeature> = FraudTrainingConfig.catalogueDependent

    public init(estimator: EstimatorChoice = .best, trees: GradientBoostedTrees.Parameters = .init(), seed: UInt64 = 1, trainShare: Double = 0.6, calibrationShare: Double = 0.2, l2: Double = 1e-2,
                targetRecall: Double = 0.9, maxFlagRate: Double = 0.05, declinePrecision: Double = 0.9,
                alwaysReviewAbove: Double? = nil, maxTrainingRows: Int? = nil, horizonSeconds: Int64 = 30 * 86_400) {
        precondition(trainShare > 0 && calibrationShare > 0 && trainShare + calibrationShare < 1)
        self.estimator = estimator
        self.trees = trees
        self.seed = seed
        self.trainShare = trainShare
        self.calibrationShare = calibrationShare
        self.l2 = l2
        self.targetRecall = targetRecall
        self.maxFlagRate = maxFlagRate
        self.declinePrecision = declinePrecision
        self.alwaysReviewAbove = alwaysReviewAbove
        self.maxTrainingRows = maxTrainingRows
        self.horizonSeconds = horizonSeconds
    }
}

extension FraudTrainingConfig {
    /// Features whose meaning depends on the merchant's catalogue rather than on the buyer:
    /// the absolute order value (a price level), the share of value in "easily resold"
    /// categories and gift cards (a category mix). A model that leans on them learns one
    /// storefront's prices and assortment: in a storefront where electronics worth 100–300 is the
    /// everyday basket it holds ordinary orders. The value still weighs in the decision, through
    /// the expected costs; the order's value against the customer's own average stays a feature.
    public static let catalogueDependent: Set<FraudFeature> = [.orderValueLog, .riskyCategoryShare, .giftCards]
}
