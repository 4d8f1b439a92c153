import DropflowContract
import Foundation

/// A trained fraud model: the feature list it expects, a logistic regression, its calibration,
/// the decision policy chosen at training, and what the training run measured.
///
/// ```swift
/// let model = try FraudModel.load(path: "fraud-model.json")
/// let history = tracker.history(for: signal, at: signal.at)
/// let score = model.score(FraudFeatures(order: order, history: history))
/// let decision = model.policy.decide(score, orderValue: signal.value)
/// ```
public struct FraudModel: Sendable {
    /// The `format` member of a model file.
    public static let formatName = "dropflow-fraud-model"
    /// The format version this build writes and reads.
    public static let formatVersion = 1

    /// Feature names, in vector order; always ``FraudFeature/names`` for a loaded model.
    public let featureNames: [String]
    public var logistic: LogisticModel
    public var calibration: PlattCalibration
    public var policy: FraudPolicy
    /// Seed, rows, metrics, ... of the training run (free-form JSON object).
    public var training: JSONValue

    public init(logistic: LogisticModel, calibration: PlattCalibration, policy: FraudPolicy, training: JSONValue = [:]) {
        precondition(logistic.weights.count == FraudFeature.allCases.count)
        featureNames = FraudFeature.names
        self.logistic = logistic
        self.calibration = calibration
        self.policy = policy
        self.training = training
    }

    /// The calibrated probability alone (no reasons); the fast path for evaluation.
    public func probability(_ features: FraudFeatures) -> Double {
        calibration.probability(logistic.logit(features.values))
    }

    /// Contributions smaller than this (in log-odds) are not worth a reviewer's attention.
    public static let minimumReasonWeight = 0.05

    /// Probability and the `maxReasons` features that moved it most (see ``FraudScore``). Only
    /// features present in the order (away from their ``FraudFeature/neutralValue``) and moving
    /// the log-odds by at least ``minimumReasonWeight`` are named.
    public func score(_ features: FraudFeatures, maxReasons: Int = 5) -> FraudScore {
        let x = features.values
        let all = FraudFeature.allCases
        var raw = logistic.intercept
        var contributions: [(index: Int, weight: Double)] = []
        contributions.reserveCapacity(x.count)
        for i in 0..<x.count {
            let c = logistic.weights[i] * (x[i] - logistic.mean[i]) / logistic.scale[i]
            raw += c
            if x[i] != all[i].neutralValue && abs(calibration.a * c) >= Self.minimumReasonWeight {
                contributions.append((i, calibration.a * c))
            }
        }
        contributions.sort { l, r in
            let lp = l.weight > 0, rp = r.weight > 0
            if lp != rp { return lp }
            if abs(l.weight) != abs(r.weight) { return abs(l.weight) > abs(r.weight) }
            return l.index < r.index
        }
        let facts = features.facts
        let reasons = contributions.prefix(maxReasons).map { c in
            FraudReason(code: all[c.index].rawValue, detail: all[c.index].phrase(facts: facts), weight: c.weight)
        }
        let logOdds = calibration.logOdds(raw)
        return FraudScore(probability: 1 / (1 + exp(-logOdds)), logOdds: logOdds, reasons: reasons)
    }

    /// Scores and decides in one step.
    public func decide(order: JSONValue, history: OrderHistory, maxReasons: Int = 5) -> FraudDecision {
        let score = score(FraudFeatures(order: order, history: history), maxReasons: maxReasons)
        let value = OrderSignal.orderValue(order, currency: order["currency"]?.stringValue)
        return policy.decide(score, orderValue: value)
    }

    // MARK: - The model file

    /// The model file: a JSON document with sorted keys.
    public func serialized() -> [UInt8] {
        let doc: JSONValue = [
            "format": .string(Self.formatName),
            "format_version": .integer(Int64(Self.formatVersion)),
            "model": "logistic_regression",
            "features": .array(featureNames.map(JSONValue.string)),
            "standardization": ["mean": .array(logistic.mean.map(JSONValue.double)),
                                "scale": .array(logistic.scale.map(JSONValue.double))],
            "weights": .array(logistic.weights.map(JSONValue.double)),
            "intercept": .double(logistic.intercept),
            "calibration": ["method": "platt", "a": .double(calibration.a), "b": .double(calibration.b)],
            "thresholds": policy.json,
            "training": training,
        ]
        var bytes = doc.serialized()
        bytes.append(0x0A)
        return bytes
    }

    /// Reads a model file; refuses another format, version or feature list.
    public static func load(bytes: [UInt8]) throws(FraudModelError) -> FraudModel {
        let doc: JSONValue
        do { doc = try JSONValue.parse(bytes) } catch { throw .notJSON(error.description) }
        guard doc["format"]?.stringValue == formatName else {
            throw .unsupportedFormat("format is not \"\(formatName)\"")
        }
        guard let version = doc["format_version"]?.intValue, version == formatVersion else {
            throw .unsupportedFormat("format_version \(doc["format_version"]?.description ?? "missing"), this build reads \(formatVersion)")
        }
        guard let names = doc["features"]?.arrayValue?.compactMap(\.stringValue) else { throw .malformed("no features") }
        guard names == FraudFeature.names else { throw .featureMismatch(expected: FraudFeature.names, found: names) }
        func numbers(_ v: JSONValue?, _ what: String) throws(FraudModelError) -> [Double] {
            guard let a = v?.arrayValue else { throw .malformed("no \(what)") }
            let d = a.compactMap(\.doubleValue)
            guard d.count == names.count else { throw .malformed("\(what) has \(d.count) numbers for \(names.count) features") }
            return d
        }
        let mean = try numbers(doc["standardization"]?["mean"], "standardization.mean")
        let scale = try numbers(doc["standardization"]?["scale"], "standardization.scale")
        guard scale.allSatisfy({ $0 > 0 }) else { throw .malformed("standardization.scale must be positive") }
        let weights = try numbers(doc["weights"], "weights")
        guard let intercept = doc["intercept"]?.doubleValue else { throw .malformed("no intercept") }
        guard doc["calibration"]?["method"]?.stringValue == "platt", let a = doc["calibration"]?["a"]?.doubleValue,
              let b = doc["calibration"]?["b"]?.doubleValue else { throw .malformed("calibration must be platt with a and b") }
        guard let thresholds = doc["thresholds"], let policy = FraudPolicy(json: thresholds) else {
            throw .malformed("thresholds need review_at <= decline_at")
        }
        return FraudModel(logistic: LogisticModel(mean: mean, scale: scale, weights: weights, intercept: intercept),
                          calibration: PlattCalibration(a: a, b: b), policy: policy, training: doc["training"] ?? [:])
    }

    /// Reads the model file at `path`.
    public static func load(path: String) throws(FraudModelError) -> FraudModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: "no such file or not readable")
        }
        return try load(bytes: [UInt8](data))
    }
}
