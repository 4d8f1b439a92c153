import DropflowCore
import DropflowJSON
import DropflowContract
import Foundation

/// A trained fraud model: the feature list it expects, a logistic regression or boosted trees,
/// its calibration, the decision policy chosen at training, and what the training run measured.
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
    public var estimator: FraudEstimator
    public var calibration: PlattCalibration
    public var policy: FraudPolicy
    /// Seed, rows, metrics, ... of the training run (free-form JSON object).
    public var training: JSONValue

    public init(estimator: FraudEstimator, calibration: PlattCalibration, policy: FraudPolicy, training: JSONValue = [:]) {
        if case .logistic(let m) = estimator { precondition(m.weights.count == FraudFeature.allCases.count) }
        featureNames = FraudFeature.names
        self.estimator = estimator
        self.calibration = calibration
        self.policy = policy
        self.training = training
    }

    /// The calibrated probability alone (no reasons); the fast path for evaluation.
    public func probability(_ features: FraudFeatures) -> Double {
        calibration.probability(estimator.logit(features.values))
    }

    /// Contributions smaller than this (in log-odds) are not worth a reviewer's attention.
    public static let minimumReasonWeight = 0.05

    /// Probability and the `maxReasons` features that moved it most (see ``FraudScore``). A
    /// feature is named only when it moved the log-odds by at least ``minimumReasonWeight`` and
    /// ``mayName(_:contribution:values:)`` allows it: never a reassuring fact as a risk. Which
    /// reasons are named never changes the probability.
    public func score(_ features: FraudFeatures, maxReasons: Int = 5) -> FraudScore {
        let x = features.values
        let all = FraudFeature.allCases
        let (bias, parts) = estimator.contributions(x)
        var raw = bias
        var contributions: [(index: Int, weight: Double)] = []
        for i in 0..<x.count {
            raw += parts[i]
            let c = calibration.a * parts[i]
            if abs(c) >= Self.minimumReasonWeight && Self.mayName(all[i], contribution: c, values: x) { contributions.append((i, c)) }
        }
        contributions.sort { l, r in
            let lp = l.weight > 0, rp = r.weight > 0
            if lp != rp { return lp }
            if abs(l.weight) != abs(r.weight) { return abs(l.weight) > abs(r.weight) }
            return l.index < r.index
        }
        let facts = features.facts
        let reasons = contributions.prefix(maxReasons).map { c in
            let feature = all[c.index]
            let detail = c.weight > 0 && feature.direction == .lowersRisk ? feature.riskFactPhrase(facts: facts) : feature.phrase(facts: facts)
            return FraudReason(code: feature.rawValue, detail: detail, weight: c.weight)
        }
        let logOdds = calibration.logOdds(raw)
        return FraudScore(probability: 1 / (1 + exp(-logOdds)), logOdds: logOdds, reasons: reasons)
    }

    /// Whether `feature`'s contribution (log-odds, positive raising the score) may be named as a
    /// reason for the order with feature vector `values`. Contributions are relative (to the
    /// average training order for the regression, to the tree's root for the trees), so a value
    /// that is merely less reassuring than average can show up as raising the score; the rule
    /// keeps such a value out of the reasons:
    ///
    /// - A ``FraudFeature/Direction/lowersRisk`` feature is named as raising the score only when
    ///   its value is below its ``FraudFeature/riskFactCut`` (an account younger than 30 days, no
    ///   previous orders), phrased as the risk it is ("account is only 3 days old"); as lowering
    ///   the score only at or above the cut ("account is 679 days old"). An account age that is
    ///   not known is never named (`account_age_unknown` speaks for it).
    /// - Any other feature is named only away from its ``FraudFeature/neutralValue`` (no mismatch,
    ///   no other orders, one line: nothing to mention).
    public static func mayName(_ feature: FraudFeature, contribution: Double, values: [Double]) -> Bool {
        let value = values[feature.index]
        guard feature.direction == .lowersRisk, let cut = feature.riskFactCut else { return value != feature.neutralValue }
        if feature == .accountAgeDaysLog && values[FraudFeature.accountAgeUnknown.index] != 0 { return false }
        return contribution > 0 ? value < cut : value >= cut
    }

    /// Scores and decides in one step; `computedValue` is intake's `order_value`, when known.
    public func decide(order: OrderPlaced, computedValue: String? = nil, history: OrderHistory,
                       maxReasons: Int = 5) -> FraudDecision {
        let score = score(FraudFeatures(order: order, computedValue: computedValue, history: history), maxReasons: maxReasons)
        return policy.decide(score, order: OrderEconomics(order: order, computedValue: computedValue), currency: order.currency)
    }

    /// The model for a storefront whose fraud rate is `rate` rather than that of the orders it
    /// was calibrated on (``PlattCalibration/shifted(toFraudRate:)``); nil when the model file
    /// does not say that rate, or `rate` is not between 0 and 1.
    public func shifted(toFraudRate rate: Double) -> FraudModel? {
        guard let shifted = calibration.shifted(toFraudRate: rate) else { return nil }
        var model = self
        model.calibration = shifted
        return model
    }

    // MARK: - The model file

    /// The `calibration` member: `method`, `a`, `b`, and `fraud_rate` when known.
    private var calibrationMembers: [String: JSONValue] {
        var members: [String: JSONValue] = ["method": "platt", "a": .double(calibration.a), "b": .double(calibration.b)]
        if let rate = calibration.fraudRate { members["fraud_rate"] = .double(rate) }
        return members
    }

    /// The model file: a JSON document with sorted keys.
    public func serialized() -> [UInt8] {
        var doc: [String: JSONValue] = [
            "format": .string(Self.formatName),
            "format_version": .integer(Int64(Self.formatVersion)),
            "model": .string(estimator.kind),
            "features": .array(featureNames.map(JSONValue.string)),
            "calibration": .object(calibrationMembers),
            "thresholds": policy.json,
            "training": training,
        ]
        for (k, v) in estimator.jsonMembers { doc[k] = v }
        var bytes = JSONValue.object(doc).serialized()
        bytes.append(0x0A)
        return bytes
    }

    /// Reads a model file; refuses another format or version, and features this build does not
    /// compute (a file trained before features were added loads without them).
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
        // A file from before features were added still loads: it reads the features it knows
        // by name and gives the others no weight. A feature this build no longer computes does not.
        let current = FraudFeature.names
        let positions = names.compactMap { name in current.firstIndex(of: name) }
        guard positions.count == names.count, Set(positions).count == names.count else {
            throw .featureMismatch(expected: current, found: names)
        }
        var estimator = try FraudEstimator.read(doc, featureCount: names.count)
        if names != current { estimator = estimator.remapped(to: positions, count: current.count) }
        guard doc["calibration"]?["method"]?.stringValue == "platt", let a = doc["calibration"]?["a"]?.doubleValue,  // model file format
              let b = doc["calibration"]?["b"]?.doubleValue else { throw .malformed("calibration must be platt with a and b") }
        guard let thresholds = doc["thresholds"], let policy = FraudPolicy(json: thresholds) else {
            throw .malformed("thresholds need review_at <= decline_at, and a known rule with its costs")
        }
        let fraudRate = doc["calibration"]?["fraud_rate"]?.doubleValue
        if let fraudRate, !(fraudRate > 0 && fraudRate < 1) { throw .malformed("calibration.fraud_rate must be between 0 and 1") }
        return FraudModel(estimator: estimator, calibration: PlattCalibration(a: a, b: b, fraudRate: fraudRate), policy: policy,
                          training: doc["training"] ?? [:])
    }

    /// Reads the model file at `path`.
    public static func load(path: String) throws(FraudModelError) -> FraudModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: "no such file or not readable")
        }
        return try load(bytes: [UInt8](data))
    }
}
