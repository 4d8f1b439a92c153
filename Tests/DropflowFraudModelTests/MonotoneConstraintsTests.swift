import DropflowCore
import DropflowJSON
import DropflowContract
import Foundation
import Testing
@testable import DropflowFraudModel

/// Synthetic rows where the data contradict the known directions: feature 0 (say, log account
/// age; constrained -1) makes fraud *more* likely, feature 1 (say, a velocity count; +1) *less*
/// likely, feature 2 (free) less likely, feature 3 (+1) more likely, with an interaction of 0 and 2.
enum ContraryData {
    static let monotone = [-1, 1, 0, 1]

    static func make(seed: UInt64 = 7, count: Int = 4_000) -> (rows: [[Double]], labels: [Bool]) {
        var rng = SplitMix64(seed: seed)
        var rows: [[Double]] = []
        var labels: [Bool] = []
        for _ in 0..<count {
            let x0 = 6 * rng.unit(), x1 = 3 * rng.unit(), x2: Double = rng.unit() < 0.4 ? 1 : 0, x3 = rng.unit()
            let logit = -2 + 0.9 * x0 - 1.2 * x1 - 3 * x2 + 2 * x3 + 0.6 * x0 * x2
            rows.append([x0, x1, x2, x3])
            labels.append(rng.unit() < 1 / (1 + exp(-logit)))
        }
        return (rows, labels)
    }

    static func positiveWeight(_ labels: [Bool]) -> Double {
        let positives = labels.filter { $0 }.count
        return Double(labels.count - positives) / Double(positives)
    }

    static func trees(monotone: [Int]) -> GradientBoostedTrees {
        let (rows, labels) = make()
        var p = GradientBoostedTrees.Parameters()
        p.rounds = 40
        p.monotone = monotone
        return GradientBoostedTrees.fit(rows: rows, labels: labels, positiveWeight: positiveWeight(labels), parameters: p)
    }

    static func logistic(monotone: [Int]) -> LogisticModel {
        let (rows, labels) = make()
        return LogisticModel.fit(rows: rows, labels: labels, l2: 0.01, positiveWeight: positiveWeight(labels), monotone: monotone)
    }

    /// Single-coordinate moves (of a weight or the intercept, by ±1e-3, keeping the signs) that
    /// lower the fit's penalized loss (class-weighted mean log loss + l2/2 |w|², l2 = 0.01): none
    /// at the constrained optimum.
    static func allowedImprovements(_ model: LogisticModel, rows: [[Double]], labels: [Bool], monotone: [Int]) -> [String] {
        let pw = positiveWeight(labels)
        func loss(_ m: LogisticModel) -> Double {
            var total = 0.0, weights = 0.0
            for (x, y) in zip(rows, labels) {
                let s = m.logit(x), c = y ? pw : 1
                total += c * ((s > 0 ? s + log1p(exp(-s)) : log1p(exp(s))) - (y ? s : 0))
                weights += c
            }
            return total / weights + 0.01 / 2 * m.weights.reduce(0) { $0 + $1 * $1 }
        }
        let best = loss(model)
        var found: [String] = []
        for j in -1..<model.weights.count {
            for delta in [-1e-3, 1e-3] {
                var m = model
                if j < 0 { m.intercept += delta } else { m.weights[j] += delta }
                if j >= 0 && Double(monotone[j]) * m.weights[j] < 0 { continue }
                let l = loss(m)
                if l < best - 1e-12 { found.append("weight \(j) by \(delta): \(best) -> \(l)") }
            }
        }
        return found
    }

    /// The largest rise of `logit` along a grid of `feature` (positive when it rises somewhere),
    /// over a grid of the other features, inside and outside the training range.
    static func largestRise(_ logit: ([Double]) -> Double, feature: Int, direction: Int) -> Double {
        let axes: [[Double]] = [Array(stride(from: -1.0, through: 7.0, by: 0.125)), Array(stride(from: -0.5, through: 3.5, by: 0.125)),
                                [0, 1], Array(stride(from: -0.25, through: 1.25, by: 0.0625))]
        let coarse: [[Double]] = [[-1, 0.5, 2, 3.5, 5, 7], [-0.5, 0.4, 1.2, 2.1, 3.5], [0, 1], [-0.25, 0.3, 0.6, 1.25]]
        var worst = -Double.infinity
        var others: [[Double]] = [[]]
        for j in 0..<4 where j != feature { others = others.flatMap { o in coarse[j].map { o + [$0] } } }
        for o in others {
            var x = o
            x.insert(0, at: feature)
            var previous: Double?
            for v in axes[feature] {
                x[feature] = v
                let s = Double(direction) * logit(x)
                if let previous { worst = max(worst, previous - s) }
                previous = s
            }
        }
        return worst
    }
}

/// Fits on the simulated history with the fraud features' default directions.
enum DefaultFits {
    static let trainRows = SimulatedHistory.replay.rows.prefix(12_000)
    static let rows = trainRows.map(\.features.values)
    static let labels = trainRows.map(\.isFraud)

    static func trees(monotone: [Int] = FraudFeature.monotoneConstraints) -> GradientBoostedTrees {
        var p = GradientBoostedTrees.Parameters()
        p.rounds = 30
        p.monotone = monotone
        return GradientBoostedTrees.fit(rows: rows, labels: labels, positiveWeight: ContraryData.positiveWeight(labels), parameters: p)
    }

    static let constrainedTrees = trees()
    static let constrainedLogistic = LogisticModel.fit(rows: rows, labels: labels, l2: 0.01,
                                                       positiveWeight: ContraryData.positiveWeight(labels))
    static let freeLogistic = LogisticModel.fit(rows: rows, labels: labels, l2: 0.01,
                                                positiveWeight: ContraryData.positiveWeight(labels), monotone: [])

    /// A regression where tenure lowers risk (weights -1), around an average account of 600 days
    /// and 5 previous orders, and a card-country mismatch raises it.
    static let tenureModel: FraudModel = {
        var mean = [Double](repeating: 0, count: FraudFeature.allCases.count)
        mean[FraudFeature.accountAgeDaysLog.index] = log1p(600)
        mean[FraudFeature.previousOrdersLog.index] = log1p(5)
        var weights = [Double](repeating: 0, count: mean.count)
        weights[FraudFeature.accountAgeDaysLog.index] = -1
        weights[FraudFeature.previousOrdersLog.index] = -1
        weights[FraudFeature.cardShippingCountryMismatch.index] = 2
        let regression = LogisticModel(mean: mean, scale: [Double](repeating: 1, count: mean.count), weights: weights, intercept: -3)
        return FraudModel(estimator: .logistic(regression), calibration: PlattCalibration(), policy: FraudPolicy(reviewAt: 0.1, declineAt: 0.9))
    }()

    /// Orders with a spread of account ages (unknown for some), previous orders, card checks,
    /// countries and velocity.
    static func variedOrders(count: Int, seed: UInt64 = 3) -> [FraudFeatures] {
        var rng = SplitMix64(seed: seed)
        var out: [FraudFeatures] = []
        for i in 0..<count {
            var b = OrderBuilder()
            b.id = "ord-\(i)"
            let days = exp(rng.unit() * log(3_000.0)) - 1
            b.accountCreatedAt = rng.unit() < 0.05 ? nil : b.placedAt - Int64(days * 86_400)
            b.previousOrders = rng.unit() < 0.05 ? nil : Int(exp(rng.unit() * log(40.0))) - 1
            if rng.unit() < 0.2 { b.avs = "N" }
            if rng.unit() < 0.2 { b.cardCountry = "NG" }
            if rng.unit() < 0.1 { b.email = "xkqzvbtw4821@tempbox.example" }
            var h = OrderHistory()
            h.card1h = Int(rng.unit() * 3)
            h.address24h = Int(rng.unit() * 4)
            out.append(FraudFeatures(order: b.order, history: h))
        }
        return out
    }

    /// A scoring model around `estimator`, calibrated on the next 4,000 rows.
    static func model(_ estimator: FraudEstimator) -> FraudModel {
        let calibration = SimulatedHistory.replay.rows[12_000..<16_000]
        let platt = PlattCalibration.fit(scores: calibration.map { estimator.logit($0.features.values) },
                                         labels: calibration.map(\.isFraud))
        return FraudModel(estimator: estimator, calibration: platt, policy: FraudPolicy(reviewAt: 0.1, declineAt: 0.9))
    }
}

@Suite("Directions: monotone trees, sign-constrained regression, reasons")
struct MonotoneConstraintsTests {
    @Test("every feature has the documented direction")
    func directions() {
        let lowers = FraudFeature.allCases.filter { $0.direction == .lowersRisk }
        #expect(lowers == [.accountAgeDaysLog, .previousOrdersLog])
        let either = FraudFeature.allCases.filter { $0.direction == .either }
        #expect(either == [.lineCountLog, .nonCardPayment])
        for f in [FraudFeature.firstOrder, .newAccount, .accountAgeUnknown, .avsNoMatch, .avsPartial, .avsUnavailable, .cvvNoMatch,
                  .cvvUnavailable, .cardShippingCountryMismatch, .ipCards24h, .cardCustomers24h, .customerOrders1h, .newIPForCustomer,
                  .reshipperAddress, .disposableEmail, .randomLookingEmail, .priorChargebacks, .giftCards, .orderValueLog] {
            #expect(f.direction == .raisesRisk, "\(f.rawValue)")
        }
        #expect(FraudFeature.monotoneConstraints.count == FraudFeature.allCases.count)
        #expect(FraudFeature.monotoneConstraints[FraudFeature.accountAgeDaysLog.index] == -1)
        #expect(FraudFeature.monotoneConstraints[FraudFeature.cardOrders1h.index] == 1)
        #expect(GradientBoostedTrees.Parameters().monotone == FraudFeature.monotoneConstraints)
    }

    @Test("trees are monotone in each constrained feature, whatever the others, though the data say otherwise")
    func monotoneTrees() {
        let free = ContraryData.trees(monotone: [])
        let constrained = ContraryData.trees(monotone: ContraryData.monotone)
        for (feature, direction) in [(0, -1), (1, 1), (3, 1)] {
            let freeRise = ContraryData.largestRise(free.logit, feature: feature, direction: direction)
            let rise = ContraryData.largestRise(constrained.logit, feature: feature, direction: direction)
            print("feature \(feature) (\(direction)): largest move the wrong way free \(freeRise), constrained \(rise)")
            // Feature 3 agrees with its direction in the data; 0 and 1 contradict it.
            if feature != 3 { #expect(freeRise > 0.1, "the data should pull feature \(feature) the wrong way") }
            #expect(rise <= 1e-12, "feature \(feature)")
        }
        // Still a model: it ranks by the free and the agreeing features.
        let (rows, labels) = ContraryData.make(seed: 8, count: 2_000)
        let scores = rows.map(constrained.logit)
        #expect(FraudMetrics.rocAUC(scores: scores, labels: labels) > 0.6)
    }

    @Test("boosted trees on the simulated history never score an older account or more previous orders as riskier")
    func monotoneOnSimulatedHistory() {
        let constrained = DefaultFits.constrainedTrees
        let free = DefaultFits.trees(monotone: [])
        let probes = SimulatedHistory.replay.rows[16_000..<32_000].enumerated().filter { $0.offset % 40 == 0 }.map(\.element.features.values)
        func worst(_ t: GradientBoostedTrees, _ feature: FraudFeature, grid: [Double]) -> Double {
            var worst = -Double.infinity
            let sign = Double(feature.direction.constraint)
            for probe in probes {
                var x = probe
                var previous: Double?
                for v in grid {
                    x[feature.index] = v
                    let s = sign * t.logit(x)
                    if let previous { worst = max(worst, previous - s) }
                    previous = s
                }
            }
            return worst
        }
        let ageGrid = [0, 1, 3, 7, 30, 90, 300, 679, 2_000].map { log1p(Double($0)) }
        let ordersGrid = (0...12).map { log1p(Double($0)) }
        let countGrid = (0...8).map { log1p(Double($0)) }
        print("free trees: account age rises by up to \(worst(free, .accountAgeDaysLog, grid: ageGrid)), previous orders by \(worst(free, .previousOrdersLog, grid: ordersGrid))")
        #expect(worst(free, .accountAgeDaysLog, grid: ageGrid) > 0 || worst(free, .previousOrdersLog, grid: ordersGrid) > 0,
                "the simulator should teach an unconstrained model that tenure is risky")
        #expect(worst(constrained, .accountAgeDaysLog, grid: ageGrid) <= 1e-12)
        #expect(worst(constrained, .previousOrdersLog, grid: ordersGrid) <= 1e-12)
        for f in [FraudFeature.cardOrders1h, .ipCustomers24h, .addressCards24h, .priorChargebacks] {
            #expect(worst(constrained, f, grid: countGrid) <= 1e-12, "\(f.rawValue)")
        }
        for f in FraudFeature.allCases where f.direction == .raisesRisk && f != .orderValueLog && f != .valueVersusCustomerMean {
            #expect(worst(constrained, f, grid: [0, 0.25, 0.5, 1, 2]) <= 1e-12, "\(f.rawValue)")
        }
        #expect(worst(constrained, .orderValueLog, grid: (0...10).map(Double.init)) <= 1e-12)
        #expect(worst(constrained, .valueVersusCustomerMean, grid: (-4...4).map(Double.init)) <= 1e-12)
    }

    @Test("logistic weights keep their signs on contrary data; a free feature keeps its own sign")
    func signedLogistic() {
        let free = ContraryData.logistic(monotone: [])
        let constrained = ContraryData.logistic(monotone: ContraryData.monotone)
        print("free weights \(free.weights), constrained \(constrained.weights)")
        #expect(free.weights[0] > 0.1 && free.weights[1] < -0.1)  // what the data say
        #expect(constrained.weights[0] <= 0)
        #expect(constrained.weights[1] >= 0)
        #expect(constrained.weights[2] < -0.1)  // free, and negative in the data
        #expect(constrained.weights[3] > 0.1)   // constrained and agreeing: not squashed
        // The constrained fit is the constrained optimum, not just a feasible point.
        let (rows, labels) = ContraryData.make()
        #expect(ContraryData.allowedImprovements(constrained, rows: rows, labels: labels, monotone: ContraryData.monotone).isEmpty)
        // Where the plain optimum already respects a sign, constraining changes nothing.
        let agreeing = ContraryData.logistic(monotone: [0, 0, 0, 1])
        #expect(zip(agreeing.weights, free.weights).allSatisfy { abs($0 - $1) < 1e-9 })
    }

    @Test("logistic regression on the simulated history: every weight has its feature's sign")
    func signedLogisticOnSimulatedHistory() {
        let free = DefaultFits.freeLogistic
        let constrained = DefaultFits.constrainedLogistic
        let wrong = FraudFeature.allCases.filter { Double($0.direction.constraint) * free.weights[$0.index] < 0 }
        print("free logistic, weights against their direction: " + wrong.map { "\($0.rawValue) \(free.weights[$0.index])" }.joined(separator: ", "))
        #expect(!wrong.isEmpty)
        for f in FraudFeature.allCases {
            switch f.direction {
            case .raisesRisk: #expect(constrained.weights[f.index] >= 0, "\(f.rawValue)")
            case .lowersRisk: #expect(constrained.weights[f.index] <= 0, "\(f.rawValue)")
            case .either: break
            }
        }
        print("constrained logistic: " + FraudFeature.allCases.map { "\($0.rawValue) \(constrained.weights[$0.index])" }.joined(separator: ", "))
        // Still a model, not weights squashed to zero.
        #expect(constrained.weights.filter { $0 > 0.05 }.count >= 5)
        let improvements = ContraryData.allowedImprovements(constrained, rows: DefaultFits.rows, labels: DefaultFits.labels,
                                                            monotone: FraudFeature.monotoneConstraints)
        #expect(improvements.isEmpty, "\(improvements)")
    }

    @Test("fits are deterministic, and the constraints change them")
    func deterministic() {
        let a = ContraryData.trees(monotone: ContraryData.monotone)
        let b = ContraryData.trees(monotone: ContraryData.monotone)
        #expect(a == b)
        #expect(a != ContraryData.trees(monotone: []))
        let l = ContraryData.logistic(monotone: ContraryData.monotone)
        let m = ContraryData.logistic(monotone: ContraryData.monotone)
        #expect(l == m)
        #expect(l != ContraryData.logistic(monotone: []))
    }

    @Test("a lowers-risk feature is named as a risk only below its cut, and then says so")
    func reasonCuts() {
        let model = DefaultFits.tenureModel
        guard case .logistic(let regression) = model.estimator else { return }
        func reasons(ageDays: Int?, previous: Int) -> [FraudReason] {
            var b = OrderBuilder()
            b.accountCreatedAt = ageDays.map { b.placedAt - Int64($0) * 86_400 }
            b.previousOrders = previous
            return model.score(FraudFeatures(order: b.order, history: OrderHistory()), maxReasons: 10).reasons
        }
        func code(_ f: FraudFeature, in r: [FraudReason]) -> FraudReason? { r.first { $0.code == f.rawValue } }

        // 300 days and 4 orders are below average, so they add to the log-odds, but they are not risks.
        let ordinary = reasons(ageDays: 300, previous: 4)
        let features = { () -> FraudFeatures in
            var b = OrderBuilder(); b.accountCreatedAt = b.placedAt - 300 * 86_400; b.previousOrders = 4
            return FraudFeatures(order: b.order, history: OrderHistory())
        }()
        #expect(regression.contributions(features.values)[FraudFeature.accountAgeDaysLog.index] > 0.5)
        #expect(code(.accountAgeDaysLog, in: ordinary) == nil)
        #expect(code(.previousOrdersLog, in: ordinary) == nil)
        // The probability does not depend on which reasons are named.
        #expect(abs(model.score(features).probability - model.probability(features)) < 1e-12)

        // A young account with no orders: risks, phrased as such.
        let young = reasons(ageDays: 3, previous: 0)
        #expect(code(.accountAgeDaysLog, in: young)?.detail == "account is only 3 days old")
        #expect(code(.accountAgeDaysLog, in: young)!.weight > 0)
        #expect(code(.previousOrdersLog, in: young)?.detail == "customer has no previous orders")

        // An old account with many orders: reassurance, with a negative weight and the plain phrase.
        let loyal = reasons(ageDays: 700, previous: 12)
        #expect(code(.accountAgeDaysLog, in: loyal)?.detail == "account is 700 days old")
        #expect(code(.accountAgeDaysLog, in: loyal)!.weight < 0)
        #expect(code(.previousOrdersLog, in: loyal)?.detail == "customer has 12 previous orders")

        // An unknown age is never named through the age (its value, 0, says nothing).
        #expect(code(.accountAgeDaysLog, in: reasons(ageDays: nil, previous: 4)) == nil)

        #expect(FraudModel.mayName(.accountAgeDaysLog, contribution: 0.3, values: features.values) == false)
        #expect(FraudModel.mayName(.accountAgeDaysLog, contribution: -0.3, values: features.values))
    }

    @Test("across many scored orders, no positive reason cites an account past the cut or earlier orders")
    func reasonsAcrossOrders() {
        let simulated = SimulatedHistory.replay.rows[16_000..<24_000].map(\.features)
        let varied = DefaultFits.variedOrders(count: 3_000)
        let ageCut = FraudFeature.accountAgeDaysLog.riskFactCut!
        var named = 0, hidden = 0
        let models = [DefaultFits.model(.logistic(DefaultFits.constrainedLogistic)), DefaultFits.model(.trees(DefaultFits.constrainedTrees)),
                      DefaultFits.tenureModel]
        for model in models {
            for f in simulated + varied {
                let score = model.score(f, maxReasons: 10)
                let (_, parts) = model.estimator.contributions(f.values)
                // Contributions that the rule keeps out: tenure that is not young, or earlier orders, raising the score.
                for feature in [FraudFeature.accountAgeDaysLog, .previousOrdersLog]
                    where model.calibration.a * parts[feature.index] >= FraudModel.minimumReasonWeight && f[feature] >= feature.riskFactCut! {
                    hidden += 1
                }
                for r in score.reasons where r.weight > 0 {
                    if r.code == FraudFeature.accountAgeDaysLog.rawValue {
                        #expect(f[.accountAgeDaysLog] < ageCut && f[.accountAgeUnknown] == 0, "\(r.detail)")
                        #expect(r.detail.hasPrefix("account is only "))
                        named += 1
                    }
                    if r.code == FraudFeature.previousOrdersLog.rawValue {
                        #expect(f[.previousOrdersLog] == 0, "\(r.detail)")
                        #expect(r.detail == "customer has no previous orders")
                    }
                }
                #expect(abs(score.probability - model.probability(f)) < 1e-12)
            }
        }
        print("positive account-age contributions past the cut, not named: \(hidden); young accounts named: \(named)")
        // The tenure regression's mean-relative contributions make accounts of 30 to 600 days, and
        // 1 to 4 orders, look risky: without the rule they would be named.
        #expect(hidden > 1_000)
        #expect(named > 0)
    }
}
