import DropflowCore
import DropflowJSON
import DropflowContract

/// How suppliers answer purchase orders (`supplier.order-updates`), from their true stock.
///
/// What a supplier does: after a delay that depends on its profile, it rejects lines it does not
/// offer or has withdrawn (or the whole order when asked to ship with a carrier it does not use,
/// or a parcel over the carrier's weight limit), then looks at its TRUE stock at that moment
/// (``StockTimeline``: the feed simulation's stock, whatever its feed said) less the units the
/// run's earlier purchase orders took (``StockLedger``): a line it has the units for is accepted
/// and its units taken; a line it lacks them for is backordered. Accepted lines ship together
/// after a handling time drawn from its true distribution. A backordered line ships after the
/// offer's next restock (when that restock comes within ``maxBackorderWaitDays`` and covers it:
/// the units are taken from it) plus a handling time, or is cancelled 3–10 days later ("not
/// restocked"). During a configured outage it answers nothing until the outage ends, then works
/// through the backlog or rejects.
///
/// Stock liars publish phantom units, so a merchant that believes their feed sends them orders
/// they cannot fill: their backorders come out of the stock, not from a rate.
///
/// The same purchase order (id and revision) with the same stock and ledger always gets the same
/// answers: random draws come from a stream of the purchase order's own.
extension World {
    /// How long a supplier waits for a restock before it cancels a backordered line.
    public static let maxBackorderWaitDays = 14.0

    /// The supplier's answers to `purchaseOrder` (a `purchase-orders` value) received at `at`,
    /// in time order, as if it were the run's only purchase order: its true stock at the moment
    /// with nothing taken before. Empty when the supplier is unknown (nobody answers) and for a
    /// cancellation (there is nothing to cancel). Replays the run's feeds up to then: for many
    /// purchase orders use ``answer(purchaseOrder:at:stock:ledger:)`` or a ``WorldResponder``.
    public func answer(purchaseOrder po: JSONValue, at: SimInstant) -> [SimRecord] {
        var ledger = StockLedger()
        return answer(purchaseOrder: po, at: at, stock: StockTimeline(world: self), ledger: &ledger)
    }

    /// The supplier's answers to `purchaseOrder` received at `at`, from the true stock of
    /// `stock` less what `ledger` holds; the units it takes go into `ledger`.
    public func answer(purchaseOrder po: JSONValue, at: SimInstant, stock: StockTimeline,
                       ledger: inout StockLedger) -> [SimRecord] {
        supplierAnswer(purchaseOrder: po, at: at, stock: stock, ledger: &ledger).records.map(\.record)
    }

    /// The answers and, per line, what became of it (for a later cancellation).
    func supplierAnswer(purchaseOrder po: JSONValue, at: SimInstant, stock: StockTimeline,
                        ledger: inout StockLedger) -> SupplierAnswer {
        guard po["action"]?.stringValue != "cancel", let orderID = po["order_id"]?.stringValue,
              let supplierID = po["supplier_id"]?.stringValue,
              let s = suppliers.firstIndex(where: { $0.id == supplierID }) else { return SupplierAnswer(respondAt: at) }
        let supplier = suppliers[s]
        let poID = po["purchase_order_id"]?.stringValue
        let revision = po["revision"]?.int64Value ?? 1
        var rng = SimRandom(seed: config.seed, stream: "answer/" + supplierID + "/" + (poID ?? orderID) + "/" + String(revision))
        var answer = SupplierAnswer(respondAt: at)
        func update(_ status: String, _ time: SimInstant, reason: String? = nil, skus: [String]? = nil, carrier: String? = nil,
                    tracking: String? = nil, group: Int? = nil, truth: [String: JSONValue]) {
            answer.records.append((Self.orderUpdate(orderID: orderID, supplierID: supplierID, poID: poID, status: status, at: time,
                                                    reason: reason, skus: skus, carrier: carrier, tracking: tracking, truth: truth),
                                   group))
        }

        var respondAt = at + Self.answerDelay(supplier.profile, &rng)
        func done() -> SupplierAnswer {
            answer.respondAt = respondAt
            return answer.sorted()
        }
        let violations = ContractSchema.purchaseOrder.validate(po)
        if let first = violations.first {
            update("rejected", respondAt, reason: "invalid purchase order: " + first.message, truth: ["cause": "invalid_purchase_order"])
            return done()
        }
        let carrier = po["carrier"]!.stringValue!
        let lines = po["lines"]!.arrayValue!.map { ($0["sku"]!.stringValue!, Int($0["quantity"]!.int64Value ?? 1)) }

        // An outage holds every answer until it ends; then the backlog, or a rejection.
        if let outage = outage(of: supplier.id, at: at) {
            respondAt = outage.start + outage.duration + Self.answerDelay(supplier.profile, &rng)
            if rng.chance(0.3) {
                update("rejected", respondAt, reason: "cannot fulfil: backlog after warehouse outage",
                       truth: ["cause": "supplier_outage", "outage_started_at": .string(outage.start.rfc3339)])
                return done()
            }
        }
        guard supplier.carriers.contains(carrier) else {
            update("rejected", respondAt, reason: "carrier " + carrier + " is not available from " + supplier.id,
                   truth: ["cause": "carrier_not_available"])
            return done()
        }
        let weight = lines.reduce(0) { total, line in
            total + line.1 * (supplier.offers.first { $0.sku == line.0 }.map { catalogue.products[$0.productIndex].weightGrams } ?? 0)
        }
        if let service = CarrierService.named(carrier), weight > service.maxWeightGrams {
            update("rejected", respondAt, reason: "parcel of \(weight) g is over the \(service.maxWeightGrams) g limit of " + carrier,
                   truth: ["cause": "over_weight_limit", "weight_grams": .integer(Int64(weight)),
                           "max_weight_grams": .integer(Int64(service.maxWeightGrams))])
            return done()
        }

        var accepted: [(sku: String, quantity: Int, stock: JSONValue, take: Int)] = []
        var backordered: [(sku: String, quantity: Int, offer: Int, point: StockPoint, taken: Int)] = []
        var notOffered: [String] = []
        var withdrawn: [String] = []
        for (sku, quantity) in lines {
            guard let o = supplier.offers.firstIndex(where: { $0.sku == sku }) else {
                notOffered.append(sku)
                continue
            }
            let point = stock.point(supplier: s, offer: o, at: respondAt)
            if point.delisted {
                withdrawn.append(sku)
                continue
            }
            let cycle = ledger.cycle(supplier: s, offer: o, at: respondAt, stock: stock)
            let taken = ledger.taken(supplier: s, offer: o, cycle: cycle)
            if point.quantity - taken >= quantity {
                let take = ledger.take(supplier: s, offer: o, quantity: quantity, cycle: cycle)
                accepted.append((sku, quantity, Self.stockTruth(sku, quantity, point, taken), take))
            } else {
                backordered.append((sku, quantity, o, point, taken))
            }
        }
        if !notOffered.isEmpty {
            update("rejected", respondAt, reason: "not offered by " + supplier.id, skus: notOffered, truth: ["cause": "sku_not_offered"])
        }
        if !withdrawn.isEmpty {
            update("rejected", respondAt, reason: "no longer offered by " + supplier.id, skus: withdrawn,
                   truth: ["cause": "offer_withdrawn"])
        }
        for sku in notOffered + withdrawn {
            answer.lines.append(AnsweredLine(sku: sku, takes: [], group: nil, shipsAt: nil, cancelledAt: nil))
        }
        let partial = accepted.count != lines.count
        let shipBy = po["ship_by"]?.stringValue.flatMap(SimInstant.init(rfc3339:))
        if !accepted.isEmpty {
            let skus = accepted.map(\.sku)
            let stockTruth = JSONValue.array(accepted.map(\.stock))
            update("accepted", respondAt, skus: partial ? skus : nil, truth: ["cause": "in_stock", "stock": stockTruth])
            let handling = supplier.sampleHandlingDays(&rng)
            let shippedAt = respondAt + .days(handling)
            let group = answer.newGroup()
            update("shipped", shippedAt, skus: partial ? skus : nil, carrier: carrier, tracking: Self.trackingNumber(carrier, &rng),
                   group: group,
                   truth: ["cause": "in_stock", "handling_days": .double(handling),
                           "late_for_ship_by": .bool(shipBy.map { shippedAt > $0 } ?? false)])
            for line in accepted {
                answer.lines.append(AnsweredLine(sku: line.sku, takes: [line.take], group: group, shipsAt: shippedAt, cancelledAt: nil))
            }
        }
        for line in backordered {
            var truth = Self.stockTruth(line.sku, line.quantity, line.point, line.taken).objectValue!
            let cause: String
            if line.point.quantity >= line.quantity {
                cause = "taken_by_earlier_purchase_orders"
            } else if line.point.stated >= line.quantity {
                cause = "stock_misreported"
            } else {
                cause = "out_of_stock"
            }
            truth["cause"] = .string(cause)
            truth["supplier_profile"] = .string(supplier.profile.rawValue)
            update("backordered", respondAt, reason: "out of stock", skus: [line.sku], truth: truth)
            let group = answer.newGroup()
            let limit = respondAt + .days(Self.maxBackorderWaitDays)
            if let restock = stock.nextRestock(supplier: s, offer: line.offer, after: respondAt, until: limit),
               case let cycle = ledger.cycle(supplier: s, offer: line.offer, at: restock.at, stock: stock),
               restock.quantity - ledger.taken(supplier: s, offer: line.offer, cycle: cycle) >= line.quantity {
                let take = ledger.take(supplier: s, offer: line.offer, quantity: line.quantity, cycle: cycle)
                let handling = supplier.sampleHandlingDays(&rng)
                let shippedAt = restock.at + .days(handling)
                update("shipped", shippedAt, skus: [line.sku], carrier: carrier, tracking: Self.trackingNumber(carrier, &rng),
                       group: group,
                       truth: ["cause": "shipped_after_restock", "restocked_at": .string(restock.at.rfc3339),
                               "restock_days": .double((restock.at - respondAt).days), "handling_days": .double(handling)])
                answer.lines.append(AnsweredLine(sku: line.sku, takes: [take], group: group, shipsAt: shippedAt, cancelledAt: nil))
            } else {
                let cancelledAt = respondAt + .days(rng.uniform(3, 10))
                update("cancelled", cancelledAt, reason: "not restocked", skus: [line.sku], group: group,
                       truth: ["cause": "not_restocked", "waited_days": .double(Self.maxBackorderWaitDays)])
                answer.lines.append(AnsweredLine(sku: line.sku, takes: [], group: group, shipsAt: nil, cancelledAt: cancelledAt))
            }
        }
        return done()
    }

    /// The supplier's answer to `action: cancel` of a purchase order it answered before
    /// (`placed`), received at `at`: it handles the cancellation after its usual delay, and never
    /// before it answered the purchase order itself (an outage holds it too). Lines not shipped
    /// by then are cancelled (one `cancelled` update, `skus` naming them unless they are all the
    /// lines) and their units go back to stock; their shipments, or their own later
    /// cancellation, will not happen (`withdrawnGroups`). A cancellation whose `lines` name only
    /// some SKUs withdraws only those, unless one ships in a parcel with a line it does not name
    /// (accepted lines ship together): that one ships. Lines already shipped keep their state and
    /// get no new answer: when every line shipped (or ended before), the answer is empty.
    func cancellation(of placed: inout SupplierAnswer, cancel po: JSONValue, at: SimInstant,
                      ledger: inout StockLedger) -> (records: [SimRecord], withdrawnGroups: [Int]) {
        guard let orderID = po["order_id"]?.stringValue, let supplierID = po["supplier_id"]?.stringValue,
              let supplier = supplier(id: supplierID) else { return ([], []) }
        let poID = po["purchase_order_id"]?.stringValue
        let revision = po["revision"]?.int64Value ?? 1
        var rng = SimRandom(seed: config.seed, stream: "cancel/" + supplierID + "/" + (poID ?? orderID) + "/" + String(revision))
        var handledAt = at + Self.answerDelay(supplier.profile, &rng)
        if let outage = outage(of: supplierID, at: at) {
            handledAt = max(handledAt, outage.start + outage.duration + Self.answerDelay(supplier.profile, &rng))
        }
        handledAt = max(handledAt, placed.respondAt)

        var cancelled: [String] = []
        var groups: [Int] = []
        var units = 0
        func pending(_ line: AnsweredLine) -> Bool {
            guard line.group != nil else { return false }  // rejected at once, or cancelled before
            if let shipped = line.shipsAt, shipped <= handledAt { return false }
            if let ended = line.cancelledAt, ended <= handledAt { return false }
            return true
        }
        // A cancellation naming some of the lines withdraws those; a line packed to ship with one
        // it does not name (accepted together, one parcel) ships with it.
        let named = Set(po["lines"]?.arrayValue?.compactMap { $0["sku"]?.stringValue } ?? [])
        var keptGroups: Set<Int> = []
        if !named.isEmpty {
            for line in placed.lines where pending(line) && !named.contains(line.sku) { keptGroups.insert(line.group!) }
        }
        for (k, line) in placed.lines.enumerated() {
            guard pending(line), let group = line.group, !keptGroups.contains(group) else { continue }
            cancelled.append(line.sku)
            if !groups.contains(group) { groups.append(group) }
            for take in line.takes {
                units += ledger.heldQuantity(take) ?? 0
                ledger.release(take)
            }
            placed.lines[k] = AnsweredLine(sku: line.sku, takes: [], group: nil, shipsAt: nil, cancelledAt: handledAt)
        }
        guard !cancelled.isEmpty else { return ([], []) }
        let all = cancelled.count == placed.lines.count
        let record = Self.orderUpdate(orderID: orderID, supplierID: supplierID, poID: poID, status: "cancelled", at: handledAt,
                                      reason: "cancelled at the merchant's request", skus: all ? nil : cancelled, carrier: nil,
                                      tracking: nil,
                                      truth: ["cause": "cancelled_by_merchant", "units_returned": .integer(Int64(units)),
                                              "cancel_received_at": .string(at.rfc3339)])
        return ([record], groups)
    }

    /// One `supplier.order-updates` record (key `order_id`).
    static func orderUpdate(orderID: String, supplierID: String, poID: String?, status: String, at time: SimInstant,
                            reason: String?, skus: [String]?, carrier: String?, tracking: String?,
                            truth: [String: JSONValue]) -> SimRecord {
        var value: [String: JSONValue] = ["order_id": .string(orderID), "supplier_id": .string(supplierID),
                                          "status": .string(status), "at": .string(time.rfc3339)]
        if let poID, !poID.isEmpty, poID.count <= 128 { value["purchase_order_id"] = .string(poID) }
        if let reason { value["reason"] = .string(reason) }
        if let skus { value["skus"] = .array(skus.map(JSONValue.string)) }
        if let carrier { value["carrier"] = .string(carrier) }
        if let tracking { value["tracking_number"] = .string(tracking) }
        var t = truth
        t["purchase_order_id"] = poID.map(JSONValue.string) ?? .null
        return SimRecord(topic: SimRecord.Topic.supplierOrderUpdates, key: orderID, value: .object(value), truth: .object(t), at: time)
    }

    /// What the supplier really had of one line: true stock, units earlier purchase orders took,
    /// what is left, and what its feed stated.
    static func stockTruth(_ sku: String, _ quantity: Int, _ point: StockPoint, _ taken: Int) -> JSONValue {
        ["sku": .string(sku), "quantity": .integer(Int64(quantity)), "true_qty": .integer(Int64(point.quantity)),
         "taken_by_earlier_purchase_orders": .integer(Int64(taken)),
         "available_qty": .integer(Int64(max(0, point.quantity - taken))), "stated_qty": .integer(Int64(point.stated)),
         "restocks": .integer(Int64(point.restocks))]
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

    /// A tracking number in the carrier's style: its initials and 12 digits.
    static func trackingNumber(_ carrier: String, _ rng: inout SimRandom) -> String {
        var s = carrier.split(separator: "-").map { String($0.prefix(1)).uppercased() }.joined()
        for _ in 0..<12 { s.append(Character(Unicode.Scalar(UInt8(0x30 + rng.int(below: 10))))) }
        return s
    }
}

/// One line of an answered purchase order: what became of it.
struct AnsweredLine: Sendable {
    let sku: String
    /// Ledger takes holding its units.
    var takes: [Int]
    /// The group of its future records (its shipment, or its own cancellation); nil when it was
    /// rejected at once.
    var group: Int?
    /// When it ships, if it does.
    var shipsAt: SimInstant?
    /// When it is cancelled (by the supplier for want of a restock, or at the merchant's request).
    var cancelledAt: SimInstant?
}

/// A supplier's answers to one purchase order, each with the group it belongs to (records of
/// one shipment, or of one backordered line's own cancellation, share a group: a later
/// cancellation withdraws them together), and what became of each line.
struct SupplierAnswer: Sendable {
    var records: [(record: SimRecord, group: Int?)] = []
    var lines: [AnsweredLine] = []
    /// When the supplier answered.
    var respondAt: SimInstant
    var groupCount = 0

    init(respondAt: SimInstant) { self.respondAt = respondAt }

    mutating func newGroup() -> Int {
        defer { groupCount += 1 }
        return groupCount
    }

    /// Records in time order; answers made at the same instant keep their order.
    func sorted() -> SupplierAnswer {
        var copy = self
        copy.records = records.enumerated()
            .sorted { $0.element.record.at != $1.element.record.at ? $0.element.record.at < $1.element.record.at : $0.offset < $1.offset }
            .map(\.element)
        return copy
    }
}
