import DropflowCore
import DropflowJSON
import DropflowContract
import Testing
@testable import DropflowFraudModel

@Suite("Fraud model on simulated history")
struct FraudModelTests {
    @Test("the trained model beats the rule baseline on held-out orders")
    func beatsBaseline() {
        let report = SimulatedHistory.trained.report
        print(report.text)
        #expect(report.test.frauds > 50)
        #expect(report.test.prAUC >= report.baseline.prAUC)
        #expect(report.test.rocAUC >= report.baseline.rocAUC)
        #expect(report.test.rocAUC > 0.85)
        // Both estimators beat the baseline, not just the chosen one.
        #expect(report.candidates.map(\.kind) == ["logistic_regression", "gradient_boosted_trees"])
        for c in report.candidates {
            #expect(c.test.prAUC >= report.baseline.prAUC, "\(c.kind)")
            #expect(c.test.rocAUC >= report.baseline.rocAUC, "\(c.kind)")
        }
        let best = report.candidates.max { $0.validation.prAUC < $1.validation.prAUC }!
        #expect(report.kind == best.kind)
    }

    @Test("calibrated probabilities match the observed fraud rate on held-out orders")
    func calibration() {
        let test = SimulatedHistory.trained.report.test
        print("held-out mean predicted \(test.meanScore), observed \(test.fraudRate)")
        #expect(abs(test.meanScore - test.fraudRate) < 0.4 * test.fraudRate + 0.003)
        // Binned: the riskiest decile holds far more fraud than the rest, and its mean prediction is in range.
        let model = SimulatedHistory.trained.model
        let rows = SimulatedHistory.replay.rows.suffix(SimulatedHistory.trained.report.testRows)
        let scored = rows.map { (model.probability($0.features), $0.isFraud) }.sorted { $0.0 > $1.0 }
        let top = scored.prefix(scored.count / 10)
        let topPredicted = top.map(\.0).reduce(0, +) / Double(top.count)
        let topObserved = Double(top.filter(\.1).count) / Double(top.count)
        print("top decile mean predicted \(topPredicted), observed \(topObserved)")
        #expect(abs(topPredicted - topObserved) < 0.1)
        #expect(scored.allSatisfy { $0.0 >= 0 && $0.0 <= 1 })
    }

    @Test("thresholds are ordered and the policy follows them")
    func policy() {
        let model = SimulatedHistory.trained.model
        #expect(model.policy.rule == .expectedCost, "the trainer ships the expected-cost rule")
        #expect(model.policy.alwaysReviewAbove == nil, "expected costs weigh the value; no limit unless the merchant sets one")
        var p = model.policy
        p.rule = .thresholds
        p.alwaysReviewAbove = 150_000
        #expect(p.reviewAt > 0 && p.reviewAt <= p.declineAt && p.declineAt <= 1)
        let score = FraudScore(probability: p.reviewAt / 2, logOdds: 0, reasons: [])
        #expect(p.decide(score, orderValue: 1_000).action == .approve)
        let big = p.decide(score, orderValue: 150_001)
        #expect(big.action == .review)
        #expect(big.reasons.first?.code == "order_value_over_review_limit")
        #expect(p.action(probability: p.reviewAt) == .review)
        #expect(p.action(probability: max(p.declineAt, 0.999_999)) == .decline || p.declineAt == 1)
    }

    @Test("the model file round-trips and refuses another feature list")
    func modelFile() throws {
        let model = SimulatedHistory.trained.model
        let bytes = model.serialized()
        let loaded = try FraudModel.load(bytes: bytes)
        #expect(loaded.serialized() == bytes)
        let f = SimulatedHistory.replay.rows.last!.features
        #expect(loaded.probability(f) == model.probability(f))

        guard case .object(var doc) = try JSONValue.parse(bytes) else { Issue.record("not an object"); return }
        var names = FraudFeature.names
        names[0] = "avs_mismatch_v0"
        doc["features"] = .array(names.map(JSONValue.string))
        #expect(throws: FraudModelError.self) { try FraudModel.load(bytes: JSONValue.object(doc).serialized()) }
        do {
            _ = try FraudModel.load(bytes: JSONValue.object(doc).serialized())
        } catch {
            #expect(error.description.contains("avs_mismatch_v0") && error.description.contains("avs_no_match"))
        }
        doc["features"] = .array(FraudFeature.names.map(JSONValue.string))
        doc["format_version"] = 99
        #expect(throws: FraudModelError.self) { try FraudModel.load(bytes: JSONValue.object(doc).serialized()) }
        #expect(throws: FraudModelError.self) { try FraudModel.load(bytes: Array("not json".utf8)) }
    }

    @Test("a model file from before features were added loads, and gives them no weight")
    func olderFeatureList() throws {
        let orders = Array(SimulatedHistory.orders.prefix(6_000))
        var trees = GradientBoostedTrees.Parameters()
        trees.rounds = 10
        // A feature in the middle of the vector that training leaves out (catalogue-dependent),
        // so no tree splits on it and the older file is the same model without it.
        let dropped = FraudFeature.giftCards.index
        let rows = SimulatedHistory.replay.rows.prefix(300).map { row in
            var features = row.features
            features.values[dropped] = 0
            return features
        }
        for choice in [FraudTrainingConfig.EstimatorChoice.logistic, .trees] {
            var model = try FraudTrainer.train(orders, config: FraudTrainingConfig(estimator: choice, trees: trees)).model
            if case .logistic(var m) = model.estimator {
                m.weights[dropped] = 0
                model.estimator = .logistic(m)
            }
            if case .trees(let t) = model.estimator {
                #expect(!t.trees.contains { $0.feature.contains(dropped) }, "training leaves the feature out")
            }
            // The file as an older build wrote it: without the feature, the others in their order.
            guard case .object(var doc) = try JSONValue.parse(model.serialized()) else { Issue.record("not an object"); return }
            func without(_ member: JSONValue?) -> JSONValue? {
                member?.arrayValue.map { a in .array(a.enumerated().filter { $0.offset != dropped }.map(\.element)) }
            }
            doc["features"] = without(doc["features"])
            if choice == .logistic {
                doc["weights"] = without(doc["weights"])
                doc["standardization"] = ["mean": without(doc["standardization"]?["mean"])!,
                                          "scale": without(doc["standardization"]?["scale"])!]
            } else if case .object(var list) = doc["trees"], let all = list["trees"]?.arrayValue {
                // Feature positions in the older file's vector: those after the dropped one move up.
                list["trees"] = .array(all.map { tree in
                    guard case .object(var t) = tree, let f = t["feature"]?.arrayValue else { return tree }
                    t["feature"] = .array(f.map { v in
                        guard let i = v.intValue, i > dropped else { return v }
                        return .integer(Int64(i - 1))
                    })
                    return .object(t)
                })
                doc["trees"] = .object(list)
            }
            let older = try FraudModel.load(bytes: JSONValue.object(doc).serialized())
            #expect(older.featureNames == FraudFeature.names)
            for features in rows {
                #expect(abs(older.probability(features) - model.probability(features)) < 1e-12, "\(choice)")
            }
            var withNew = rows[0]
            withNew.values[dropped] = 1
            #expect(older.probability(withNew) == older.probability(rows[0]), "a feature the file never knew has no weight")
        }
    }

    @Test("told another fraud rate, the model moves every probability's odds by the same factor")
    func fraudRateShift() throws {
        let model = SimulatedHistory.trained.model
        let fitted = try #require(model.calibration.fraudRate)
        #expect(fitted > 0.005 && fitted < 0.2, "the calibration split's fraud rate: \(fitted)")
        let loaded = try FraudModel.load(bytes: model.serialized())
        #expect(loaded.calibration.fraudRate == fitted, "the model file keeps it")
        let doubled = try #require(model.shifted(toFraudRate: fitted * 2))
        func odds(_ p: Double) -> Double { p / (1 - p) }
        let factor = odds(fitted * 2) / odds(fitted)
        for row in SimulatedHistory.replay.rows.prefix(200) {
            let before = model.probability(row.features), after = doubled.probability(row.features)
            #expect(abs(odds(after) / odds(before) - factor) < 1e-6 * factor)
        }
        #expect(model.shifted(toFraudRate: fitted)!.calibration == model.calibration, "its own rate changes nothing")
        #expect(model.shifted(toFraudRate: 0) == nil && model.shifted(toFraudRate: 1) == nil)
        var unknown = model
        unknown.calibration.fraudRate = nil
        #expect(unknown.shifted(toFraudRate: 0.03) == nil, "a file that does not record its rate cannot be moved")
        guard case .object(var doc) = try JSONValue.parse(model.serialized()) else { return }
        doc["calibration"] = ["method": "platt", "a": 1, "b": 0, "fraud_rate": 1.5]
        #expect(throws: FraudModelError.self) { try FraudModel.load(bytes: JSONValue.object(doc).serialized()) }
    }

    @Test("explanations name the features that moved the score")
    func explanations() {
        let model = SimulatedHistory.trained.model
        var b = OrderBuilder()
        b.cardCountry = "NG"
        b.ipCountry = "NG"
        b.avs = "N"
        b.accountCreatedAt = b.placedAt - 300
        b.previousOrders = 0
        b.line2 = "Ste 100"
        b.line1 = "1200 Commerce Parkway"
        b.email = "xkqzvbtw4821@tempbox.example"
        var h = OrderHistory()
        h.address1h = 3
        h.addressCustomers24h = 3
        let risky = model.score(FraudFeatures(order: b.order, history: h), maxReasons: 6)
        let plain = model.score(FraudFeatures(order: OrderBuilder().order, history: OrderHistory()))
        print("risky p=\(risky.probability): " + risky.reasons.map { "\($0.code) \($0.weight): \($0.detail)" }.joined(separator: "; "))
        print("plain p=\(plain.probability): " + plain.reasons.map { "\($0.code) \($0.weight)" }.joined(separator: "; "))
        #expect(risky.probability > plain.probability)
        #expect(risky.probability > model.policy.reviewAt)
        #expect(risky.reasons.count == 6)
        #expect(risky.reasons.first!.weight > 0)
        let positives = risky.reasons.filter { $0.weight > 0 }
        #expect(positives == positives.sorted { $0.weight > $1.weight })
        let codes = Set(risky.reasons.map(\.code))
        #expect(!codes.isDisjoint(with: ["card_shipping_country_mismatch", "ip_shipping_country_mismatch", "avs_no_match",
                                         "reshipper_address", "disposable_email", "new_account", "address_orders_1h"]))
        #expect(risky.reasons.allSatisfy { !$0.detail.contains("?") && !$0.detail.contains("{") })
        let decision = model.decide(order: b.order, history: h)
        #expect(decision.action != .approve)
    }

    @Test("both kinds of model file round-trip; a broken tree is refused")
    func bothKinds() throws {
        let orders = Array(SimulatedHistory.orders.prefix(6_000))
        var trees = GradientBoostedTrees.Parameters()
        trees.rounds = 10
        for choice in [FraudTrainingConfig.EstimatorChoice.logistic, .trees] {
            let model = try FraudTrainer.train(orders, config: FraudTrainingConfig(estimator: choice, trees: trees)).model
            let loaded = try FraudModel.load(bytes: model.serialized())
            #expect(loaded.estimator == model.estimator)
            #expect(loaded.serialized() == model.serialized())
            // Contributions add up to the raw score, so explanations account for the whole score.
            for row in SimulatedHistory.replay.rows.prefix(200) {
                let (bias, parts) = model.estimator.contributions(row.features.values)
                #expect(abs(bias + parts.reduce(0, +) - model.estimator.logit(row.features.values)) < 1e-9)
            }
        }
        let model = try FraudTrainer.train(orders, config: FraudTrainingConfig(estimator: .trees, trees: trees)).model
        guard case .object(var doc) = try JSONValue.parse(model.serialized()) else { return }
        doc["trees"] = ["base": 0, "trees": [["feature": [0], "threshold": [0.5], "left": [0], "right": [0], "value": [0]]]]
        #expect(throws: FraudModelError.self) { try FraudModel.load(bytes: JSONValue.object(doc).serialized()) }
        doc["model"] = "neural_net"
        #expect(throws: FraudModelError.self) { try FraudModel.load(bytes: JSONValue.object(doc).serialized()) }
    }

    @Test("training is deterministic for a seed")
    func deterministic() throws {
        let orders = Array(SimulatedHistory.orders.prefix(9_000))
        let config = FraudTrainingConfig(seed: 42, maxTrainingRows: 3_000)
        let a = try FraudTrainer.train(orders, config: config).model.serialized()
        let b = try FraudTrainer.train(orders, config: config).model.serialized()
        #expect(a == b)
        let c = try FraudTrainer.train(orders, config: FraudTrainingConfig(seed: 43, maxTrainingRows: 3_000)).model.serialized()
        #expect(a != c)  // the seed picks which legitimate rows are subsampled
    }

    @Test("too little history is refused with a reason")
    func tooLittle() {
        let few = Array(SimulatedHistory.orders.prefix(20))
        #expect(throws: FraudTrainer.Failure.tooFewRows(20)) { try FraudTrainer.train(few) }
    }
}
