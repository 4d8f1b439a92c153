import DropflowContract
import DropflowCore
import DropflowJSON
import DropflowKafka
import DropflowKafkaTesting
import Foundation

/// The chaos test's suppliers: they read `purchase-orders` and answer every purchase order on
/// `supplier.order-updates` (keyed by order id), each by a rule a hash of its id picks
/// (``Plan``), so that every re-route path of routing runs while its workers die:
///
/// - most are accepted at once, then shipped (carrier and tracking number) some seconds later,
///   those of several lines in two parcels: the first line soon, the others later;
/// - one in ten is backordered: its first line, named (the others accepted, then shipped);
/// - one in ten is rejected whole (`skus` absent: every line the supplier received);
/// - one in ten is accepted, then the supplier cancels its first line on its own (the others ship);
/// - one in eight has each of its answers sent twice, a second apart (one cause heard twice).
///
/// Answers that concern every line the supplier received leave `skus` out, as the contract
/// allows. A cancellation (`action: cancel`) is honoured: nothing more is said about the lines
/// it withdraws but a confirmation (`cancelled`, ``confirmation``, naming those not shipped
/// yet). From its ``outage(of:)`` on, a supplier says nothing at all.
///
/// Each answer's time (`at`) is its purchase order's plus a fixed delay; when it is published is
/// the wall clock's (``Plan``), so shipments come while other orders are still being routed.
final class ChaosSuppliers: Sendable {
    /// The reason of a confirmation of routing's own cancellation (not a cause to re-route for).
    static let confirmation = "cancelled at the merchant's request"

    /// What a supplier does with one purchase order.
    enum Plan: String, CaseIterable {
        case ships, backorders, rejects, cancels

        /// The plan for `purchaseOrderID`, whether its answers go out twice, and when they do
        /// after it arrives: the first answer, then the shipment or the supplier's cancellation.
        static func of(_ purchaseOrderID: String) -> (plan: Plan, twice: Bool, first: Duration, later: Duration) {
            let h = FNV1a.hash(("supplier/" + purchaseOrderID).utf8)
            let plan: Plan = switch h % 20 { case 0, 1: .rejects; case 2, 3: .backorders; case 4, 5: .cancels; default: .ships }
            return (plan, (h >> 16) % 8 == 0, .milliseconds(300 + Int64((h >> 24) % 20) * 100), .seconds(5 + Int64((h >> 32) % 30)))
        }
    }

    /// One purchase order as its supplier received it, and what became of its lines.
    struct Received: Sendable {
        var purchaseOrder: PurchaseOrder
        /// SKU → units received.
        var lines: [String: Int]
        var shipped: Set<String> = []
        /// Rejected or cancelled by the supplier on its own.
        var ended: Set<String> = []
        /// Withdrawn by routing's cancellations: those open when they came.
        var withdrawn: Set<String> = []
        /// Every line routing's cancellations named (some may have ended or shipped before).
        var cancelled: Set<String> = []

        var open: Set<String> { Set(lines.keys).subtracting(shipped).subtracting(ended).subtracting(withdrawn) }
    }

    /// An answer waiting for its moment.
    struct Scheduled: Sendable {
        var due: ContinuousClock.Instant
        var update: SupplierOrderUpdate
        /// The same answer again.
        var isCopy = false
    }

    /// A line a supplier would not ship: backordered, rejected or cancelled on its own.
    struct Failure: Sendable, Hashable {
        var orderID: String
        var purchaseOrderID: String
        var supplierID: String
        var sku: String
        var status: SupplierOrderUpdate.Status
    }

    struct State: Sendable {
        /// Placements received, by purchase order id.
        var received: [String: Received] = [:]
        /// `id#revision#action` of each purchase-order message taken (a copy is ignored).
        var taken: Set<String> = []
        var pending: [Scheduled] = []
        /// The next offset to read, by partition of `purchase-orders`.
        var positions: [Int32: Int64] = [:]
        /// The supplier in outage, if any.
        var outage: String?
        /// Answers published (copies included), by status; the second copies; confirmations.
        var published: [SupplierOrderUpdate.Status: Int] = [:]
        var copies = 0, confirmations = 0
        /// Cancellations: honoured (something withdrawn), finding only lines that had shipped, at a supplier in outage.
        var cancels = 0, cancelsAfterShipping = 0, cancelsInOutage = 0
        var failures: Set<Failure> = []
    }

    let state = Locked(State())

    // MARK: Reading purchase orders

    /// Reads `purchase-orders` from the beginning and publishes the answers when they fall due,
    /// until cancelled.
    func run(_ cluster: TestCluster) async throws {
        let consumer = try cluster.consumer(group: uniqueName("suppliers"))
        try consumer.subscribe(topics: [cluster.prefix + TopicDeclaration.purchaseOrders.name])
        let producer = try cluster.producer { $0.messageTimeout = .seconds(120) }
        let speaker = Task {
            while !Task.isCancelled {
                for update in due(at: .now) {
                    try producer.enqueue(KafkaProducerMessage(topic: cluster.prefix + TopicDeclaration.supplierOrderUpdates.name,
                                                              key: Array(update.orderID.utf8), value: update.json.serialized())) { _ in }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        defer { speaker.cancel() }
        for try await m in consumer.messages {
            guard !Task.isCancelled else { break }
            receive(m.value.flatMap { try? PurchaseOrder(json: JSONValue.parse($0)) }, at: .now)
            state.withLock { $0.positions[m.partition] = max($0.positions[m.partition] ?? 0, m.offset + 1) }
        }
    }

    /// A purchase order read at `now`: a placement is planned, a cancellation honoured; a copy
    /// (same id, revision and action) is ignored.
    func receive(_ po: PurchaseOrder?, at now: ContinuousClock.Instant) {
        guard let po else { return }
        let cancel = po.action == .cancel
        state.withLock { s in
            guard s.taken.insert("\(po.purchaseOrderID)#\(po.revision)#\(cancel ? "cancel" : "place")").inserted else { return }
            if cancel { Self.honour(po, at: now, &s) } else { Self.place(po, at: now, &s) }
        }
    }

    /// Plans the answers to a placement by its ``Plan`` (none from the supplier in outage).
    static func place(_ po: PurchaseOrder, at now: ContinuousClock.Instant, _ s: inout State) {
        let lines = Dictionary(po.lines.map { ($0.sku, $0.quantity) }, uniquingKeysWith: +)
        s.received[po.purchaseOrderID] = Received(purchaseOrder: po, lines: lines)
        guard s.outage != po.supplierID else { return }  // in outage: it says nothing
        let (plan, twice, first, later) = Plan.of(po.purchaseOrderID)
        let base = DateTimeFormat.epochSeconds(po.at) ?? 0
        let skus = lines.keys.sorted()
        func answer(_ status: SupplierOrderUpdate.Status, _ named: [String]?, after delay: Duration, hours: Int64,
                    reason: String? = nil) {
            var update = SupplierOrderUpdate(orderID: po.orderID, supplierID: po.supplierID, purchaseOrderID: po.purchaseOrderID,
                                             status: status, reason: reason, skus: named,
                                             at: DateTimeFormat.format(epochSeconds: base + hours * 3_600))
            if status == .shipped {
                update.carrier = po.carrier
                let parcel = po.purchaseOrderID + "/" + (named ?? skus).joined(separator: ",")
                update.trackingNumber = "CH" + String(FNV1a.hash(("tracking/" + parcel).utf8) % 1_000_000_000_000)
            }
            s.pending.append(Scheduled(due: now + delay, update: update))
            if twice { s.pending.append(Scheduled(due: now + delay + .seconds(1), update: update, isCopy: true)) }
        }
        // The first line alone fails (backordered, cancelled), the others ship; `skus` absent means all lines.
        let rest = skus.count > 1 ? Array(skus.dropFirst()) : []
        switch plan {
        case .rejects:
            answer(.rejected, nil, after: first, hours: 1, reason: "cannot fulfil: warehouse backlog")
        case .backorders:
            answer(.backordered, [skus[0]], after: first, hours: 1, reason: "out of stock")
            if !rest.isEmpty {
                answer(.accepted, rest, after: first, hours: 1)
                answer(.shipped, rest, after: later, hours: 20)
            }
        case .cancels:
            answer(.accepted, nil, after: first, hours: 1)
            answer(.cancelled, [skus[0]], after: later, hours: 8, reason: "damaged in the warehouse")
            if !rest.isEmpty { answer(.shipped, rest, after: later + .milliseconds(500), hours: 20) }
        case .ships where rest.isEmpty:
            answer(.accepted, nil, after: first, hours: 1)
            answer(.shipped, nil, after: later, hours: 20)
        case .ships:
            // Two parcels: the first line soon, the others later.
            answer(.accepted, nil, after: first, hours: 1)
            answer(.shipped, [skus[0]], after: first + .seconds(2), hours: 12)
            answer(.shipped, rest, after: later, hours: 20)
        }
    }

    /// A cancellation: the answers still to come say nothing more of the lines it withdraws,
    /// and those not shipped yet are confirmed cancelled (by a supplier not in outage).
    static func honour(_ cancel: PurchaseOrder, at now: ContinuousClock.Instant, _ s: inout State) {
        guard var received = s.received[cancel.purchaseOrderID] else { return }
        let named = Set(cancel.lines.map(\.sku)).intersection(received.lines.keys)
        let withdrawn = named.intersection(received.open)
        received.withdrawn.formUnion(withdrawn)
        received.cancelled.formUnion(named)
        s.received[cancel.purchaseOrderID] = received
        let all = Set(received.lines.keys)
        s.pending = s.pending.compactMap { scheduled in
            guard scheduled.update.purchaseOrderID == cancel.purchaseOrderID else { return scheduled }
            let left = Set(scheduled.update.skus ?? Array(all)).subtracting(named)
            guard !left.isEmpty else { return nil }
            var trimmed = scheduled
            trimmed.update.skus = left == all ? nil : left.sorted()
            return trimmed
        }
        if s.outage == cancel.supplierID {
            s.cancelsInOutage += 1
        } else if withdrawn.isEmpty {
            if !named.isDisjoint(with: received.shipped) { s.cancelsAfterShipping += 1 }
        } else {
            s.cancels += 1
            let at = DateTimeFormat.format(epochSeconds: (DateTimeFormat.epochSeconds(cancel.at) ?? 0) + 1_800)
            s.pending.append(Scheduled(due: now + .milliseconds(500), update: SupplierOrderUpdate(
                orderID: cancel.orderID, supplierID: cancel.supplierID, purchaseOrderID: cancel.purchaseOrderID, status: .cancelled,
                reason: confirmation, skus: withdrawn.sorted(), at: at)))
        }
    }

    /// The answers due at `now`, taken from those waiting (what they say is now so).
    func due(at now: ContinuousClock.Instant) -> [SupplierOrderUpdate] {
        state.withLock { s in
            let due = s.pending.filter { $0.due <= now }.sorted { $0.due < $1.due }
            guard !due.isEmpty else { return [] }
            s.pending.removeAll { $0.due <= now }
            for scheduled in due {
                let update = scheduled.update
                guard let id = update.purchaseOrderID, var received = s.received[id] else { continue }
                if scheduled.isCopy { s.copies += 1 }
                s.published[update.status, default: 0] += 1
                let named = Set(update.skus ?? Array(received.lines.keys))
                switch update.status {
                case .shipped:
                    received.shipped.formUnion(named)
                case .cancelled where update.reason == Self.confirmation:
                    s.confirmations += 1
                case .backordered, .rejected, .cancelled:
                    if update.status != .backordered { received.ended.formUnion(named) }
                    s.failures.formUnion(named.map {
                        Failure(orderID: update.orderID, purchaseOrderID: id, supplierID: update.supplierID, sku: $0, status: update.status)
                    })
                case .accepted:
                    break
                }
                s.received[id] = received
            }
            return due.map(\.update)
        }
    }

    // MARK: An outage

    /// The supplier with the most orders partly shipped there (a line shipped, another open:
    /// where an outage must move only what has not shipped), else with open lines; how many of each.
    func busiest() -> (supplierID: String, orders: Int, partlyShipped: Int)? {
        state.withLock { s in
            var open: [String: Set<String>] = [:], partly: [String: Set<String>] = [:]
            for received in s.received.values where !received.open.isEmpty {
                let supplier = received.purchaseOrder.supplierID, order = received.purchaseOrder.orderID
                open[supplier, default: []].insert(order)
                if !received.shipped.isEmpty { partly[supplier, default: []].insert(order) }
            }
            return open.map { ($0.key, $0.value.count, partly[$0.key]?.count ?? 0) }
                .max { ($0.2, $0.1, $1.0) < ($1.2, $1.1, $0.0) }
        }
    }

    /// `supplierID` goes dark: it answers nothing from now on.
    func outage(of supplierID: String) {
        state.withLock { s in
            s.outage = supplierID
            s.pending.removeAll { $0.update.supplierID == supplierID }
        }
    }

    /// The latest purchase order's time: the stream's "now".
    var latestPurchaseOrder: Int64 {
        state.withLock { $0.received.values.compactMap { DateTimeFormat.epochSeconds($0.purchaseOrder.at) }.max() ?? 0 }
    }

    // MARK: What they said

    /// Nothing waits to be said, and every purchase order up to `ends` (by partition) was read.
    func isDone(reading ends: [Int32: Int64]) -> Bool {
        state.withLock { s in s.pending.isEmpty && ends.allSatisfy { (s.positions[$0.key] ?? 0) >= $0.value } }
    }

    /// Units the suppliers rejected or cancelled on their own and routing did not withdraw
    /// itself as well (its cancellation already counts them): order → supplier → SKU → units.
    var ended: [String: [String: [String: Int]]] {
        state.withLock { s in
            var units: [String: [String: [String: Int]]] = [:]
            for received in s.received.values {
                for sku in received.ended.subtracting(received.cancelled) {
                    units[received.purchaseOrder.orderID, default: [:]][received.purchaseOrder.supplierID, default: [:]][sku, default: 0]
                        += received.lines[sku] ?? 0
                }
            }
            return units
        }
    }

    /// The answers published by status, and the rest of what happened, for the summary.
    var summary: String {
        state.withLock { s in
            let plans = Dictionary(grouping: s.received.keys) { Plan.of($0).plan }.mapValues(\.count)
            return "\(s.received.count) purchase orders (" + Plan.allCases.map { "\(plans[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
                + "); answers: " + SupplierOrderUpdate.Status.allCases.map { "\(s.published[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
                + " (\(s.copies) said twice, \(s.confirmations) confirming routing's cancellations); cancellations: \(s.cancels) honoured, "
                + "\(s.cancelsAfterShipping) after the lines shipped, \(s.cancelsInOutage) at the supplier in outage"
        }
    }
}
