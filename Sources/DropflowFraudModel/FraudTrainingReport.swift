import DropflowContract

/// What a training run measured. Model and baseline metrics are on the held-out test split,
/// the last part of the history in time, which neither saw.
public struct FraudTrainingReport: Sendable {
    public var seed: UInt64
    public var trainRows: Int
    public var calibrationRows: Int
    public var testRows: Int
    /// Training rows actually fitted (after subsampling).
    public var fittedRows: Int
    /// The model at its chosen thresholds, on the calibration split and on the test split.
    public var validation: FraudMetrics
    public var test: FraudMetrics
    /// The rule baseline at its own point thresholds, on the test split.
    public var baseline: FraudMetrics
    public var policy: FraudPolicy

    /// A few lines for a terminal or a test log.
    public var text: String {
        """
        fraud model (seed \(seed)): train \(trainRows) rows (\(fittedRows) fitted), calibrate \(calibrationRows), test \(testRows)
          thresholds: review at p >= \(policy.reviewAt), decline at p >= \(policy.declineAt)
          model    (test): \(test.summary)
          baseline (test): \(baseline.summary)
          model    (calibration split): \(validation.summary)
        """
    }

    /// The report as JSON (stored in the model file's `training`).
    public var json: JSONValue {
        [
            "seed": .integer(Int64(bitPattern: seed)),
            "rows": ["train": .integer(Int64(trainRows)), "fitted": .integer(Int64(fittedRows)),
                     "calibration": .integer(Int64(calibrationRows)), "test": .integer(Int64(testRows))],
            "metrics": ["validation": validation.json, "test": test.json, "rule_baseline_test": baseline.json],
        ]
    }
}
