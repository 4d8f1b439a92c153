import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowPipeline
import Foundation

/// The merchant's rules at intake.
public struct IntakePolicy: Sendable, Hashable {
    /// What to do with an order that has a SKU no supplier offers.
    public enum UnknownSKUAction: String, Sendable, Hashable, CaseIterable {
        /// Pass it on flagged, so the fraud stage holds it for a person (`review.queue`).
        case hold
        /// Reject it (`orders.rejected`, code `unknown_sku`).
        case reject
        /// Let it through (no supplier catalogue to check against, or routing decides).
        case allow
    }

    /// Most units of one line.
    public var maxQuantityPerLine: Int64 = 100
    /// Most lines in one order.
    public var maxLines: Int = 50
    /// Largest order value (lines and shipping) in the order's currency; above it the order is rejected.
    public var maxOrderValue = MoneyAmount(tenThousandths: 25_000 * 10_000)
    /// Smallest order value; an order worth less (e.g. zero or negative prices) is rejected.
    public var minOrderValue = MoneyAmount(tenThousandths: 1)
    public var unknownSKU: UnknownSKUAction = .hold

    public init() {}
}

/// What intake decided about one order.
public enum IntakeOutcome: Sendable, Equatable {
    /// Valid: pass the order (normalized, with what intake computed: its value, fingerprint and
    /// the reasons a person must look at it) to the fraud stage.
    case accept(ValidatedOrder)
    /// Not fulfilled: publish on `orders.rejected` with these reasons.
    case reject(orderID: String, reasons: [Reason])
    /// The same order seen before (a storefront retry): drop silently.
    case duplicate(orderID: String)
    /// Not an order at all (no string `order_id` to answer to): dead-letter it.
    case deadLetter(reason: String)
}

/// Intake's decision for one `orders.placed` value: normalize, validate, de-duplicate, check the
/// business rules. Pure: what it has seen before and which SKUs suppliers offer are passed in.
public struct IntakeDecider: Sendable {
    public var policy: IntakePolicy

    public init(policy: IntakePolicy = IntakePolicy()) { self.policy = policy }

    /// - Parameters:
    ///   - bytes: the message value.
    ///   - seenFingerprint: the fingerprint recorded for an order id, if the order was seen.
    ///   - isOffered: whether some supplier offers a SKU; nil when no supplier catalogue is known yet.
    ///   - latestPlausible: the latest `placed_at` (seconds since the epoch) taken at face value:
    ///     the worker's clock plus the lead it allows. A later one is held for a person, and the
    ///     pipeline's windows count the order at this time instead.
    public func decide(_ bytes: [UInt8]?, seenFingerprint: (String) -> String?, isOffered: ((String) -> Bool)?,
                       latestPlausible: Int64? = nil) -> IntakeOutcome {
        guard let bytes else { return .deadLetter(reason: "null value where an order object is expected") }
        let raw: JSONValue
        do { raw = try JSONValue.parse(bytes) } catch { return .deadLetter(reason: "not JSON: \(error)") }
        guard raw.objectValue != nil else { return .deadLetter(reason: "not a JSON object but \(raw.typeName)") }
        guard let orderID = raw[OrderPlaced.Field.orderID]?.stringValue else {
            return .deadLetter(reason: "no string order_id to answer to")
        }
        // An order_id no rejection can carry (the contract's order-rejected bounds it) cannot be answered.
        let probe = OrderRejected(orderID: orderID, stage: .intake, reasons: [Reason(code: "invalid_field", detail: "order_id")],
                                  at: "2026-01-01T00:00:00Z")
        if let problem = ContractSchema.orderRejected.validate(probe.json).first {
            return .deadLetter(reason: "an order_id that no rejection can carry: \(problem.message)")
        }
        let normalized = OrderNormalizer.normalize(raw)
        let violations = ContractSchema.orderPlaced.validate(normalized)
        if !violations.isEmpty {
            return .reject(orderID: orderID, reasons: violations.prefix(20).map(Self.reason(for:)))
        }
        let order: OrderPlaced
        do { order = try OrderPlaced(json: normalized) } catch {
            // Valid under the schema but not of the type's shape: cannot happen while the type is
            // generated from the same schema; said plainly if it ever does.
            return .reject(orderID: orderID, reasons: [Reason(code: "invalid_field", detail: error.description)])
        }
        // Valid: the normalized form is what "the same order" means.
        let fingerprint = Self.fingerprint(normalized)
        if let seen = seenFingerprint(orderID) {
            if seen == fingerprint { return .duplicate(orderID: orderID) }
            return .reject(orderID: orderID, reasons: [Reason(
                code: "duplicate_conflict",
                detail: "order \(orderID) was already placed with different content; a changed order needs a new order_id")])
        }
        var reasons: [Reason] = []
        let lines = order.lines
        if lines.count > policy.maxLines {
            reasons.append(Reason(code: "too_many_lines", detail: "\(lines.count) lines; at most \(policy.maxLines) are accepted"))
        }
        var value = MoneyAmount.zero
        var overflow = false
        for (i, line) in lines.enumerated() {
            let quantity = Int64(line.quantity)
            if quantity > policy.maxQuantityPerLine {
                reasons.append(Reason(code: "quantity_above_limit",
                                      detail: "lines[\(i)] (\(line.sku)): quantity \(quantity) is above the limit of \(policy.maxQuantityPerLine)"))
            }
            guard let price = MoneyAmount(line.unitPrice), let total = price.times(quantity), let sum = value.plus(total) else {
                overflow = true
                continue
            }
            value = sum
        }
        if let shipping = order.shippingPaid.flatMap({ MoneyAmount($0) }) {
            if let sum = value.plus(shipping) { value = sum } else { overflow = true }
        }
        let currency = order.currency
        if overflow || value > policy.maxOrderValue {
            reasons.append(Reason(code: "order_value_above_limit",
                                  detail: "order value \(overflow ? "(too large to compute)" : value.description) \(currency) is above the limit of \(policy.maxOrderValue) \(currency)"))
        } else if value < policy.minOrderValue {
            reasons.append(Reason(code: "order_value_below_minimum",
                                  detail: "order value \(value) \(currency) is below the minimum of \(policy.minOrderValue) \(currency)"))
        }
        var holdReasons: [Reason] = []
        if policy.unknownSKU != .allow, let isOffered {
            var seen = Set<String>()
            let unknown = lines.map(\.sku).filter { !isOffered($0) && seen.insert($0).inserted }
            if !unknown.isEmpty {
                let reason = Reason(code: "unknown_sku", detail: "no supplier offers \(unknown.joined(separator: ", "))")
                if policy.unknownSKU == .reject { reasons.append(reason) } else { holdReasons.append(reason) }
            }
        }
        if let latestPlausible, let placed = DateTimeFormat.epochSeconds(order.placedAt), placed > latestPlausible {
            holdReasons.append(Reason(
                code: "placed_at_ahead_of_clock",
                detail: "placed_at \(order.placedAt) is ahead of the clock; windows and horizons count the order at \(DateTimeFormat.format(epochSeconds: latestPlausible))"))
        }
        if !reasons.isEmpty { return .reject(orderID: orderID, reasons: reasons) }
        return .accept(ValidatedOrder(order: order, intake: IntakeSummary(orderValue: value.description, fingerprint: fingerprint,
                                                                          holdReasons: holdReasons)))
    }

    /// A reason for a schema violation, in the merchant's terms.
    static func reason(for violation: SchemaViolation) -> Reason {
        let path = violation.path.isEmpty ? "the order" : fieldName(pointer: violation.path)
        let code: String
        switch violation.keyword {
        case "required": code = "missing_field"
        case "type": code = "wrong_type"
        case "pattern", "format": code = "bad_format"
        case "enum", "const": code = "not_allowed_value"
        case "minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum": code = "out_of_range"
        default: code = "invalid_field"
        }
        return Reason(code: code, detail: "\(path): \(violation.problem)")
    }

    /// `/lines/0/quantity` → `lines[0].quantity`.
    static func fieldName(pointer: String) -> String {
        var out = ""
        for part in pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let token = part.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if !token.isEmpty, token.allSatisfy(\.isASCIIDigit) { out += "[" + token + "]" } else { out += (out.isEmpty ? "" : ".") + token }
        }
        return out
    }

    /// 16 hex digits of FNV-1a over the normalized order's canonical bytes (sorted keys).
    public static func fingerprint(_ order: JSONValue) -> String {
        FNV1a.hash(order.serialized()).hex16
    }
}
