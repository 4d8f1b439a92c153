import DropflowContract
import DropflowCore
import DropflowJSON
import DropflowKafka
import DropflowPipeline
import DropflowRouting
import DropflowRuntime
import Foundation

/// `dropflow worker routing`: suppliers and carriers for every approved order, by landed cost,
/// speed and reliability, explained. The decisions are `RoutingDecider`'s and `RoutingMessages`'
/// (`Stages/Routing/Decision`); this adapter wires them to topics.
///
/// Every worker follows `supplier.offers`, `supplier.status`, `carrier.rates` and
/// `supplier.order-updates` in full: its picture of the world; and `purchase-orders` (routing's
/// own) with `shipments.events`, to learn suppliers' handling and carriers' pickup and transit
/// from what they do. It reads, in its group:
///
/// - `orders.approved` (keyed by order id): an order the fraud stage approved → routed
///   (`orders.routed`, one `purchase-orders` message per supplier) or, when nothing can fill it
///   now, held (`review.queue`, stage `routing`, and the `routing.held` table). The same topic
///   carries routing's own follow-ups about a held order, so that everything about one order is
///   decided by the owner of its partition, in order, with its store: `routing_retry` (the
///   picture may now allow it) and `routing_review` (a person's verdict).
/// - `supplier.offers`, `supplier.status`, `carrier.rates`: when a change lets a held order be
///   filled, a `routing_retry` copy of it goes to `orders.approved`.
/// - `review.decisions`: a verdict on an order routing holds becomes a `routing_review` copy;
///   others are the fraud stage's.
/// - `supplier.order-updates`: a supplier's answer becomes a `routing_update` follow-up to the
///   owner of its order, which re-routes what a backorder, a rejection or the supplier's own
///   cancellation leaves unfilled (``answered(_:heard:context:memory:decider:metrics:)``).
/// - `supplier.status`: an outage becomes a `routing_outage` follow-up to the owner of each order
///   with lines open at the supplier (found in the `routing.open` table).
/// - `shipments.events`: an exception that turns its lane degraded becomes a `routing_lane`
///   follow-up to the owner of each order with a part not handed over on that lane
///   (``laneFailed(_:heard:context:memory:)``), which moves it to another carrier or supplier.
///
/// Each decision about an order is recorded in ``decisions`` before its outputs go out.
public enum RoutingStage {
    public static let name = "routing"

    /// Order id → `{state: routed | held | rejected, revision, at}`.
    public static let decisions = StateStore(changelog: .routingDecisions, partitionedLike: .ordersApproved, horizon: Topology.horizon)
    /// Supplier id → its ``SupplierLedger``: what the single writer of the supplier's purchase
    /// orders granted lately and which requests it decided.
    public static let ledger = StateStore(changelog: .routingLedger, partitionedLike: .routingReservations, horizon: Topology.horizon)

    /// A compacted feed (`supplier.offers`, `carrier.rates`): a tombstone (JSON null to the
    /// handler), or a value valid under the contract (its `updated_at` is the input's time).
    static func tombstoneOr(_ topic: TopicDeclaration, _ schema: ContractSchema) -> InputTopic {
        InputTopic(topic) { value throws(InvalidInput) in
            guard let value else { return .null }
            guard let json = try? JSONValue.parse(value) else { throw InvalidInput(reason: "not JSON") }
            if let violation = schema.validate(json).first {
                throw InvalidInput(reason: "does not match \(schema.rawValue): \(violation.message)")
            }
            return json
        }
    }

    /// How many orders one outage's fan-out step hands back: the ledger records each step's
    /// outputs with its decision, and a record must stay well under Kafka's message size.
    public static let fanOutStep = 500

    /// - Parameter fanOutStep: see ``fanOutStep`` (tests make it small).
    public static func definition(config: RoutingConfig = RoutingConfig(), fanOutStep: Int = fanOutStep) -> StageDefinition {
        let memory = RoutingMemory(RoutingPicture(reservations: Reservations(expirySeconds: config.reservationExpirySeconds)))
        let decider = RoutingDecider(config: config)
        let metrics = RoutingMetrics()
        let feeds = [
            FollowedTopic(.supplierOffers) { key, value, _ in memory.update { applyOffer(key: key, value: value, to: &$0) } },
            FollowedTopic(.supplierStatus) { _, value, _ in
                guard let status = value.flatMap({ try? SupplierStatus(json: JSONValue.parse($0)) }) else { return }
                memory.update { $0.apply(status) }
            },
            FollowedTopic(.carrierRates) { key, value, _ in memory.update { applyRate(key: key, value: value, to: &$0) } },
            FollowedTopic(.supplierOrderUpdates) { _, value, _ in
                guard let update = value.flatMap({ try? SupplierOrderUpdate(json: JSONValue.parse($0)) }),
                      let at = DateTimeFormat.epochSeconds(update.at) else { return }
                memory.update { $0.apply(update, at: at) }
            },
            // Lead times are learned from routing's own purchase orders and the parcels' tracking.
            FollowedTopic(.purchaseOrders) { _, value, _ in
                guard let po = value.flatMap({ try? PurchaseOrder(json: JSONValue.parse($0)) }) else { return }
                memory.update { $0.apply(po) }
            },
            FollowedTopic(.shipmentsEvents) { _, value, _ in
                guard let event = value.flatMap({ try? ShipmentEvent(json: JSONValue.parse($0)) }) else { return }
                memory.update { $0.apply(event) }
            },
            // Windows are calibrated by what routing's own decisions predicted against the deliveries.
            FollowedTopic(.ordersRouted) { _, value, _ in
                guard let decision = value.flatMap({ try? RoutingDecision(json: JSONValue.parse($0)) }) else { return }
                memory.update { $0.apply(decision) }
            },
        ]
        return StageDefinition(
            name: name,
            inputs: [.jsonObject(.ordersApproved), .contract(.reviewDecisions),
                     tombstoneOr(.supplierOffers, .supplierOffer), .contract(.supplierStatus), tombstoneOr(.carrierRates, .carrierRate),
                     .contract(.supplierOrderUpdates), .contract(.shipmentsEvents), .jsonObject(.routingReservations)],
            outputs: [.ordersRouted, .purchaseOrders, .reviewQueue, .routingHeld, .routingOpen, .ordersRejected, .ordersApproved,
                      .routingReservations],
            tables: [.routingHeld, .routingOpen],
            followed: feeds,
            stores: [decisions, ledger]
        ) { input, context in
            switch input.topic {
            case .ordersApproved:
                return try decideOrder(input.json!, key: input.keyString, context: context, memory: memory, decider: decider, metrics: metrics)
            case .routingReservations:
                return try await reserve(input.json!, supplier: input.keyString, context: context, memory: memory, config: config,
                                         fanOutStep: fanOutStep, metrics: metrics)
            case .supplierOrderUpdates:
                // A supplier's answer goes to the owner of its order, which keeps what was sent.
                let update = try StageError.decode(SupplierOrderUpdate.self, input.json!, as: "a supplier's answer")
                guard update.status != .accepted else { return [] }
                return [StageOutput(topic: .ordersApproved, key: update.orderID,
                                    json: ["routing_update": update.json, "heard_ms": .integer(RerouteTiming.heardMs(input))])]
            case .shipmentsEvents:
                let event = try StageError.decode(ShipmentEvent.self, input.json!, as: "a tracking event")
                return try await laneFailed(event, heard: RerouteTiming.heardMs(input), context: context, memory: memory)
            case .reviewDecisions:
                let decision = try StageError.decode(ReviewDecision.self, input.json!, as: "a review decision")
                try await context.catchUpWithTables()
                guard let held = heldOrder(decision.orderID, context) else { return [] }  // the fraud stage's, or none
                let copy = held.order.json.adding(["routing_review": decision.json])
                return [StageOutput(topic: .ordersApproved, key: decision.orderID, json: copy)]
            default:
                // A feed changed: apply it here too (the follower may not have yet), then offer
                // every held order the picture now allows to its owner.
                let cause = try applyFeed(input, memory: memory)
                try await context.catchUpWithTables()
                let picture = memory.current
                let now = context.time.eventMs / 1000
                var outputs: [StageOutput] = []
                // A supplier's status goes to its ledger, in the log of its purchase orders: there an
                // outage sends every order with lines waiting at the supplier to its owner.
                if input.topic == .supplierStatus, let status = try? SupplierStatus(json: input.json!) {
                    outputs.append(StageOutput(topic: .routingReservations, key: status.supplierID,
                                               json: ["supplier_status": status.json, "heard_ms": .integer(RerouteTiming.heardMs(input))]))
                }
                let heldKeys = context.table(.routingHeld).keys.sorted()
                metrics.heldWaiting(heldKeys.count)
                // An offer concerns the orders waiting for its SKU; a status or a rate, any of them.
                let sku = input.topic == .supplierOffers ? input.keyString?.split(separator: "/", maxSplits: 1).last.map(String.init) : nil
                for key in heldKeys {
                    guard let held = heldOrder(key, context) else { continue }
                    let order = held.order.order.order
                    if let sku, !order.lines.contains(where: { $0.sku == sku }) { continue }
                    guard case .routed = decider.decide(order, picture: picture, at: now) else { continue }
                    let retry: JSONValue = ["at": .string(DateTimeFormat.format(epochSeconds: now)), "cause": .string(cause)]
                    outputs.append(StageOutput(topic: .ordersApproved, key: key, json: held.order.json.adding(["routing_retry": retry])))
                }
                return outputs
            }
        }
    }

    // MARK: Orders

    /// An approved order, or routing's follow-up about one it holds.
    static func decideOrder(_ value: JSONValue, key: String?, context: StageContext, memory: RoutingMemory,
                            decider: RoutingDecider, metrics: RoutingMetrics) throws -> [StageOutput] {
        let heard = value["heard_ms"]?.intValue.map(Int64.init)
        if let update = value["routing_update"] {
            return try answered(update, heard: heard, context: context, memory: memory, decider: decider, metrics: metrics)
        }
        if let outage = value["routing_outage"] {
            return try outageReroute(outage, heard: heard, orderID: key, context: context, memory: memory, decider: decider, metrics: metrics)
        }
        if let outsold = value["routing_outsold"] {
            let lines = try StageError.decode(OutsoldLines.self, outsold, as: "a routing_outsold follow-up")
            guard let orderID = key else { throw StageError.permanent("a routing_outsold follow-up without a key") }
            let seconds = DateTimeFormat.epochSeconds(lines.at) ?? context.time.eventMs / 1000
            return revise(orderID, at: seconds, heard: heard, context: context, memory: memory, decider: decider, metrics: metrics) {
                $0.outsold(lines)
            }
        }
        if let lane = value["routing_lane"] {
            return try laneReroute(lane, heard: heard, orderID: key, context: context, memory: memory, decider: decider, metrics: metrics)
        }
        let approved = try StageError.decode(ApprovedOrder.self, value, as: "an approved order")
        let orderID = approved.orderID
        let order = approved.order.order
        let recorded = context.store(decisions)[orderID].flatMap { try? JSONValue.parse($0) }
        let state = recorded?["state"]?.stringValue
        let retry = value["routing_retry"], review = value["routing_review"]
        // When: the latest time the value carries (placement, the fraud verdict, the follow-up).
        let times = [order.placedAt, approved.fraud.at, retry?["at"]?.stringValue, review?["at"]?.stringValue]
        let seconds = times.compactMap { $0.flatMap(DateTimeFormat.epochSeconds) }.max() ?? context.time.eventMs / 1000
        let at = DateTimeFormat.format(epochSeconds: seconds)

        if let review {
            let decision = try StageError.decode(ReviewDecision.self, review, as: "a review decision")
            guard state == "held" else {
                context.logger.notice("review decision for an order routing does not hold: ignored",
                                      metadata: ["order.id": "\(orderID)", "routing.state": "\(state ?? "none")"])
                return []
            }
            if decision.decision == .decline {
                let rejection = RoutingMessages.rejection(orderID: orderID, decision: decision, at: seconds)
                metrics.decision("rejected")
                return [.record(decisions, key: orderID, state: stateRecord("rejected", revision: 0, at: at)),
                        StageOutput(topic: .ordersRejected, key: orderID, json: rejection.json),
                        .tombstone(.routingHeld, key: orderID)]
            }
            // A person's approve: route it now if anything can; otherwise it keeps waiting.
        } else if retry != nil {
            guard state == "held" else { return [] }  // routed or declined meanwhile
        } else if state != nil {
            context.logger.info("approved order already routed or held (a copy): ignored", metadata: ["order.id": "\(orderID)"])
            return []
        }

        let picture = memory.current
        switch decider.decide(order, picture: picture, at: seconds) {
        case .routed(let chosen, let ranked, let binding):
            let decision = RoutingMessages.decision(order: order, chosen: chosen, ranked: ranked, binding: binding, revision: 1,
                                                    at: seconds, config: decider.config, calibration: picture.learned.calibration)
            context.logger.info("routing decision", metadata: [
                "order.id": "\(orderID)", "routing.plan": "\(chosen.name)", "routing.cost": "\(decision.totalCost ?? "")",
                "routing.on_time": "\(Int((chosen.onTime * 100).rounded()))%"])
            let purchaseOrders = RoutingMessages.purchaseOrders(order: order, plan: chosen, revision: 1, at: seconds)
            metrics.decision("routed")
            metrics.learned(chosen)
            let routed = RoutedOrder(order: order, decision: decision, purchaseOrders: purchaseOrders, plan: chosen)
            var outputs: [StageOutput] = [.record(decisions, key: orderID, state: routedRecord(routed, at: at))]
            outputs += openOutputs(routed, was: nil)
            outputs.append(StageOutput(topic: .ordersRouted, key: orderID, json: decision.json))
            outputs += purchaseOrders.map { request($0, picture: picture) }
            if state == "held" { outputs.append(.tombstone(.routingHeld, key: orderID)) }
            return outputs
        case .hold(let reasons):
            if state == "held" {  // still waiting: the next feed change for its SKUs offers it again
                if review != nil {
                    context.logger.notice("order approved by a reviewer, but nothing can fill it yet: it keeps waiting for stock", metadata: [
                        "order.id": "\(orderID)", "routing.reasons": "\(reasons.map(\.detail))"])
                }
                return []
            }
            metrics.decision("held")
            context.logger.notice("order held: nothing can fill it now", metadata: [
                "order.id": "\(orderID)", "routing.reasons": "\(reasons.map(\.code))"])
            let held = RoutingHeldOrder(order: approved, reasons: reasons.map { Reason(code: $0.code, detail: $0.detail) }, heldAt: at)
            return [.record(decisions, key: orderID, state: stateRecord("held", revision: 0, at: at)),
                    StageOutput(topic: .routingHeld, key: orderID, json: held.json),
                    StageOutput(topic: .reviewQueue, key: orderID, json: RoutingMessages.reviewCase(order: order, reasons: reasons, at: seconds).json)]
        }
    }

    // MARK: Suppliers' answers

    /// A supplier's answer to one of routing's purchase orders, at the owner of its order: shipped
    /// lines become final; a backorder, a rejection or the supplier's own cancellation re-routes
    /// the lines it names, once per cause.
    static func answered(_ value: JSONValue, heard: Int64?, context: StageContext, memory: RoutingMemory, decider: RoutingDecider,
                         metrics: RoutingMetrics) throws -> [StageOutput] {
        let update = try StageError.decode(SupplierOrderUpdate.self, value, as: "a supplier's answer")
        let seconds = DateTimeFormat.epochSeconds(update.at) ?? context.time.eventMs / 1000
        return revise(update.orderID, at: seconds, heard: heard, context: context, memory: memory, decider: decider, metrics: metrics) {
            $0.record(update)
        }
    }

    /// A supplier's outage, at the owner of an order with lines waiting there: they go elsewhere.
    static func outageReroute(_ value: JSONValue, heard: Int64?, orderID: String?, context: StageContext, memory: RoutingMemory,
                              decider: RoutingDecider, metrics: RoutingMetrics) throws -> [StageOutput] {
        guard let supplierID = value["supplier_id"]?.stringValue, let since = value["since"]?.stringValue, let orderID else {
            throw StageError.permanent("a routing_outage follow-up without supplier_id, since or key")
        }
        let seconds = spellTime(since: since, orderID: orderID, context: context)
        return revise(orderID, at: seconds, heard: heard, context: context, memory: memory, decider: decider, metrics: metrics) { _ in
            RerouteCause(kind: .outage, supplierID: supplierID, purchaseOrderID: nil, skus: [], detail: since)
        }
    }

    /// A lane's failure, at the owner of an order with a part on it not handed over to the
    /// carrier: its open lines go to another carrier or supplier.
    static func laneReroute(_ value: JSONValue, heard: Int64?, orderID: String?, context: StageContext, memory: RoutingMemory,
                            decider: RoutingDecider, metrics: RoutingMetrics) throws -> [StageOutput] {
        guard let lane = try? CarrierLane(json: value), let since = value["since"]?.stringValue, let orderID else {
            throw StageError.permanent("a routing_lane follow-up without carrier, origin, destination, since or key")
        }
        let seconds = spellTime(since: since, orderID: orderID, context: context)
        return revise(orderID, at: seconds, heard: heard, context: context, memory: memory, decider: decider, metrics: metrics) { _ in
            .laneFailure(lane, since: since)
        }
    }

    /// When to re-route `orderID` for a spell (an outage, a lane's failure) that began `since`:
    /// then, or at the order's last decision if that came later (a spell heard late), never by
    /// the clock of whatever message carried it.
    static func spellTime(since: String, orderID: String, context: StageContext) -> Int64 {
        let decided = context.store(decisions)[orderID].flatMap { try? JSONValue.parse($0) }?["at"]?.stringValue
        return max(DateTimeFormat.epochSeconds(since) ?? 0, decided.flatMap(DateTimeFormat.epochSeconds) ?? 0)
    }

    // MARK: Spells

    /// A tracking event in the group: when it is the exception that turned its lane from healthy
    /// to degraded, every order with a part on that lane not handed over goes to its owner to be
    /// re-routed (`routing_lane`), once per spell.
    ///
    /// The event is counted by the `shipments.events` follower alone, not applied again here as
    /// an offer is (applied again, an offer changes nothing; an exception would count twice),
    /// and the parcel it concerns is known only once the follower has read the supplier's
    /// `shipped` update. So the handler catches up with the followed topics, then asks the
    /// learner whether this event turned its lane (``LeadTimeLearner/laneFailure(turnedBy:)``,
    /// judged as it was counted, by the lane's health before and after at the event's time).
    static func laneFailed(_ event: ShipmentEvent, heard: Int64, context: StageContext, memory: RoutingMemory) async throws -> [StageOutput] {
        guard event.status == .exception else { return [] }  // only an exception can degrade a lane
        try await context.catchUpWithTables()
        guard let failure = memory.current.learned.laneFailure(turnedBy: event) else { return [] }
        let since = DateTimeFormat.format(epochSeconds: failure.since)
        context.logger.notice("lane degraded: re-routing the orders waiting to be handed over on it", metadata: [
            "lane.name": "\(failure.lane.name)", "lane.since": "\(since)",
            "lane.exceptions": "\(Int(failure.health.exceptions.rounded()))", "lane.detail": "\(failure.health.lastDetail ?? "")"])
        let lane = failure.lane.json.adding(["since": .string(since)])
        return followUps("routing_lane", lane, heard: heard, context: context) { $0.lanes.contains(failure.lane) }
    }

    /// A follow-up `{<member>: value, heard_ms}` to `orders.approved` for each order of the
    /// `routing.open` table that `concerned` picks, in key order: its owner re-routes it.
    /// `after`: only the orders whose keys come after it.
    static func followUps(_ member: String, _ value: JSONValue, heard: Int64, context: StageContext, after: String? = nil,
                          where concerned: (RoutingOpenOrder) -> Bool) -> [StageOutput] {
        let table = context.table(.routingOpen)
        return table.keys.sorted().filter { key in after.map { key > $0 } ?? true }.compactMap { key in
            guard let open = table[key].flatMap({ try? RoutingOpenOrder(json: JSONValue.parse($0)) }), concerned(open) else { return nil }
            return StageOutput(topic: .ordersApproved, key: key, json: [member: value, "heard_ms": .integer(heard)])
        }
    }

    /// What routing kept of `orderID`, changed by `change` (which may name a cause to re-route
    /// for), and re-routed: the record first, then the outputs. `heard` is when the cause became
    /// known (``RerouteTiming/heardMs(_:)``, ms): the re-route's latency, for operators only.
    static func revise(_ orderID: String, at seconds: Int64, heard: Int64?, context: StageContext, memory: RoutingMemory,
                       decider: RoutingDecider, metrics: RoutingMetrics, _ change: (inout RoutedOrder) -> RerouteCause?) -> [StageOutput] {
        guard let recorded = context.store(decisions)[orderID].flatMap({ try? JSONValue.parse($0) }),
              let kept = recorded["routed"], let state = try? RoutedOrderState(json: kept) else {
            return []  // not routing's, or nothing of it is open any more
        }
        var routed = RoutedOrder(state: state)
        let before = routed
        let at = DateTimeFormat.format(epochSeconds: seconds)
        var outputs: [StageOutput] = []
        if let cause = change(&routed) {
            // An oversell: units routing sent for that the supplier did not have (counted once per cause).
            if cause.kind == .backordered && !before.causes.contains(cause.tag) { metrics.oversell(supplier: cause.supplierID) }
            switch decider.reroute(&routed, cause: cause, picture: memory.current, at: seconds) {
            case .rerouted(let decision, let purchaseOrders, let cancellations):
                metrics.decision("rerouted")
                metrics.reroute(cause.kind)
                context.logger.info("order re-routed", metadata: [
                    "order.id": "\(orderID)", "routing.cause": "\(cause.kind.rawValue)", "routing.revision": "\(decision.revision)"])
                var routedOutput = StageOutput(topic: .ordersRouted, key: orderID, json: decision.json)
                if let heard {
                    let latency = max(0, RerouteTiming.wallMs() - heard)
                    metrics.rerouteLatency(seconds: Double(latency) / 1000, cause: cause.kind)
                    routedOutput.headers.append(KafkaHeader(key: RerouteTiming.header, string: String(latency)))
                }
                outputs.append(routedOutput)
                let picture = memory.current
                // After an outsold cause, a new purchase order to its own supplier is the backorder nobody else could take.
                outputs += (cancellations + purchaseOrders).map {
                    request($0, picture: picture, backorder: cause.kind == .outsold && $0.supplierID == cause.supplierID && $0.action != .cancel)
                }
            case .cannot(let reasons):
                metrics.decision("reroute_impossible")
                context.logger.notice("no other supplier can take the lines: they stay", metadata: [
                    "order.id": "\(orderID)", "routing.cause": "\(cause.kind.rawValue)", "routing.reasons": "\(reasons.map(\.code))"])
            case .nothing:
                break
            }
        }
        guard routed != before else { return [] }
        return [.record(decisions, key: orderID, state: routedRecord(routed, at: at))] + openOutputs(routed, was: before) + outputs
    }

    // MARK: Suppliers' ledgers

    /// A purchase order on its way to its supplier's ledger, with the offers its plan counted on.
    static func request(_ po: PurchaseOrder, picture: RoutingPicture, backorder: Bool = false) -> StageOutput {
        let offers = po.action == .cancel ? [] : po.lines.compactMap { picture.offer(supplier: po.supplierID, sku: $0.sku) }
        return StageOutput(topic: .routingReservations, key: po.supplierID,
                           json: ReservationRequest(purchaseOrder: po, offers: offers, backorder: backorder).json)
    }

    /// A purchase order at the owner of its supplier's ledger: sent on when the stock allows its
    /// lines; lines it no longer allows are refused, and the order's owner re-routes them.
    static func reserve(_ value: JSONValue, supplier: String?, context: StageContext, memory: RoutingMemory, config: RoutingConfig,
                        fanOutStep: Int, metrics: RoutingMetrics) async throws -> [StageOutput] {
        var ledger = supplier.flatMap { context.store(Self.ledger)[$0] }.flatMap { try? LedgerRecord(json: JSONValue.parse($0)) }
            .map(SupplierLedger.init(record:)) ?? SupplierLedger()
        if let heard = value["supplier_status"] {
            let status = try StageError.decode(SupplierStatus.self, heard, as: "a supplier's status in its ledger")
            guard let supplier, supplier == status.supplierID else {
                throw StageError.permanent("a supplier status keyed \(supplier ?? "(none)") for supplier \(status.supplierID)")
            }
            let after = value["after"]?.stringValue
            // A later step goes on only while the outage it began with lasts.
            if after == nil { ledger.heard(status) }
            let record = StageOutput.record(Self.ledger, key: supplier, state: ledger.record.json.serialized())
            guard let since = ledger.outage, after == nil || since == status.updatedAt else { return [record] }
            // Every purchase order read before the status is in routing.open by now (its owner
            // wrote the order's open lines before asking): the orders with lines waiting there go
            // to their owners, `fanOutStep` at a time, in key order (each step's outputs are
            // recorded with its decision), the rest by the status again with `after`, the last
            // key handed back. Orders whose purchase orders the ledger reads later are handed
            // back one by one, below.
            try await context.catchUpWithTables()
            let heardMs = value["heard_ms"]?.intValue.map(Int64.init) ?? RerouteTiming.wallMs()
            let waiting = followUps("routing_outage", outage(supplier, since: since), heard: heardMs, context: context, after: after) {
                $0.suppliers.contains(supplier)
            }
            let step = Array(waiting.prefix(max(1, fanOutStep)))
            var outputs = [record] + step
            if waiting.count > step.count, let last = step.last?.key {
                outputs.append(StageOutput(topic: .routingReservations, key: supplier,
                                           json: value.adding(["after": .string(String(decoding: last, as: UTF8.self))])))
            }
            return outputs
        }
        let request = try StageError.decode(ReservationRequest.self, value, as: "a reservation request")
        let po = request.purchaseOrder
        guard let supplier, supplier == po.supplierID else {
            throw StageError.permanent("a reservation request keyed \(supplier ?? "(none)") for supplier \(po.supplierID)")
        }
        let seconds = DateTimeFormat.epochSeconds(po.at) ?? context.time.eventMs / 1000
        let picture = memory.current
        let outcome = ledger.decide(po, offers: request.offers, backorder: request.backorder, picture: picture, at: seconds,
                                    expirySeconds: config.reservationExpirySeconds)
        metrics.reservedUnits(picture.reservations.totalReserved(at: seconds) { picture.lastCount(supplier: $0, sku: $1) })
        let record = StageOutput.record(Self.ledger, key: supplier, state: ledger.record.json.serialized())
        switch outcome {
        case .copy:
            return []
        case .neverSent:
            return [record]
        case .cancel(let cancel):
            return [record, StageOutput(topic: .purchaseOrders, key: cancel.orderID, json: cancel.json)]
        case .placed(let sent, let refused, let detail):
            metrics.reservation(request.backorder ? "backorder" : refused.isEmpty ? "granted" : sent == nil ? "refused" : "partly_refused")
            var outputs = [record]
            if let sent { outputs.append(StageOutput(topic: .purchaseOrders, key: sent.orderID, json: sent.json)) }
            // Sent to a supplier in outage (the order was decided before its worker knew): the
            // order's owner re-routes it as the outage's fan-out would have. One re-route per
            // cause: a fan-out that did reach the order changes nothing more.
            if sent != nil, let since = ledger.outage {
                context.logger.notice("purchase order for a supplier in outage: its order is re-routed", metadata: [
                    "order.id": "\(po.orderID)", "supplier.id": "\(supplier)", "supplier.since": "\(since)"])
                outputs.append(StageOutput(topic: .ordersApproved, key: po.orderID,
                                           json: ["routing_outage": outage(supplier, since: since), "heard_ms": .integer(RerouteTiming.wallMs())]))
            }
            if !refused.isEmpty {
                context.logger.notice("purchase order lines refused: earlier orders took the supplier's last units", metadata: [
                    "order.id": "\(po.orderID)", "supplier.id": "\(supplier)", "routing.skus": "\(refused)", "routing.detail": "\(detail)"])
                let outsold = OutsoldLines(purchaseOrderID: po.purchaseOrderID, supplierID: supplier, skus: refused, detail: detail, at: po.at)
                outputs.append(StageOutput(topic: .ordersApproved, key: po.orderID,
                                           json: ["routing_outsold": outsold.json, "heard_ms": .integer(RerouteTiming.wallMs())]))
            }
            return outputs
        }
    }

    /// A `routing_outage` follow-up's cause: `supplier` in outage since `since`.
    static func outage(_ supplier: String, since: String) -> JSONValue {
        ["supplier_id": .string(supplier), "since": .string(since)]
    }

    /// `routing.open` for `routed` when its suppliers or lanes with open lines changed (a
    /// tombstone once none is).
    static func openOutputs(_ routed: RoutedOrder, was before: RoutedOrder?) -> [StageOutput] {
        let open = RoutingOpenOrder(suppliers: routed.openSuppliers, lanes: routed.openLanes)
        guard open != before.map({ RoutingOpenOrder(suppliers: $0.openSuppliers, lanes: $0.openLanes) }) else { return [] }
        let key = routed.order.orderID
        return open.suppliers.isEmpty ? [.tombstone(.routingOpen, key: key)] : [StageOutput(topic: .routingOpen, key: key, json: open.json)]
    }

    /// The store's record of a routed order: while something is open, what was sent and what
    /// became of it (what a re-route works from); then its revision alone.
    static func routedRecord(_ routed: RoutedOrder, at: String) -> [UInt8] {
        var record: [String: JSONValue] = ["state": "routed", "revision": .integer(Int64(routed.revision)), "at": .string(at)]
        if routed.parts.contains(where: { !$0.open.isEmpty }) { record["routed"] = routed.state.json }
        return JSONValue.object(record).serialized()
    }

    static func stateRecord(_ state: String, revision: Int, at: String) -> [UInt8] {
        JSONValue.object(["state": .string(state), "revision": .integer(Int64(revision)), "at": .string(at)]).serialized()
    }

    static func heldOrder(_ orderID: String, _ context: StageContext) -> RoutingHeldOrder? {
        context.table(.routingHeld)[orderID].flatMap { try? RoutingHeldOrder(json: JSONValue.parse($0)) }
    }

    // MARK: Feeds

    static func applyOffer(key: [UInt8]?, value: [UInt8]?, to picture: inout RoutingPicture) {
        guard let key = key.flatMap({ String(validating: $0, as: UTF8.self) }) else { return }
        guard let value else { picture.apply(offerKey: key, nil); return }
        guard let offer = try? SupplierOffer(json: JSONValue.parse(value)) else { return }
        picture.apply(offerKey: key, offer)
    }

    static func applyRate(key: [UInt8]?, value: [UInt8]?, to picture: inout RoutingPicture) {
        guard let key = key.flatMap({ String(validating: $0, as: UTF8.self) }) else { return }
        guard let value else { picture.apply(rateKey: key, nil); return }
        guard let rate = try? CarrierRate(json: JSONValue.parse(value)) else { return }
        picture.apply(rateKey: key, rate)
    }

    /// Applies a feed input to the picture; what changed, for the retry's `cause`.
    static func applyFeed(_ input: StageInput, memory: RoutingMemory) throws -> String {
        let key = input.keyString ?? ""
        switch input.topic {
        case .supplierOffers:
            memory.update { applyOffer(key: input.key, value: input.value, to: &$0) }
            return "offer " + key + (input.value == nil ? " withdrawn" : "")
        case .carrierRates:
            memory.update { applyRate(key: input.key, value: input.value, to: &$0) }
            return "rate " + key + (input.value == nil ? " withdrawn" : "")
        default:
            let status = try StageError.decode(SupplierStatus.self, input.json!, as: "a supplier status")
            memory.update { $0.apply(status) }
            return "supplier \(status.supplierID) \(status.status.rawValue)"
        }
    }
}

extension RoutingStage {
    /// The routing stage's own options: what it converts money by, the customer's promises, how
    /// surely a plan must keep them, and how each merchant priority weighs cost against speed.
    public enum Settings {
        public static let exchangeRates = Setting<String?>.optionalText(
            "exchange-rates", environment: "DROPFLOW_ROUTING_EXCHANGE_RATES", valueName: "CUR=value,...",
            defaultText: "EUR=1, USD=0.92, GBP=1.17, CNY=0.13, ...",
            help: "the value of one unit of each currency in a common unit, to convert offers and rates into the order's currency")
        public static let promiseDays = Setting<String?>.optionalText(
            "promise-days", environment: "DROPFLOW_ROUTING_PROMISE_DAYS", valueName: "option=days,...",
            defaultText: "economy=16, standard=9, express=5",
            help: "the delivery promise of each shipping option, in days from placement")
        public static let onTimeConfidence = Setting<Double?>.optionalNumber(
            "on-time-confidence", environment: "DROPFLOW_ROUTING_ON_TIME_CONFIDENCE", valueName: "probability", defaultText: "0.6",
            help: "a plan must keep the promise with at least this probability when one can")
        public static let windowConfidence = Setting<Double?>.optionalNumber(
            "window-confidence", environment: "DROPFLOW_ROUTING_WINDOW_CONFIDENCE", valueName: "probability", defaultText: "0.8",
            help: "the share of the model's predicted distribution each shipment's window covers (the model's own band)")
        public static let windowCoverage = Setting<Double?>.optionalNumber(
            "window-coverage", environment: "DROPFLOW_ROUTING_WINDOW_COVERAGE", valueName: "probability", defaultText: "0.9",
            help: "the share of deliveries the order's promised window aims to hold, calibrated on recent deliveries")
        public static let maxWindowDays = Setting<String?>.optionalText(
            "max-window-days", environment: "DROPFLOW_ROUTING_MAX_WINDOW_DAYS", valueName: "option=days,...",
            defaultText: "express=4, standard=5, economy=6",
            help: "the widest promised window of each shipping option, in days; a wider one is narrowed to the span holding the most deliveries")
        public static let windowMissCost = Setting<Double?>.optionalNumber(
            "window-miss-cost", environment: "DROPFLOW_ROUTING_WINDOW_MISS_COST", valueName: "amount", defaultText: "30",
            help: "what a delivery outside its promised window costs, in the order's currency: plans whose spread the window cannot hold pay it more often")
        public static let safetyStock = Setting<Double?>.optionalNumber(
            "safety-stock", environment: "DROPFLOW_ROUTING_SAFETY_STOCK", valueName: "units", defaultText: "0",
            help: "units of every offer never planned on, on top of those routing's purchase orders hold")
        public static let reservationExpiry = Setting<Double?>.optionalNumber(
            "reservation-expiry-hours", environment: "DROPFLOW_ROUTING_RESERVATION_EXPIRY_HOURS", valueName: "hours", defaultText: "72",
            help: "a purchase order the supplier has not answered stops holding its units after this long, in event time")
        public static let weights = Setting<String?>.optionalText(
            "priority-weights", environment: "DROPFLOW_ROUTING_PRIORITY_WEIGHTS", valueName: "priority=cost/lateness/risk/per-day;...",
            defaultText: "margin=1/0.6/1/0; balanced=1/1/1/0.3; speed=0.6/2/1.5/1.5",
            help: "how each merchant_priority weighs landed cost, expected lateness, fill risk and each expected day")

        public static var all: [SettingDescription] {
            [exchangeRates.declaration, promiseDays.declaration, onTimeConfidence.declaration, windowConfidence.declaration,
             windowCoverage.declaration, maxWindowDays.declaration, windowMissCost.declaration, safetyStock.declaration,
             reservationExpiry.declaration,
             weights.declaration]
        }

        /// The configuration the values describe, from the defaults.
        public static func config(_ values: SettingValues) throws -> RoutingConfig {
            var config = RoutingConfig()
            func pairs(_ text: String, _ setting: String) throws -> [(String, String)] {
                try text.split(whereSeparator: { $0 == "," || $0 == ";" }).map { item in
                    let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard parts.count == 2, !parts[0].isEmpty else { throw SettingError("--\(setting) wants name=value pairs, got \"\(item)\"") }
                    return (parts[0], parts[1])
                }
            }
            if let text = values[exchangeRates] {
                for (currency, value) in try pairs(text, exchangeRates.name) {
                    guard currency.count == 3, let rate = Double(value), rate > 0 else {
                        throw SettingError("--exchange-rates wants CUR=value with a positive value, got \(currency)=\(value)")
                    }
                    config.exchangeRates[currency.uppercased()] = rate
                }
            }
            for (setting, apply) in [(promiseDays, { (level: ServiceLevel, days: Double) in config.promiseDays[level] = days }),
                                     (maxWindowDays, { (level: ServiceLevel, days: Double) in config.maxWindowDays[level] = days })] {
                guard let text = values[setting] else { continue }
                for (option, value) in try pairs(text, setting.name) {
                    guard let level = ServiceLevel(rawValue: option), let days = Double(value), days > 0 else {
                        throw SettingError("--\(setting.name) wants economy, standard or express = days, got \(option)=\(value)")
                    }
                    apply(level, days)
                }
            }
            for (setting, apply) in [(onTimeConfidence, { (x: Double) in config.minimumOnTimeProbability = x }),
                                     (windowConfidence, { (x: Double) in config.windowConfidence = x }),
                                     (windowCoverage, { (x: Double) in config.windowCoverage = x })] {
                guard let x = values[setting] else { continue }
                guard x > 0, x < 1 else { throw SettingError("--\(setting.name) must be between 0 and 1") }
                apply(x)
            }
            if let cost = values[windowMissCost] {
                guard cost >= 0 else { throw SettingError("--window-miss-cost must be 0 or more") }
                config.windowMissCost = cost
            }
            if let units = values[safetyStock] {
                guard units >= 0, units == units.rounded() else { throw SettingError("--safety-stock must be a whole number of units, 0 or more") }
                config.safetyStockUnits = Int(units)
            }
            if let hours = values[reservationExpiry] {
                guard hours > 0 else { throw SettingError("--reservation-expiry-hours must be more than 0") }
                config.reservationExpiryHours = hours
            }
            if let text = values[weights] {
                for (name, value) in try pairs(text, weights.name) {
                    let numbers = value.split(separator: "/").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
                    guard let priority = MerchantPriority(rawValue: name), numbers.count == 4, numbers.allSatisfy({ $0 >= 0 }) else {
                        throw SettingError("--priority-weights wants margin, balanced or speed = cost/lateness/risk/per-day, got \(name)=\(value)")
                    }
                    config.weights[priority] = RoutingConfig.Weights(cost: numbers[0], lateness: numbers[1], risk: numbers[2], perDay: numbers[3])
                }
            }
            // Named by what was set, so an explanation says which configuration decided.
            let given = [values[exchangeRates], values[promiseDays], values[onTimeConfidence].map { "\($0)" },
                         values[windowConfidence].map { "\($0)" }, values[windowCoverage].map { "\($0)" }, values[maxWindowDays], values[weights],
                         values[safetyStock].map { "\($0)" }, values[reservationExpiry].map { "\($0)" }, values[windowMissCost].map { "\($0)" }]
            if given.contains(where: { $0 != nil }) {
                let text = given.map { $0 ?? "-" }.joined(separator: "|")
                config.version += "-" + String(FNV1a.hash(Array(text.utf8)) % 0xFFFF_FFFF, radix: 16)
            }
            return config
        }
    }

    /// How the executable runs routing workers.
    public static let entry = StageEntry(
        name: name, summary: "Suppliers and carriers for every approved order by landed cost, speed and reliability, explained.",
        settings: Settings.all, makeDefinition: { values in definition(config: try Settings.config(values)) })
}

/// How long a re-route took, for operators: from the moment its cause became known to the new
/// decision, by the wall clock (the decisions themselves never read it).
public enum RerouteTiming {
    /// The header on a re-route's `orders.routed` message: milliseconds from cause to decision.
    public static let header = "dropflow-reroute-latency-ms"

    static func wallMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// When the cause `input` brings (a supplier's answer, a status, a tracking event) became
    /// known: the broker's timestamp of the message, not the moment a worker handled it. Its
    /// follow-ups are not recorded, so a worker that handles the input again after a crash sends
    /// them again, with the same `ce_id`s: they must have the same bytes. (Lines a ledger
    /// refused are known when it refuses them: that decision is recorded.)
    static func heardMs(_ input: StageInput) -> Int64 { input.timestampMs ?? wallMs() }
}
