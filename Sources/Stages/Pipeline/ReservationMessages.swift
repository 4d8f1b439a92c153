import DropflowContract
import DropflowJSON

/// A purchase order on its way to its supplier through `routing.reservations`: keyed by the
/// supplier, so one routing worker at a time (the owner of that partition) decides, in the order
/// they were asked for, which lines the supplier's stock still allows. It carries the offers the
/// plan counted on, so the ledger judges by stock at least as fresh as the plan's.
public struct ReservationRequest: JSONObjectType {
    public enum Field: String, CaseIterable, Sendable {
        case purchaseOrder = "purchase_order", offers, backorder, at
    }

    public var purchaseOrder: PurchaseOrder
    /// The offer of each line's SKU the plan counted on (none for a cancellation).
    public var offers: [SupplierOffer]
    /// Placed knowingly beyond the supplier's stock: lines its ledger refused that no other
    /// supplier can take now, which it ships when it restocks. The ledger sends it on as it is.
    public var backorder: Bool

    public init(purchaseOrder: PurchaseOrder, offers: [SupplierOffer], backorder: Bool = false) {
        self.purchaseOrder = purchaseOrder
        self.offers = offers
        self.backorder = backorder
    }

    public init(json: JSONValue) throws(ContractDecodingError) {
        let m = try MessageDecoding.members(json)
        purchaseOrder = try PurchaseOrder(json: m[Field.purchaseOrder.rawValue] ?? .null)
        offers = try MessageDecoding.optionalArray(m[Field.offers.rawValue], "/offers") { (v, _) throws(ContractDecodingError) in
            try SupplierOffer(json: v ?? .null)
        } ?? []
        backorder = try MessageDecoding.optional(m[Field.backorder.rawValue], "/backorder", MessageDecoding.bool) ?? false
    }

    /// `at` repeats the purchase order's, so the request's event time is the plan's.
    public var json: JSONValue {
        var members: [String: JSONValue] = ["purchase_order": purchaseOrder.json, "offers": .array(offers.map(\.json)),
                                            "at": .string(purchaseOrder.at)]
        if backorder { members["backorder"] = true }
        return .object(members)
    }
}

/// The `routing_outsold` follow-up a supplier's ledger sends the owner of an order: lines of one
/// of its purchase orders the supplier's stock no longer allowed when their turn came (earlier
/// purchase orders, from any routing worker, took the units). Those lines never reached the
/// supplier; the owner re-routes them.
public struct OutsoldLines: JSONObjectType {
    public enum Field: String, CaseIterable, Sendable {
        case purchaseOrderID = "purchase_order_id", supplierID = "supplier_id", skus, detail, at
    }

    public var purchaseOrderID: String
    public var supplierID: String
    public var skus: [String]
    public var detail: String
    /// The purchase order's time (event time): the re-route is dated by it.
    public var at: String

    public init(purchaseOrderID: String, supplierID: String, skus: [String], detail: String, at: String) {
        self.purchaseOrderID = purchaseOrderID
        self.supplierID = supplierID
        self.skus = skus
        self.detail = detail
        self.at = at
    }

    public init(json: JSONValue) throws(ContractDecodingError) {
        let m = try MessageDecoding.members(json)
        purchaseOrderID = try MessageDecoding.string(m[Field.purchaseOrderID.rawValue], "/purchase_order_id")
        supplierID = try MessageDecoding.string(m[Field.supplierID.rawValue], "/supplier_id")
        skus = try MessageDecoding.array(m[Field.skus.rawValue], "/skus") { (v, p) throws(ContractDecodingError) in
            try MessageDecoding.string(v, p)
        }
        detail = try MessageDecoding.string(m[Field.detail.rawValue], "/detail")
        at = try MessageDecoding.string(m[Field.at.rawValue], "/at")
    }

    public var json: JSONValue {
        ["purchase_order_id": .string(purchaseOrderID), "supplier_id": .string(supplierID), "skus": .array(skus.map(JSONValue.string)),
         "detail": .string(detail), "at": .string(at)]
    }
}

/// A supplier's ledger as routing's `routing.ledger` store keeps it: the lines granted and not
/// yet seen on `purchase-orders`, the requests decided (to recognise a copy) and the lines refused
/// (so a cancellation withdraws only what was sent on), each with its event time in seconds.
public struct LedgerRecord: JSONObjectType {
    public enum Field: String, CaseIterable, Sendable {
        case grants, decided, refused, outage
    }

    /// One line a ledger let through.
    public struct Grant: JSONObjectType {
        public enum Field: String, CaseIterable, Sendable {
            case purchaseOrderID = "purchase_order_id", orderID = "order_id", supplierID = "supplier_id", sku, quantity, at
        }

        public var purchaseOrderID: String
        public var orderID: String
        public var supplierID: String
        public var sku: String
        public var quantity: Int
        public var at: Int64

        public init(purchaseOrderID: String, orderID: String, supplierID: String, sku: String, quantity: Int, at: Int64) {
            self.purchaseOrderID = purchaseOrderID
            self.orderID = orderID
            self.supplierID = supplierID
            self.sku = sku
            self.quantity = quantity
            self.at = at
        }

        public init(json: JSONValue) throws(ContractDecodingError) {
            let m = try MessageDecoding.members(json)
            purchaseOrderID = try MessageDecoding.string(m[Field.purchaseOrderID.rawValue], "/purchase_order_id")
            orderID = try MessageDecoding.string(m[Field.orderID.rawValue], "/order_id")
            supplierID = try MessageDecoding.string(m[Field.supplierID.rawValue], "/supplier_id")
            sku = try MessageDecoding.string(m[Field.sku.rawValue], "/sku")
            quantity = try MessageDecoding.int(m[Field.quantity.rawValue], "/quantity")
            at = Int64(try MessageDecoding.int(m[Field.at.rawValue], "/at"))
        }

        public var json: JSONValue {
            ["purchase_order_id": .string(purchaseOrderID), "order_id": .string(orderID), "supplier_id": .string(supplierID),
             "sku": .string(sku), "quantity": .integer(Int64(quantity)), "at": .integer(at)]
        }
    }

    public var grants: [Grant]
    /// `purchase order id/revision/action` → when it was decided.
    public var decided: [String: Int64]
    /// `purchase order id/sku` → when the line was refused (absent in what older ledgers kept).
    public var refused: [String: Int64]
    /// When the supplier's outage began (its status's `updated_at`), while it lasts.
    public var outage: String?

    public init(grants: [Grant], decided: [String: Int64], refused: [String: Int64] = [:], outage: String? = nil) {
        self.grants = grants
        self.decided = decided
        self.refused = refused
        self.outage = outage
    }

    public init(json: JSONValue) throws(ContractDecodingError) {
        let m = try MessageDecoding.members(json)
        grants = try MessageDecoding.array(m[Field.grants.rawValue], "/grants") { (v, p) throws(ContractDecodingError) in
            try MessageDecoding.object(v, p) as Grant
        }
        decided = try Self.times(m[Field.decided.rawValue], "/decided/")
        refused = try Self.times(m[Field.refused.rawValue], "/refused/")
        outage = try MessageDecoding.optional(m[Field.outage.rawValue], "/outage", MessageDecoding.string)
    }

    /// A `{name: seconds}` member (absent: empty).
    private static func times(_ value: JSONValue?, _ path: String) throws(ContractDecodingError) -> [String: Int64] {
        var times: [String: Int64] = [:]
        for (name, at) in try MessageDecoding.members(value ?? [:]) { times[name] = Int64(try MessageDecoding.int(at, path + name)) }
        return times
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "grants": .array(grants.map(\.json)), "decided": .object(decided.mapValues { .integer($0) }),
            "refused": .object(refused.mapValues { .integer($0) })]
        if let outage { members["outage"] = .string(outage) }
        return .object(members)
    }
}
