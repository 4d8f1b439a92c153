import DropflowCore
import DropflowJSON
import DropflowContract

/// How well scores separate fraud from legitimate orders, and what a pair of thresholds does.
///
/// Recall and precision count an order as caught when it is reviewed or declined.
public struct FraudMetrics: Sendable, Hashable {
    public var rows = 0
    public var frauds = 0
    /// Area under the ROC curve (ties count half).
    public var rocAUC = 0.0
    /// Area under the precision-recall curve, as average precision.
    public var prAUC = 0.0
    /// Share of fraud reviewed or declined.
    public var recall = 0.0
    /// Share of reviewed or declined orders that are fraud.
    public var precision = 0.0
    /// Share of declined orders that are fraud.
    public var declinePrecision = 0.0
    public var approvalRate = 0.0
    public var reviewRate = 0.0
    public var declineRate = 0.0
    /// Mean score, and the observed fraud rate (for calibration checks when scores are probabilities).
    public var meanScore = 0.0
    public var fraudRate = 0.0

    public init() {}

    /// The metrics of `scores` against `labels` with the given thresholds (`score >= reviewAt`
    /// is reviewed, `score >= declineAt` declined).
    public static func evaluate(scores: [Double], labels: [Bool], reviewAt: Double, declineAt: Double) -> FraudMetrics {
        precondition(scores.count == labels.count)
        var m = FraudMetrics()
        m.rows = scores.count
        m.frauds = labels.filter { $0 }.count
        guard m.rows > 0 else { return m }
        m.rocAUC = rocAUC(scores: scores, labels: labels)
        m.prAUC = averagePrecision(scores: scores, labels: labels)
        var flagged = 0, flaggedFraud = 0, declined = 0, declinedFraud = 0
        for (s, y) in zip(scores, labels) {
            if s >= reviewAt { flagged += 1; if y { flaggedFraud += 1 } }
            if s >= declineAt { declined += 1; if y { declinedFraud += 1 } }
        }
        let n = Double(m.rows)
        m.recall = m.frauds > 0 ? Double(flaggedFraud) / Double(m.frauds) : 0
        m.precision = flagged > 0 ? Double(flaggedFraud) / Double(flagged) : 0
        m.declinePrecision = declined > 0 ? Double(declinedFraud) / Double(declined) : 0
        m.approvalRate = Double(m.rows - flagged) / n
        m.reviewRate = Double(flagged - declined) / n
        m.declineRate = Double(declined) / n
        m.meanScore = scores.reduce(0, +) / n
        m.fraudRate = Double(m.frauds) / n
        return m
    }

    /// Groups of equal scores, highest first: (positives, negatives) per group.
    static func tiedGroups(scores: [Double], labels: [Bool]) -> [(score: Double, positives: Int, negatives: Int)] {
        let order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        var groups: [(score: Double, positives: Int, negatives: Int)] = []
        for i in order {
            if groups.isEmpty || groups[groups.count - 1].score != scores[i] { groups.append((scores[i], 0, 0)) }
            if labels[i] { groups[groups.count - 1].positives += 1 } else { groups[groups.count - 1].negatives += 1 }
        }
        return groups
    }

    /// The probability that a random fraud scores above a random legitimate order.
    public static func rocAUC(scores: [Double], labels: [Bool]) -> Double {
        let positives = labels.filter { $0 }.count
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return 0.5 }
        var above = 0.0, area = 0.0
        for g in tiedGroups(scores: scores, labels: labels) {
            area += Double(g.negatives) * (above + Double(g.positives) / 2)
            above += Double(g.positives)
        }
        return area / (Double(positives) * Double(negatives))
    }

    /// Average precision: the mean, over frauds, of the precision at the score that catches them.
    public static func averagePrecision(scores: [Double], labels: [Bool]) -> Double {
        let positives = labels.filter { $0 }.count
        guard positives > 0 else { return 0 }
        var caught = 0, seen = 0, ap = 0.0
        for g in tiedGroups(scores: scores, labels: labels) {
            caught += g.positives
            seen += g.positives + g.negatives
            ap += Double(g.positives) / Double(positives) * Double(caught) / Double(seen)
        }
        return ap
    }

    /// `ROC AUC 0.951  PR AUC 0.712  recall 0.80 precision 0.41 | approve 95.1% review 4.2% decline 0.7%`.
    public var summary: String {
        func f(_ x: Double, _ digits: Int = 3) -> String {
            let p = pow10(digits)
            return String((x * p).rounded() / p)
        }
        func pct(_ x: Double) -> String { f(x * 100, 1) + "%" }
        return "ROC AUC \(f(rocAUC))  PR AUC \(f(prAUC))  recall \(f(recall)) precision \(f(precision))"
            + " decline-precision \(f(declinePrecision)) | approve \(pct(approvalRate)) review \(pct(reviewRate))"
            + " decline \(pct(declineRate)) | mean score \(f(meanScore, 4)) fraud rate \(f(fraudRate, 4)) (\(rows) rows)"
    }

    private func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { a, _ in a * 10 } }

    /// The metrics as a JSON object (for the model file's training metadata).
    public var json: JSONValue {
        func r(_ x: Double) -> JSONValue { .double((x * 1e6).rounded() / 1e6) }
        return [
            "rows": .integer(Int64(rows)), "frauds": .integer(Int64(frauds)), "roc_auc": r(rocAUC), "pr_auc": r(prAUC),
            "recall": r(recall), "precision": r(precision), "decline_precision": r(declinePrecision),
            "approval_rate": r(approvalRate), "review_rate": r(reviewRate), "decline_rate": r(declineRate),
            "mean_score": r(meanScore), "fraud_rate": r(fraudRate),
        ]
    }
}
