import DropflowContract
import DropflowCore
import DropflowJSON
import DropflowKafka
import DropflowPipeline
import DropflowStages
import Foundation
import Logging

/// Where one order ended, as the demo saw it on the pipeline's outcome topics.
public struct DemoOutcome: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case approved, rejected, review
    }

    public var kind: Kind
    /// model, reviewer, intake, fraud, review
    public var by: String
    public var score: Double?
    /// The reasons in words, with their weights: `card issued in NG but shipping to US (+1.08)`.
    public var reasons: [String]

    public init(kind: Kind, by: String, score: Double?, reasons: [String]) {
        self.kind = kind
        self.by = by
        self.score = score
        self.reasons = reasons
    }

    /// The outcome a message on `topic` says, with its order id; nil for a message that says
    /// nothing the fraud phase counts: another topic, a value that does not decode, or one of
    /// routing's (a routing review case; a rejection `source` `dropflow/routing` made, of an
    /// order fraud had approved: see ``DemoRoutingEvent``).
    public static func read(topic: TopicDeclaration, value: [UInt8], source: String? = nil) -> (orderID: String, outcome: DemoOutcome)? {
        switch topic {
        case .ordersApproved:
            guard let m = try? ApprovedOrder(bytes: value), !m.isRoutingFollowUp else { return nil }
            return (m.orderID, DemoOutcome(kind: .approved, by: m.fraud.decidedBy.rawValue, score: m.fraud.score,
                                           reasons: words(m.fraud.reasons)))
        case .ordersRejected:
            guard source != DemoRoutingEvent.routingSource, let m = try? OrderRejected(bytes: value) else { return nil }
            return (m.orderID, DemoOutcome(kind: .rejected, by: m.stage.rawValue, score: m.fraudScore, reasons: words(m.reasons)))
        case .reviewQueue:
            guard let m = try? ReviewCase(bytes: value), m.stage != "routing" else { return nil }
            return (m.orderID, DemoOutcome(kind: .review, by: "fraud", score: m.fraudScore, reasons: words(m.reasons)))
        default:
            return nil
        }
    }

    static func words(_ reasons: [Reason]) -> [String] {
        reasons.map { r in r.weight.map { String(format: "%@ (%+.2f)", r.detail, $0) } ?? r.detail }
    }
}

extension ApprovedOrder {
    /// Routing's own follow-up about an order it holds (`routing_retry`, `routing_review`), not
    /// the fraud stage's approval.
    var isRoutingFollowUp: Bool {
        let members = order.order.unknownMembers
        return members["routing_retry"] != nil || members["routing_review"] != nil
    }
}

/// What routing did with one approved order, as the demo saw it: routed (its decision), held
/// (the reasons a person was told), and a person's decline of a held order. An order held and
/// then routed keeps its hold reasons.
public struct DemoRouting: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        case routed, held, rejected
    }

    public var decision: RoutingDecision?
    /// The reasons of the hold; nil when routing never held the order.
    public var holdReasons: [Reason]?
    /// Rejected by a person while held.
    public var rejected = false

    public init(decision: RoutingDecision? = nil, holdReasons: [Reason]? = nil, rejected: Bool = false) {
        self.decision = decision
        self.holdReasons = holdReasons
        self.rejected = rejected
    }

    /// Where it is now: rejected, else routed, else held.
    public var state: State { rejected ? .rejected : decision != nil ? .routed : .held }
    public var wasHeld: Bool { holdReasons != nil }

    /// More than one supplier ships it.
    public var isSplit: Bool { (decision?.assignments.count ?? 0) > 1 }

    /// A shipment of the chosen plan goes by a lane with no published rate (cost and transit
    /// estimated): the first of the explanation's scores is the chosen plan's.
    public var usesEstimatedLane: Bool {
        guard let chosen = decision?.explanation.scores?.first else { return false }
        return (chosen["shipments"]?.arrayValue ?? []).contains { $0["lane_estimated"]?.boolValue == true }
    }

    mutating func apply(_ event: DemoRoutingEvent) {
        switch event {
        case .routed(let d):
            if decision == nil || d.revision > decision!.revision { decision = d }
        case .held(let reasons):
            if holdReasons == nil { holdReasons = reasons }
        case .rejected:
            rejected = true
        }
    }
}

/// A routing message about one order, or a supplier's answer to a purchase order.
public enum DemoRoutingEvent: Sendable, Hashable {
    case routed(RoutingDecision)
    case held([Reason])
    case rejected

    /// The `ce_source` of what the routing stage publishes.
    static let routingSource = "dropflow/routing"

    /// What a message on `topic` says about routing, with its order id; nil for anything else.
    public static func read(topic: TopicDeclaration, value: [UInt8], source: String?) -> (orderID: String, event: DemoRoutingEvent)? {
        switch topic {
        case .ordersRouted:
            guard let m = try? RoutingDecision(bytes: value) else { return nil }
            return (m.orderID, .routed(m))
        case .reviewQueue:
            guard let m = try? ReviewCase(bytes: value), m.stage == "routing" else { return nil }
            return (m.orderID, .held(m.reasons))
        case .ordersRejected:
            guard source == routingSource, let m = try? OrderRejected(bytes: value) else { return nil }
            return (m.orderID, .rejected)
        default:
            return nil
        }
    }
}

/// A case waiting for the demo's reviewer: the order, and which stage holds it (`fraud`,
/// `routing`) with its reasons' codes.
struct DemoReviewCase: Sendable, Hashable {
    var orderID: String
    var stage: String
    var reasonCodes: [String]
}

/// Where each order ended, read from the pipeline's outcome topics as they are written.
final class DemoOutcomes: @unchecked Sendable {
    static let topics: [TopicDeclaration] = [.ordersApproved, .ordersRejected, .reviewQueue, .ordersRouted, .purchaseOrders,
                                             .supplierOrderUpdates, .supplierStatus]

    private let consumer: KafkaConsumer
    private let topicsByName: [String: TopicDeclaration]
    private let partitions: Int32
    private let state = Locked(State())

    struct State {
        /// The fraud phase: approved, rejected or in review.
        var outcomes: [String: DemoOutcome] = [:]
        var reviewQueue: [DemoReviewCase] = []
        /// The routing phase, per approved order routing said something about.
        var routing: [String: DemoRouting] = [:]
        /// Purchase order ids seen.
        var purchaseOrders: Set<String> = []
        /// Suppliers' answers (purchase order id and status) seen.
        var answers: Set<String> = []
        var answersByStatus: [String: Int] = [:]
        /// Event times (seconds) of causes a re-route answers: a supplier's backorder, rejection
        /// or cancellation by `order/supplier`, an outage by supplier.
        var causes: [String: [Int64]] = [:]
        /// From cause to re-route decision, seconds: by the wall clock (as the routing worker
        /// timed it, the decision's latency header), and in event time.
        var rerouteLatency = DemoLatency()

        /// A later outcome replaces an earlier one, but a review case never replaces a final one.
        mutating func record(_ orderID: String, _ outcome: DemoOutcome) {
            if outcome.kind == .review {
                guard outcomes[orderID] == nil else { return }
                reviewQueue.append(DemoReviewCase(orderID: orderID, stage: "fraud", reasonCodes: []))
            }
            outcomes[orderID] = outcome
        }

        /// What routing said about an order; a hold is handed to the reviewer once.
        mutating func record(_ orderID: String, _ event: DemoRoutingEvent) {
            var routing = self.routing[orderID] ?? DemoRouting()
            if case .held(let reasons) = event, !routing.wasHeld {
                reviewQueue.append(DemoReviewCase(orderID: orderID, stage: "routing", reasonCodes: reasons.map(\.code)))
            }
            routing.apply(event)
            self.routing[orderID] = routing
        }

        mutating func recordPurchaseOrder(_ value: [UInt8]) {
            guard let po = try? PurchaseOrder(bytes: value) else { return }
            purchaseOrders.insert(po.purchaseOrderID)
        }

        mutating func recordAnswer(_ value: [UInt8]) {
            guard let update = try? SupplierOrderUpdate(bytes: value) else { return }
            if [.backordered, .rejected, .cancelled].contains(update.status), let at = DateTimeFormat.epochSeconds(update.at) {
                causes[update.orderID + "/" + update.supplierID, default: []].append(at)
            }
            let id = (update.purchaseOrderID ?? update.orderID + "/" + update.supplierID) + "/" + update.status.rawValue
            if answers.insert(id).inserted { answersByStatus[update.status.rawValue, default: 0] += 1 }
        }

        mutating func recordStatus(_ value: [UInt8]) {
            guard let status = try? SupplierStatus(bytes: value), status.status == .outage,
                  let at = DateTimeFormat.epochSeconds(status.updatedAt) else { return }
            causes[status.supplierID, default: []].append(at)
        }

        /// A re-route decision, with the milliseconds its worker took from cause to decision
        /// (its latency header); in event time, from the latest cause of its supplier (and
        /// order) at or before the decision.
        mutating func recordReroute(_ decision: RoutingDecision, latencyMs: Int64?) {
            guard decision.revision > 1, let reason = decision.rerouteReason, let ms = latencyMs,
                  let supplier = reason.split(separator: " ").first.map(String.init), let at = DateTimeFormat.epochSeconds(decision.at) else { return }
            let key = reason.contains(" is in outage") ? supplier : decision.orderID + "/" + supplier
            let cause = causes[key]?.filter { $0 <= at }.max()
            rerouteLatency.add(wall: Double(ms) / 1000, event: cause.map { Double(at - $0) })
        }

        /// Orders approved by the fraud phase.
        var approved: [String] { outcomes.filter { $0.value.kind == .approved }.map(\.key) }
    }

    init(kafka: KafkaConfiguration, prefix: String, partitions: Int32, logger: Logger) throws {
        var cc = KafkaConsumerConfiguration(kafka, groupID: "dropflow.demo.outcomes.\(UInt32.random(in: 0...UInt32.max))")
        cc.commitOnClose = false
        consumer = try KafkaConsumer(configuration: cc, logger: logger)
        topicsByName = Dictionary(uniqueKeysWithValues: Self.topics.map { ($0.fullName(prefix: prefix), $0) })
        self.partitions = partitions
    }

    func run() async throws {
        try consumer.assign(topicsByName.keys.flatMap { topic in
            (0..<partitions).map { KafkaTopicPartitionOffset(KafkaTopicPartition(topic: topic, partition: $0), offset: KafkaOffset.beginning) }
        })
        defer { Task { try? await consumer.close() } }
        for try await m in consumer.messages {
            guard let topic = topicsByName[m.topic], let value = m.value else { continue }
            let source = m.headers.string(CloudEventsHeader.source)
            state.withLock { s in
                switch topic {
                case .purchaseOrders: s.recordPurchaseOrder(value)
                case .supplierOrderUpdates: s.recordAnswer(value)
                case .supplierStatus: s.recordStatus(value)
                default:
                    if let read = DemoOutcome.read(topic: topic, value: value, source: source) { s.record(read.orderID, read.outcome) }
                    if let read = DemoRoutingEvent.read(topic: topic, value: value, source: source) {
                        s.record(read.orderID, read.event)
                        if case .routed(let decision) = read.event {
                            s.recordReroute(decision, latencyMs: m.headers.string(RerouteTiming.header).flatMap { Int64($0) })
                        }
                    }
                }
            }
        }
    }

    /// Orders approved or rejected (held ones are not final yet).
    var finalCount: Int { state.withLock { $0.outcomes.values.filter { $0.kind != .review }.count } }

    /// Approved orders routing has said nothing about yet.
    var unroutedCount: Int { state.withLock { s in s.approved.filter { s.routing[$0] == nil }.count } }

    /// Supplier answers seen.
    var answerCount: Int { state.withLock { $0.answers.count } }

    /// Something to watch for progress: changes whenever an outcome, a routing event, a purchase
    /// order or an answer arrives.
    var progress: Int {
        state.withLock { s in
            s.outcomes.values.filter { $0.kind != .review }.count + s.routing.values.filter { $0.state != .held }.count
                + s.routing.count + s.purchaseOrders.count + s.answers.count
        }
    }

    /// Whether routing holds the order as far as the demo has read.
    func isHeldByRouting(_ orderID: String) -> Bool { state.withLock { $0.routing[orderID]?.state == .held } }

    /// Review cases not handed out before.
    func takeReviewCases() -> [DemoReviewCase] {
        state.withLock { s in defer { s.reviewQueue.removeAll() }; return s.reviewQueue }
    }

    var snapshot: [String: DemoOutcome] { state.withLock { $0.outcomes } }
    var routingSnapshot: [String: DemoRouting] { state.withLock { $0.routing } }
    var purchaseOrderCount: Int { state.withLock { $0.purchaseOrders.count } }
    var answersByStatus: [String: Int] { state.withLock { $0.answersByStatus } }
    var rerouteLatency: DemoLatency { state.withLock { $0.rerouteLatency } }
}

/// Latencies from a cause to the re-route that answers it, seconds.
public struct DemoLatency: Sendable, Hashable {
    public private(set) var wall: [Double] = []
    public private(set) var event: [Double] = []

    public init() {}

    mutating func add(wall w: Double, event e: Double?) {
        wall.append(w)
        if let e { event.append(e) }
    }

    /// The `p` quantile (nearest rank) of `values`.
    public static func quantile(_ values: [Double], _ p: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))]
    }
}
