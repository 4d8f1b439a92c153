import DropflowContract
import DropflowJSON

// The messages on the pipeline's own topics (Topology.swift), as Swift types. Like the
// contract's generated types they decode from a parsed value (naming the JSON Pointer of what
// does not fit) and encode back to one; docs/topics.md says what each topic carries.

/// What intake computed for an order it accepted: the `intake` member of `orders.validated`.
public struct IntakeSummary: JSONObjectType {
    /// The JSON names of its members.
    public enum Field: String, CaseIterable, Sendable {
        case orderValue = "order_value", fingerprint, holdReasons = "hold_reasons"
    }

    /// Lines plus shipping, in the order's currency (a money decimal string).
    public var orderValue: String
    /// 16 hex digits identifying the normalized order (what "the same order" means).
    public var fingerprint: String
    /// Why a person must look at the order even if the fraud score is low (e.g. an unknown SKU).
    public var holdReasons: [Reason]

    public init(orderValue: String, fingerprint: String, holdReasons: [Reason] = []) {
        self.orderValue = orderValue
        self.fingerprint = fingerprint
        self.holdReasons = holdReasons
    }

    public init(json: JSONValue) throws(ContractDecodingError) {
        let m = try MessageDecoding.members(json)
        orderValue = try MessageDecoding.string(m[Field.orderValue.rawValue], "/order_value")
        fingerprint = try MessageDecoding.string(m[Field.fingerprint.rawValue], "/fingerprint")
        holdReasons = try MessageDecoding.optionalArray(m[Field.holdReasons.rawValue], "/hold_reasons") { (v, p) throws(ContractDecodingError) in
            try MessageDecoding.object(v, p) as Reason
        } ?? []
    }

    public var json: JSONValue {
        ["order_value": .string(orderValue), "fingerprint": .string(fingerprint), "hold_reasons": .array(holdReasons.map(\.json))]
    }
}

/// An `orders.validated` value: an order intake accepted, normalized, with what intake computed.
/// On the wire it is the `orders.placed` value (still valid under `order-placed`) with an
/// `intake` member.
public struct ValidatedOrder: JSONObjectType {
    /// The JSON names of its members.
    public enum Field: String, CaseIterable, Sendable {
        case intake
    }

    public var order: OrderPlaced
    public var intake: IntakeSummary

    public init(order: OrderPlaced, intake: IntakeSummary) {
        self.order = order
        self.intake = intake
    }

    public init(json: JSONValue) throws(ContractDecodingError) {
        var order = try OrderPlaced(json: json)
        guard let block = order.unknownMembers.removeValue(forKey: Field.intake.rawValue) else {
            throw ContractDecodingError(path: "/intake", problem: "missing required member")
        }
        do { intake = try IntakeSummary(json: block) } catch { throw error.under("/intake") }
        self.order = order
    }

    public var json: JSONValue { order.json.adding([Field.intake.rawValue: intake.json]) }

    public var orderID: String { order.orderID }
}

/// The fraud stage's verdict on an order, as it travels with the order (`orders.approved`,
/// `fraud.held`): score, action, reasons, who decided, and the velocity counts the score saw.
public struct FraudVerdict: JSONObjectType {
    /// The JSON names of its members.
    public enum Field: String, CaseIterable, Sendable {
        case score, action, reasons, decidedBy = "decided_by", at, velocity, reviewer, reviewNote = "review_note"
    }

    public enum Action: String, Sendable, Hashable, CaseIterable {
        case approve, review, decline
    }

    public enum DecidedBy: String, Sendable, Hashable, CaseIterable {
        case model, reviewer
    }

    /// The calibrated probability of fraud, 4 decimals.
    public var score: Double
    public var action: Action
    /// Reasons with their weights in log-odds (3 decimals).
    public var reasons: [Reason]
    public var decidedBy: DecidedBy
    /// When the decision was made (RFC 3339).
    public var at: String
    /// The velocity counts the score saw, by name (`card_1h`, `customer_orders`, ...).
    public var velocity: [String: Int]
    /// The reviewer, when a person decided.
    public var reviewer: String?
    public var reviewNote: String?

    public init(score: Double, action: Action, reasons: [Reason], decidedBy: DecidedBy, at: String, velocity: [String: Int],
                reviewer: String? = nil, reviewNote: String? = nil) {
        self.score = score
        self.action = action
        self.reasons = reasons
        self.decidedBy = decidedBy
        self.at = at
        self.velocity = velocity
        self.reviewer = reviewer
        self.reviewNote = reviewNote
    }

    public init(json: JSONValue) throws(ContractDecodingError) {
        let m = try MessageDecoding.members(json)
        score = try MessageDecoding.double(m[Field.score.rawValue], "/score")
        action = try MessageDecoding.enumeration(m[Field.action.rawValue], "/action")
        reasons = try MessageDecoding.array(m[Field.reasons.rawValue], "/reasons") { (v, p) throws(ContractDecodingError) in
            try MessageDecoding.object(v, p) as Reason
        }
        decidedBy = try MessageDecoding.enumeration(m[Field.decidedBy.rawValue], "/decided_by")
        at = try MessageDecoding.string(m[Field.at.rawValue], "/at")
        var counts: [String: Int] = [:]
        for (name, value) in try MessageDecoding.members(MessageDecoding.jsonObject(m[Field.velocity.rawValue] ?? [:], "/velocity")) {
            counts[name] = try MessageDecoding.int(value, "/velocity/\(name)")
        }
        velocity = counts
        reviewer = try MessageDecoding.optional(m[Field.reviewer.rawValue], "/reviewer", MessageDecoding.string)
        reviewNote = try MessageDecoding.optional(m[Field.reviewNote.rawValue], "/review_note", MessageDecoding.string)
    }

    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "score": .double(score), "action": .string(action.rawValue), "reasons": .array(reasons.map(\.json)),
            "decided_by": .string(decidedBy.rawValue), "at": .string(at),
            "velocity": .object(velocity.mapValues { .integer(Int64($0)) }),
        ]
        if let reviewer { o[Field.reviewer.rawValue] = .string(reviewer) }
        if let reviewNote { o[Field.reviewNote.rawValue] = .string(reviewNote) }
        return .object(o)
    }
}

/// An `orders.approved` value: the validated order with the fraud stage's verdict in a `fraud`
/// member (still valid under `order-placed`). Routing reads it.
public struct ApprovedOrder: JSONObjectType {
    /// The JSON names of its members.
    public enum Field: String, CaseIterable, Sendable {
        case fraud
    }

    public var order: ValidatedOrder
    public var fraud: FraudVerdict

    public init(order: ValidatedOrder, fraud: FraudVerdict) {
        self.order = order
        self.fraud = fraud
    }

    public init(json: JSONValue) throws(ContractDecodingError) {
        var order = try ValidatedOrder(json: json)
        guard let block = order.order.unknownMembers.removeValue(forKey: Field.fraud.rawValue) else {
            throw ContractDecodingError(path: "/fraud", problem: "missing required member")
        }
        do { fraud = try FraudVerdict(json: block) } catch { throw error.under("/fraud") }
        self.order = order
    }

    public var json: JSONValue { order.json.adding([Field.fraud.rawValue: fraud.json]) }

    public var orderID: String { order.orderID }
}

/// A `fraud.held` value: an order the fraud stage holds while a person decides.
public struct HeldOrder: JSONObjectType {
    /// The JSON names of its members.
    public enum Field: String, CaseIterable, Sendable {
        case order, fraud, heldAt = "held_at"
    }

    public var order: ValidatedOrder
    public var fraud: FraudVerdict
    /// When it was put on hold (RFC 3339).
    public var heldAt: String

    public init(order: ValidatedOrder, fraud: FraudVerdict, heldAt: String) {
        self.order = order
        self.fraud = fraud
        self.heldAt = heldAt
    }

    public init(json: JSONValue) throws(ContractDecodingError) {
        let m = try MessageDecoding.members(json)
        order = try MessageDecoding.object(m[Field.order.rawValue], "/order")
        fraud = try MessageDecoding.object(m[Field.fraud.rawValue], "/fraud")
        heldAt = try MessageDecoding.string(m[Field.heldAt.rawValue], "/held_at")
    }

    public var json: JSONValue { ["order": order.json, "fraud": fraud.json, "held_at": .string(heldAt)] }
}

/// An `intake.seen` value: intake's record of an order it accepted.
public struct SeenRecord: JSONObjectType {
    /// The JSON names of its members.
    public enum Field: String, CaseIterable, Sendable {
        case fingerprint, at
    }

    /// The accepted order's ``IntakeSummary/fingerprint``.
    public var fingerprint: String
    /// When it was accepted (RFC 3339; empty in records that did not say).
    public var at: String

    public init(fingerprint: String, at: String) {
        self.fingerprint = fingerprint
        self.at = at
    }

    public init(json: JSONValue) throws(ContractDecodingError) {
        let m = try MessageDecoding.members(json)
        fingerprint = try MessageDecoding.string(m[Field.fingerprint.rawValue], "/fingerprint")
        at = try MessageDecoding.optional(m[Field.at.rawValue], "/at", MessageDecoding.string) ?? ""
    }

    public var json: JSONValue { ["fingerprint": .string(fingerprint), "at": .string(at)] }
}

extension JSONValue {
    /// This object with `members` added (replacing members of the same name); other values unchanged.
    public func adding(_ members: [String: JSONValue]) -> JSONValue {
        guard case .object(var o) = self else { return self }
        for (k, v) in members { o[k] = v }
        return .object(o)
    }
}

/// A `routing.held` value: an approved order nothing can fill now, and why.
public struct RoutingHeldOrder: JSONObjectType {
    /// The JSON names of its members.
    public enum Field: String, CaseIterable, Sendable {
        case order, reasons, heldAt = "held_at"
    }

    public var order: ApprovedOrder
    public var reasons: [Reason]
    /// When it was put on hold (RFC 3339, event time).
    public var heldAt: String

    public init(order: ApprovedOrder, reasons: [Reason], heldAt: String) {
        self.order = order
        self.reasons = reasons
        self.heldAt = heldAt
    }

    public init(json: JSONValue) throws(ContractDecodingError) {
        let m = try MessageDecoding.members(json)
        order = try MessageDecoding.object(m[Field.order.rawValue], "/order")
        reasons = try MessageDecoding.array(m[Field.reasons.rawValue], "/reasons") { (v, p) throws(ContractDecodingError) in
            try MessageDecoding.object(v, p) as Reason
        }
        heldAt = try MessageDecoding.string(m[Field.heldAt.rawValue], "/held_at")
    }

    public var json: JSONValue {
        ["order": order.json, "reasons": .array(reasons.map(\.json)), "held_at": .string(heldAt)]
    }
}

/// What routing keeps about an order it routed (the `routed` member of its `routing.decisions`
/// record): the order, the revision, each purchase order with its assignment and what became
/// of its lines, and the causes already re-routed for.
public struct RoutedOrderState: JSONObjectType {
    public enum Field: String, CaseIterable, Sendable {
        case order, revision, parts, causes
    }

    /// One purchase order routing sent.
    public struct Part: JSONObjectType {
        public enum Field: String, CaseIterable, Sendable {
            case purchaseOrderID = "purchase_order_id", assignment, lines, shipped, ended, origin
        }

        public var purchaseOrderID: String
        public var assignment: RoutingDecision.Assignment
        /// The units asked for, per SKU.
        public var lines: [PurchaseOrder.Line]
        /// SKUs shipped (final), and those that will not come from this supplier.
        public var shipped: [String]
        public var ended: [String]
        /// The country the supplier ships it from (its offer's `ships_from`), which with the
        /// assignment's carrier and the order's country makes its lane; nil in records kept
        /// before routing stored it.
        public var origin: String?

        public init(purchaseOrderID: String, assignment: RoutingDecision.Assignment, lines: [PurchaseOrder.Line], shipped: [String],
                    ended: [String], origin: String? = nil) {
            self.purchaseOrderID = purchaseOrderID
            self.assignment = assignment
            self.lines = lines
            self.shipped = shipped
            self.ended = ended
            self.origin = origin
        }

        public init(json: JSONValue) throws(ContractDecodingError) {
            let m = try MessageDecoding.members(json)
            purchaseOrderID = try MessageDecoding.string(m[Field.purchaseOrderID.rawValue], "/purchase_order_id")
            assignment = try MessageDecoding.object(m[Field.assignment.rawValue], "/assignment")
            lines = try MessageDecoding.array(m[Field.lines.rawValue], "/lines") { (v, p) throws(ContractDecodingError) in
                try MessageDecoding.object(v, p) as PurchaseOrder.Line
            }
            shipped = try MessageDecoding.array(m[Field.shipped.rawValue], "/shipped") { (v, p) throws(ContractDecodingError) in
                try MessageDecoding.string(v, p)
            }
            ended = try MessageDecoding.array(m[Field.ended.rawValue], "/ended") { (v, p) throws(ContractDecodingError) in
                try MessageDecoding.string(v, p)
            }
            origin = try MessageDecoding.optional(m[Field.origin.rawValue], "/origin", MessageDecoding.string)
        }

        public var json: JSONValue {
            var o: [String: JSONValue] = [
                "purchase_order_id": .string(purchaseOrderID), "assignment": assignment.json, "lines": .array(lines.map(\.json)),
                "shipped": .array(shipped.map(JSONValue.string)), "ended": .array(ended.map(JSONValue.string)),
            ]
            if let origin { o[Field.origin.rawValue] = .string(origin) }
            return .object(o)
        }
    }

    public var order: OrderPlaced
    public var revision: Int
    public var parts: [Part]
    public var causes: [String]

    public init(order: OrderPlaced, revision: Int, parts: [Part], causes: [String]) {
        self.order = order
        self.revision = revision
        self.parts = parts
        self.causes = causes
    }

    public init(json: JSONValue) throws(ContractDecodingError) {
        let m = try MessageDecoding.members(json)
        order = try MessageDecoding.object(m[Field.order.rawValue], "/order")
        revision = try MessageDecoding.int(m[Field.revision.rawValue], "/revision")
        parts = try MessageDecoding.array(m[Field.parts.rawValue], "/parts") { (v, p) throws(ContractDecodingError) in
            try MessageDecoding.object(v, p) as Part
        }
        causes = try MessageDecoding.array(m[Field.causes.rawValue], "/causes") { (v, p) throws(ContractDecodingError) in
            try MessageDecoding.string(v, p)
        }
    }

    public var json: JSONValue {
        ["order": order.json, "revision": .integer(Int64(revision)), "parts": .array(parts.map(\.json)),
         "causes": .array(causes.map(JSONValue.string))]
    }
}

/// A carrier's service from one country to another: what lane health is learned and judged by.
public struct CarrierLane: JSONObjectType, Comparable {
    public enum Field: String, CaseIterable, Sendable {
        case carrier, origin, destination
    }

    public var carrier: String
    /// Countries (ISO 3166-1 alpha-2): where the supplier ships from, where the order goes.
    public var origin: String
    public var destination: String

    public init(carrier: String, origin: String, destination: String) {
        self.carrier = carrier
        self.origin = origin
        self.destination = destination
    }

    public init(json: JSONValue) throws(ContractDecodingError) {
        let m = try MessageDecoding.members(json)
        carrier = try MessageDecoding.string(m[Field.carrier.rawValue], "/carrier")
        origin = try MessageDecoding.string(m[Field.origin.rawValue], "/origin")
        destination = try MessageDecoding.string(m[Field.destination.rawValue], "/destination")
    }

    public var json: JSONValue { ["carrier": .string(carrier), "origin": .string(origin), "destination": .string(destination)] }

    /// `carrier/origin/destination`.
    public var key: String { carrier + "/" + origin + "/" + destination }

    /// `dhl PL→DE`, as explanations name a lane.
    public var name: String { "\(carrier) \(origin)→\(destination)" }

    public static func < (a: CarrierLane, b: CarrierLane) -> Bool { a.key < b.key }
}

/// A routed order's suppliers and lanes with lines not shipped yet (`routing.open`): what a
/// supplier's outage or a lane's failure looks orders up by.
public struct RoutingOpenOrder: JSONObjectType {
    public enum Field: String, CaseIterable, Sendable {
        case suppliers, lanes
    }

    public var suppliers: [String]
    /// The lanes of the parts with open lines (empty in values written before routing kept them).
    public var lanes: [CarrierLane]

    public init(suppliers: [String], lanes: [CarrierLane] = []) {
        self.suppliers = suppliers
        self.lanes = lanes
    }

    public init(json: JSONValue) throws(ContractDecodingError) {
        let m = try MessageDecoding.members(json)
        suppliers = try MessageDecoding.array(m[Field.suppliers.rawValue], "/suppliers") { (v, p) throws(ContractDecodingError) in
            try MessageDecoding.string(v, p)
        }
        lanes = try MessageDecoding.optionalArray(m[Field.lanes.rawValue], "/lanes") { (v, p) throws(ContractDecodingError) in
            try MessageDecoding.object(v, p) as CarrierLane
        } ?? []
    }

    public var json: JSONValue { ["suppliers": .array(suppliers.map(JSONValue.string)), "lanes": .array(lanes.map(\.json))] }
}
