import DropflowContract
import DropflowCore
import DropflowJSON
import DropflowKafka
import DropflowKafkaTesting
import DropflowPipeline
import DropflowRouting
import Foundation

/// The chaos test's reviewer and merchant: one verdict per review case (order and stage).
///
/// - A fraud case: approve or decline by a hash of the order id.
/// - A routing case (nothing could fill the order): decline (two in three, by another hash of
///   the id), or approve once the merchant has restocked what it lacks (`supplier.offers`,
///   acknowledged before the verdict goes out); declined when no restock helps.
/// - An order it approved that still waits in `routing.held` a while later (the restocked units
///   went to orders decided before the verdict reached routing, as they may under a backlog):
///   the merchant restocks again (``restockAgain(_:)``), as one watching the held orders would.
final class ChaosReviewer: Sendable {
    let cluster: TestCluster
    let orders: [String: OrderPlaced]
    /// Order id → verdict, of routing cases.
    let routingVerdicts = Locked<[String: String]>([:])
    /// "supplier/sku" of every offer restocked.
    let restocked = Locked<Set<String>>([])
    /// The supplier in outage, once the test puts one there.
    let outage = Locked<SupplierStatus?>(nil)
    /// The world as the merchant knows it: the published feeds, its own restocks and routing's
    /// purchase orders.
    private let picture: Locked<RoutingPicture>
    /// Order id → how many times the merchant restocked for it.
    let restocks = Locked<[String: Int]>([:])
    /// The time every verdict carries.
    static let at = "2026-11-24T12:00:00Z"

    init(_ cluster: TestCluster, world: RoutingPicture, orders: [String: OrderPlaced]) {
        self.cluster = cluster
        self.orders = orders
        self.picture = Locked(world)
    }

    /// Reads `review.queue` and decides every case, until cancelled.
    func run() async throws {
        let consumer = try cluster.consumer(group: uniqueName("reviewer"))
        try consumer.subscribe(topics: [cluster.prefix + TopicDeclaration.reviewQueue.name])
        let producer = try cluster.producer()
        var decided = Set<String>()
        for try await m in consumer.messages {
            guard let v = try? JSONValue.parse(m.value ?? []), let id = v["order_id"]?.stringValue else { continue }
            let stage = v["stage"]?.stringValue ?? "fraud"
            guard decided.insert(stage + "/" + id).inserted else { continue }
            var verdict = FNV1a.hash(id.utf8) % 2 == 0 ? "approve" : "decline"
            if stage == "routing" {
                verdict = FNV1a.hash(("routing/" + id).utf8) % 3 == 0 ? "approve" : "decline"
                if verdict == "approve", try await !restock(for: id, producer: producer) { verdict = "decline" }
                routingVerdicts.withLock { $0[id] = verdict }
            }
            let decision: JSONValue = ["order_id": .string(id), "decision": .string(verdict), "reviewer": "chaos", "at": .string(Self.at)]
            try producer.enqueue(KafkaProducerMessage(topic: cluster.prefix + TopicDeclaration.reviewDecisions.name, key: Array(id.utf8),
                                                      value: decision.serialized())) { _ in }
        }
    }

    /// Restocks once more for each order of `held` the reviewer approved (orders still waiting in
    /// `routing.held`); the ids it restocked for.
    func restockAgain(_ held: some Sequence<String>) async throws -> [String] {
        let approved = routingVerdicts.withLock { $0 }.filter { $0.value == "approve" }.keys
        let waiting = Set(held).intersection(approved).sorted()
        guard !waiting.isEmpty else { return [] }
        let producer = try cluster.producer()
        defer { Task { await producer.close() } }
        var done: [String] = []
        for id in waiting where try await restock(for: id, producer: producer) { done.append(id) }
        return done
    }

    /// Publishes the restock that lets `orderID` be routed, as the merchant sees the world now;
    /// false when none does.
    private func restock(for orderID: String, producer: KafkaProducer) async throws -> Bool {
        guard let order = orders[orderID] else { return false }
        // What routing has on order, so a restock covers the units its purchase orders hold.
        let placed = try await cluster.readAll(TopicDeclaration.purchaseOrders.name).compactMap {
            try? PurchaseOrder(json: JSONValue.parse($0.value ?? []))
        }
        let seconds = max(DateTimeFormat.epochSeconds(order.placedAt) ?? 0, DateTimeFormat.epochSeconds(Self.at) ?? 0)
        let outage = self.outage.current
        let offers: [DropflowContract.SupplierOffer]? = picture.withLock { picture in
            for po in placed { picture.apply(po, learning: false) }
            if let outage { picture.apply(outage) }  // no restock lets a supplier in outage ship
            return Self.restocks(for: order, at: seconds, picture: &picture)
        }
        guard let offers else { return false }
        restocks.withLock { $0[orderID, default: 0] += 1 }
        for offer in offers {
            restocked.withLock { _ = $0.insert(offer.supplierID + "/" + offer.sku) }
            _ = try await producer.send(KafkaProducerMessage(topic: cluster.prefix + TopicDeclaration.supplierOffers.name,
                                                             key: Array((offer.supplierID + "/" + offer.sku).utf8),
                                                             value: offer.json.serialized()))
        }
        return true
    }

    /// What the merchant arranges before approving an order routing holds: the order's units, twenty
    /// more, and the units routing's purchase orders hold there (`picture` has read them; a
    /// backorder placed beyond the stock holds its units too) added at every supplier offering one
    /// of its SKUs, each offer one second newer. Added, not set: routing's purchase orders hold
    /// their units until the supplier's feed counts them again.
    /// Nil when no such restock lets the order be routed (then the reviewer declines it).
    static func restocks(for order: OrderPlaced, at seconds: Int64, picture: inout RoutingPicture) -> [DropflowContract.SupplierOffer]? {
        var trial = picture
        var offers: [DropflowContract.SupplierOffer] = []
        for sku in Set(order.lines.map(\.sku)).sorted() {
            let need = order.lines.filter { $0.sku == sku }.reduce(0) { $0 + $1.quantity }
            for supplier in trial.suppliersBySKU[sku] ?? [] {
                guard var offer = trial.offer(supplier: supplier, sku: sku) else { continue }
                // On top of what routing's purchase orders hold there (backorders included: a restock fills them first).
                offer.availableQty += need + 20 + (trial.stock(supplier: supplier, sku: sku, at: seconds, buffer: 0)?.reserved ?? 0)
                offer.updatedAt = DateTimeFormat.format(epochSeconds: (DateTimeFormat.epochSeconds(offer.updatedAt) ?? seconds) + 1)
                trial.apply(offerKey: supplier + "/" + sku, offer)
                offers.append(offer)
            }
        }
        guard case .routed = RoutingDecider().decide(order, picture: trial, at: seconds) else { return nil }
        picture = trial
        return offers
    }
}
