import DropflowCore
import DropflowJSON
import DropflowContract

/// How suppliers answer purchase orders (`supplier.order-updates`), as a pure function of the
/// world and the purchase order: the same purchase order (id and revision) always gets the same
/// answers, so a redelivered one is answered identically.
///
/// What a supplier does: after a delay that depends on its profile, it rejects lines it does not
/// offer (or the whole order when asked to ship with a carrier it does not use), backorders
/// lines it turns out not to have (often, for stock liars), accepts the rest and ships them
/// after a handling time drawn from its true distribution. A backordered line ships once
/// restocked, or is cancelled. During a configured outage it answers nothing until the outage
/// ends, then works through the backlog or rejects.
///
/// It does not see a run's dynamic state (stock levels, random degraded episodes): backorders
/// follow per-profile rates. See README.md (phase 2).
extension World {
    /// The supplier's answers to `purchaseOrder` (a `purchase-orders` value) received at `at`,
    /// in time order. Empty when the supplier is unknown (nobody answers).
    public func answer(purchaseOrder po: JSONValue, at: SimInstant) -> [SimRecord] {
        guard let orderID = po["order_id"]?.stringValue, let supplierID = po["supplier_id"]?.stringValue,
              let supplier = suppliers.first(where: { $0.id == supplierID }) else { return [] }
        let poID = po["purchase_order_id"]?.stringValue
        let revision = po["revision"]?.int64Value ?? 1
        var rng = SimRandom(seed: config.seed, stream: "answer/" + supplierID + "/" + (poID ?? orderID) + "/" + String(revision))
        var answers: [SimRecord] = []
        func update(_ status: String, _ time: SimInstant, reason: String? = nil, skus: [String]? = nil, carrier: String? = nil,
                    tracking: String? = nil, truth: [String: JSONValue]) {
            var value: [String: JSONValue] = ["order_id": .string(orderID), "supplier_id": .string(supplierID),
                                              "status": .string(status), "at": .string(time.rfc3339)]
            if let poID, !poID.isEmpty, poID.count <= 128 { value["purchase_order_id"] = .string(poID) }
            if let reason { value["reason"] = .string(reason) }
            if let skus { value["skus"] = .array(skus.map(JSONValue.string)) }
            if let carrier { value["carrier"] = .string(carrier) }
            if let tracking { value["tracking_number"] = .string(tracking) }
            var t = truth
            t["purchase_order_id"] = poID.map(JSONValue.string) ?? .null
            answers.append(SimRecord(topic: SimRecord.Topic.supplierOrderUpdates, key: orderID, value: .object(value),
                                     truth: .object(t), at: time))
        }

        var respondAt = at + Self.answerDelay(supplier.profile, &rng)
        let violations = ContractSchema.purchaseOrder.validate(po)
        if let first = violations.first {
            update("rejected", respondAt, reason: "invalid purchase order: " + first.message, truth: ["cause": "invalid_purchase_order"])
            return answers
        }
        let carrier = po["carrier"]!.stringValue!
        let lines = po["lines"]!.arrayValue!.map { ($0["sku"]!.stringValue!, $0["quantity"]!.intValue ?? 1) }

        // An outage holds every answer until it ends; then the backlog, or a rejection.
        if let outage = outage(of: supplier.id, at: at) {
            respondAt = outage.start + outage.duration + Self.answerDelay(supplier.profile, &rng)
            if rng.chance(0.3) {
                update("rejected", respondAt, reason: "cannot fulfil: backlog after warehouse outage",
                       truth: ["cause": "supplier_outage", "outage_started_at": .string(outage.start.rfc3339)])
                return answers
            }
        }
        guard supplier.carriers.contains(carrier) else {
            update("rejected", respondAt, reason: "carrier " + carrier + " is not available from " + supplier.id,
                   truth: ["cause": "carrier_not_available"])
            return answers
        }

        var accepted: [String] = []
        var backordered: [(sku: String, offer: SupplierOffer)] = []
        var notOffered: [String] = []
        for (sku, _) in lines {
            guard let offer = supplier.offers.first(where: { $0.sku == sku }) else {
                notOffered.append(sku)
                continue
            }
            if rng.chance(Self.backorderProbability(supplier.profile)) { backordered.append((sku, offer)) } else { accepted.append(sku) }
        }
        if !notOffered.isEmpty {
            update("rejected", respondAt, reason: "not offered by " + supplier.id, skus: notOffered, truth: ["cause": "sku_not_offered"])
        }
        let partial = accepted.count != lines.count
        let shipBy = po["ship_by"]?.stringValue.flatMap(SimInstant.init(rfc3339:))
        if !accepted.isEmpty {
            update("accepted", respondAt, skus: partial ? accepted : nil, truth: ["cause": "in_stock"])
            let handling = supplier.sampleHandlingDays(&rng)
            let shippedAt = respondAt + .days(handling)
            update("shipped", shippedAt, skus: partial ? accepted : nil, carrier: carrier,
                   tracking: Self.trackingNumber(carrier, &rng),
                   truth: ["cause": "in_stock", "handling_days": .double(handling),
                           "late_for_ship_by": .bool(shipBy.map { shippedAt > $0 } ?? false)])
        }
        for (sku, offer) in backordered {
            let cause: JSONValue = supplier.profile == .stockLiar ? "stock_misreported" : "out_of_stock"
            update("backordered", respondAt, reason: "out of stock", skus: [sku], truth: ["cause": cause])
            if rng.chance(0.6) {
                let restock = offer.restockLeadDays * rng.uniform(0.8, 1.3)
                let handling = supplier.sampleHandlingDays(&rng)
                update("shipped", respondAt + .days(restock + handling), skus: [sku], carrier: carrier,
                       tracking: Self.trackingNumber(carrier, &rng),
                       truth: ["cause": "shipped_after_restock", "restock_days": .double(restock), "handling_days": .double(handling)])
            } else {
                update("cancelled", respondAt + .days(rng.uniform(3, 10)), reason: "not restocked", skus: [sku],
                       truth: ["cause": "not_restocked"])
            }
        }
        // Stable: answers made at the same instant keep the order above.
        return answers.enumerated().sorted { $0.element.at != $1.element.at ? $0.element.at < $1.element.at : $0.offset < $1.offset }
            .map(\.element)
    }

    /// The configured outage of supplier `id` under way at `t`, if any.
    public func outage(of id: String, at t: SimInstant) -> SupplierOutage? {
        config.outages.first { outage in
            suppliers[outageSupplierIndex(outage)].id == id && t >= outage.start && t < outage.start + outage.duration
        }
    }

    /// The index of the supplier `outage` hits (the major one when it names none or an unknown one).
    public func outageSupplierIndex(_ outage: SupplierOutage) -> Int {
        outage.supplierID.flatMap { id in suppliers.firstIndex { $0.id == id } } ?? majorSupplierIndex
    }

    /// How long a supplier takes to answer a purchase order.
    static func answerDelay(_ profile: SupplierProfile, _ rng: inout SimRandom) -> SimDuration {
        switch profile {
        case .fastReliable: return .minutes(rng.uniform(5, 60))
        case .cheapSlow: return .hours(rng.uniform(2, 12))
        case .stockLiar: return .hours(rng.uniform(1, 6))
        }
    }

    /// Chance that a line turns out not to be in stock.
    static func backorderProbability(_ profile: SupplierProfile) -> Double {
        switch profile {
        case .fastReliable: return 0.02
        case .cheapSlow: return 0.06
        case .stockLiar: return 0.25
        }
    }

    /// A tracking number in the carrier's style: its initials and 12 digits.
    static func trackingNumber(_ carrier: String, _ rng: inout SimRandom) -> String {
        var s = carrier.split(separator: "-").map { String($0.prefix(1)).uppercased() }.joined()
        for _ in 0..<12 { s.append(Character(Unicode.Scalar(UInt8(0x30 + rng.int(below: 10))))) }
        return s
    }
}
