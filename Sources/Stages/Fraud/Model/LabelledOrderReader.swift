import DropflowCore
import DropflowJSON
import DropflowContract
import Foundation

/// Reads labelled history from JSON Lines, tolerantly: a line that cannot be used is skipped
/// and reported with its number and the reason, never fatal.
///
/// Two formats, told apart line by line:
/// - the simulator's output: `{"topic":"orders.placed","value":{…},"truth":{"is_fraud":…,"chargeback_at":…}}`;
///   lines of other topics are ignored (counted, not reported).
/// - the merchant export: `{"order":{<orders.placed value>},"is_fraud":true|false,"chargeback_at":"<RFC 3339>"}`,
///   `chargeback_at` optional; `is_fraud` may also be 0/1 or "true"/"false"/"yes"/"no"; an optional
///   `pattern` names the kind of fraud (the simulator's truth has it too), for recall by pattern.
public enum LabelledOrderReader {
    /// A line that was not used.
    public struct SkippedLine: Sendable, Hashable, CustomStringConvertible {
        /// 1-based line number.
        public var line: Int
        public var reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    /// What a read produced.
    public struct Result: Sendable {
        /// The orders, sorted by time (ties keep file order).
        public var orders: [LabelledOrder] = []
        /// Lines not used, with reasons, in file order.
        public var skipped: [SkippedLine] = []
        /// Simulator lines of other topics.
        public var ignored = 0
    }

    /// Reads the file at `path`.
    public static func read(path: String) throws -> Result {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FraudModelError.unreadable(path: path, reason: "no such file or not readable")
        }
        return read(jsonLines: [UInt8](data))
    }

    /// Reads JSON Lines bytes of either format.
    public static func read(jsonLines bytes: [UInt8]) -> Result {
        var result = Result()
        var lineNumber = 0
        var start = 0
        var seenOrderIDs = Set<String>()
        while start <= bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            lineNumber += 1
            var slice = bytes[start..<end]
            if slice.last == 0x0D { slice = slice.dropLast() }
            start = end + 1
            if slice.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            switch parse(Array(slice)) {
            case .order(let o):
                let id = o.order.orderID
                if seenOrderIDs.contains(id) {
                    result.skipped.append(SkippedLine(line: lineNumber, reason: "duplicate order_id \(id)"))
                } else {
                    seenOrderIDs.insert(id)
                    result.orders.append(o)
                }
            case .ignored: result.ignored += 1
            case .skipped(let reason): result.skipped.append(SkippedLine(line: lineNumber, reason: reason))
            }
        }
        let indexed = result.orders.enumerated().sorted { $0.element.at != $1.element.at ? $0.element.at < $1.element.at : $0.offset < $1.offset }
        result.orders = indexed.map(\.element)
        return result
    }

    enum LineOutcome {
        case order(LabelledOrder)
        case ignored
        case skipped(String)
    }

    static func parse(_ line: [UInt8]) -> LineOutcome {
        let value: JSONValue
        do { value = try JSONValue.parse(line) } catch { return .skipped("not JSON: \(error.reason)") }
        guard value.objectValue != nil else { return .skipped("not a JSON object") }
        let order: JSONValue
        let label: JSONValue?
        let chargeback: JSONValue?
        let pattern: JSONValue?
        if let topic = value["topic"] {
            guard topic.stringValue == "orders.placed" else { return .ignored }
            guard let v = value["value"], v.objectValue != nil else { return .skipped("orders.placed line without a value object") }
            order = v
            label = value["truth"]?["is_fraud"]
            chargeback = value["truth"]?["chargeback_at"]
            pattern = value["truth"]?["pattern"]
        } else if let o = value["order"] {
            guard o.objectValue != nil else { return .skipped("\"order\" is not an object") }
            order = o
            label = value["is_fraud"]
            chargeback = value["chargeback_at"]
            pattern = value["pattern"]
        } else {
            return .skipped("neither a simulator line (topic) nor a merchant export line (order)")
        }
        guard let l = label, !l.isNull else { return .skipped("no is_fraud label") }
        guard let isFraud = boolean(l) else { return .skipped("is_fraud is not a boolean: \(l)") }
        // Checked on the raw value first, so a line says the most useful thing that is wrong.
        guard let id = order[OrderPlaced.Field.orderID]?.stringValue, !id.isEmpty else { return .skipped("order without order_id") }
        var chargebackAt: Int64?
        if let c = chargeback, !c.isNull {
            guard let text = c.stringValue, let t = DateTimeFormat.epochSeconds(text) else {
                return .skipped("order \(id): chargeback_at is not an RFC 3339 date-time")
            }
            chargebackAt = t
        }
        guard let placed = order[OrderPlaced.Field.placedAt]?.stringValue, DateTimeFormat.isValid(placed) else {
            return .skipped("order \(id): placed_at missing or not an RFC 3339 date-time")
        }
        let typed: OrderPlaced
        do { typed = try OrderPlaced(json: order) } catch { return .skipped("order \(id): \(error)") }
        guard var labelled = LabelledOrder(order: typed, isFraud: isFraud, chargebackAt: chargebackAt) else {
            return .skipped("order \(id): placed_at missing or not an RFC 3339 date-time")
        }
        // The kind of fraud, when the history knows it ("legit" and absent mean none).
        if isFraud, let kind = pattern?.stringValue, !kind.isEmpty, kind != "legit" { labelled.pattern = kind }
        return .order(labelled)
    }

    static func boolean(_ v: JSONValue) -> Bool? {
        if let b = v.boolValue { return b }
        if let i = v.intValue, i == 0 || i == 1 { return i == 1 }
        switch v.stringValue?.lowercased() {
        case "true", "yes", "1": return true
        case "false", "no", "0": return false
        default: return nil
        }
    }
}
