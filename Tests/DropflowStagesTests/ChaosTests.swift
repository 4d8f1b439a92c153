import DropflowContract
import DropflowCore
import DropflowJSON
import DropflowKafka
import DropflowKafkaTesting
import DropflowPipeline
import DropflowRouting
import DropflowRuntime
import DropflowRuntimeTesting
import DropflowSimulator
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Chaos, as a merchant's operator would see it: simulated orders flow through two workers of
/// every stage (intake, fraud, routing) on a real broker while a driver SIGKILLs a random worker
/// every few seconds and restarts it, and one worker is drained with SIGTERM mid-run. The
/// simulated world's supplier offers, statuses and carrier rates are published before the
/// orders; the test's suppliers (``ChaosSuppliers``) answer every purchase order as it comes
/// (most shipped, some backordered, rejected or cancelled by the supplier, some answered twice),
/// and halfway through the chaos the supplier with the most orders partly shipped (some lines
/// shipped, some open) goes into outage. At the end:
///
/// - every order has exactly one fraud-phase outcome (a held order: its review case, then one
///   final outcome once the test's reviewer decides), and none is both approved and rejected;
/// - every approved order has exactly one routing outcome: routed (`orders.routed`, one decision
///   per revision: a re-route, such as lines a supplier's ledger refused because another worker's
///   order took the last units, is the next revision), or held
///   (one routing review case) and then, once the reviewer decides, routed (the reviewer
///   approved after the merchant restocked, or another restock freed it) or rejected (declined);
///   never both, and nothing of routing's about an order that was not approved;
/// - every purchase order belongs to a routed order, and what is placed and not cancelled (by
///   routing, or rejected or cancelled by its supplier) matches its latest decision's assignments,
///   supplier by supplier;
/// - every re-route path ran (a backorder, a rejection, a supplier's own cancellation, the
///   outage), and no order was re-routed more often than it had distinct causes: an answer heard
///   twice re-routes once;
/// - a line routing heard had shipped is final: no later cancellation names it and every later
///   decision still assigns it to its supplier;
/// - a line a supplier backordered, rejected or cancelled is not its in the order's latest
///   decision, unless no other supplier could take it (those that stay are counted): another
///   could when it offers more units than routing's purchase orders there ever asked for and
///   has a lane to the customer (routing's own stock count, less what its orders in flight
///   hold, is not the test's to know; a supplier short of units may rightly be passed over);
/// - after the outage, no order's latest decision leaves an unshipped line with the supplier in
///   outage, unless no other supplier could take it;
/// - no two outputs share a `ce_id` with different bytes, nothing valid is in a dead-letter
///   topic, and every worker is ready.
@Suite(.serialized, .timeLimit(.minutes(20)))
struct ChaosTests {
    static let stages = ["intake", "intake", "fraud", "fraud", "routing", "routing"]
    static var orderCount: Int { Int(ProcessInfo.processInfo.environment["DROPFLOW_CHAOS_ORDERS"] ?? "") ?? 5_000 }

    /// Every outcome topic, every table and changelog of the stages, and their dead-letter topics.
    static var topics: [TopicDeclaration] { Topology.all }

    /// The world's feeds routing (and intake, for offers) reads, published before the orders.
    static let feeds: Set<String> = [SimRecord.Topic.supplierOffers, SimRecord.Topic.supplierStatus, SimRecord.Topic.carrierRates]

    /// How long a worker (a restarted one replays every table and feed) may take to be ready.
    static let readyLimit: Duration = .seconds(180)

    @Test("SIGKILLed and drained workers lose nothing, duplicate nothing with other bytes, and never contradict themselves")
    func killsAndDrains() async throws {
        let started = ContinuousClock.now
        let cluster = try TestCluster()
        try await cluster.admin().createTopics(TopicSetup.specs(Self.topics, prefix: cluster.prefix, partitions: 4))

        // Simulated storefront traffic (retries included); the world's feeds, so intake checks
        // SKUs and routing knows offers, statuses and lanes.
        var request = SimulationRequest()
        request.orders = Self.orderCount
        request.seed = 11
        var orders: [SimRecord] = []
        var feeds: [SimRecord] = []
        for record in Simulation.run(request.config) {
            if record.topic == SimRecord.Topic.ordersPlaced { orders.append(record) }
            if Self.feeds.contains(record.topic) { feeds.append(record) }
        }
        let placed = Set(orders.compactMap { $0.value?["order_id"]?.stringValue })
        let placedOrders = Dictionary(orders.compactMap { r in r.value.flatMap { try? OrderPlaced(json: $0) } }.map { ($0.orderID, $0) }) { a, _ in a }
        let world = try Self.picture(feeds)
        let producer = try cluster.producer { $0.messageTimeout = .seconds(120) }
        for r in feeds {
            try producer.enqueue(KafkaProducerMessage(topic: cluster.prefix + r.topic, key: r.key.map { Array($0.utf8) },
                                                      value: r.value?.serialized())) { _ in }
        }
        try await producer.flush(timeout: .seconds(60))

        var workers = try Self.stages.map { try WorkerProcess($0, cluster: cluster, extra: ["--metrics-port", "0"]) }
        try await Self.waitReady(workers)
        let ready = ContinuousClock.now
        // Routing also reads the feeds in its group (a change may free held orders): let it get
        // through them before the first order, as a deployed group would have long before.
        // Otherwise each feed record it catches up on offers every freed order still in
        // routing.held to its owner again (thousands of retry copies).
        for feed in [TopicDeclaration.supplierOffers, .supplierStatus, .carrierRates] {
            try await cluster.waitCommitted(group: cluster.workerConfiguration().group(for: "routing"), topic: feed.name, within: .seconds(300))
        }
        let merchant = ChaosReviewer(cluster, world: world, orders: placedOrders)
        let verdicts = merchant.routingVerdicts, restocked = merchant.restocked, outage = merchant.outage
        let reviewer = Task { try await merchant.run() }
        // The suppliers answer every purchase order from the first.
        let suppliers = ChaosSuppliers()
        let answering = Task { try await suppliers.run(cluster) }
        print("chaos: \(orders.count) placed records, \(feeds.count) feed records published; workers ready after \(ready - started), "
              + "routing through the feeds after \(ContinuousClock.now - started)")

        // The storefront: every order, at a steady pace, while the driver kills and restarts.
        let storefront = Task {
            for (i, r) in orders.enumerated() {
                try producer.enqueue(KafkaProducerMessage(topic: cluster.prefix + r.topic, key: r.key.map { Array($0.utf8) },
                                                          value: r.value?.serialized())) { _ in }
                if i % 100 == 99 { try await Task.sleep(for: .milliseconds(250)) }
            }
            try await producer.flush(timeout: .seconds(120))
        }
        var kills = 0, drains = 0
        var killed: [String: Int] = [:]
        var rng = SystemRandomNumberGenerator()
        let chaosStart = ContinuousClock.now
        let chaosEnd = chaosStart + .seconds(max(20, Double(orders.count) / 400 * 2 + 10))
        var outageNote = "no outage"
        // The supplier with the most orders partly shipped (else with open lines for the most
        // orders) goes into outage.
        func startOutage(_ busiest: (supplierID: String, orders: Int, partlyShipped: Int)) async throws {
            let status = Self.outage(of: busiest.supplierID, after: feeds, at: suppliers.latestPurchaseOrder)
            suppliers.outage(of: busiest.supplierID)
            outage.withLock { $0 = status }
            _ = try await producer.send(KafkaProducerMessage(topic: cluster.prefix + TopicDeclaration.supplierStatus.name,
                                                             key: Array(busiest.supplierID.utf8), value: status.json.serialized()))
            outageNote = "outage of \(busiest.supplierID) at \(ContinuousClock.now - chaosStart) into the chaos, "
                + "since \(status.updatedAt), with open lines for \(busiest.orders) orders, \(busiest.partlyShipped) of them partly shipped"
        }
        while ContinuousClock.now < chaosEnd {
            try await Task.sleep(for: .seconds(3))
            // From halfway through, once some orders are partly shipped (or before the chaos ends).
            if outage.current == nil, ContinuousClock.now - chaosStart >= (chaosEnd - chaosStart) / 2, let busiest = suppliers.busiest(),
               busiest.partlyShipped >= 5 || ContinuousClock.now + .seconds(3) >= chaosEnd {
                try await startOutage(busiest)
            }
            let i = Int.random(in: 0..<workers.count, using: &rng)
            if kills == 4 && drains == 0 {
                workers[i].signal(SIGTERM)
                let status = await workers[i].waitExit(within: .seconds(30))
                #expect(status == 0, "a drained \(Self.stages[i]) worker exits 0: \(workers[i].output.suffix(2_000))")
                drains += 1
            } else {
                workers[i].signal(SIGKILL)
                _ = await workers[i].waitExit(within: .seconds(10))
                kills += 1
            }
            killed[Self.stages[i], default: 0] += 1
            workers[i] = try WorkerProcess(Self.stages[i], cluster: cluster, extra: ["--metrics-port", "0"])
        }
        // A drain's wait may have carried the loop past its last turn: the outage comes now, once
        // a supplier has open lines (a slow machine's routing may have sent none yet).
        let outageLimit = ContinuousClock.now + .seconds(120)
        while outage.current == nil && ContinuousClock.now < outageLimit {
            if let busiest = suppliers.busiest() { try await startOutage(busiest) } else { try await Task.sleep(for: .seconds(1)) }
        }
        try await storefront.value
        let chaosOver = ContinuousClock.now

        // Settle: every order reaches its outcome, every approved order its routing outcome, the
        // suppliers have said everything, and routing has acted on all of it.
        var outcome = try await Self.outcomes(cluster, deadLetters: false)
        // Generous: on a loaded machine routing works off its backlog long after the chaos.
        let deadline = ContinuousClock.now + .seconds(900)
        var lastRestock = ContinuousClock.now
        var restockedAgain: Set<String> = []
        while ContinuousClock.now < deadline {
            if try await Self.isSettled(outcome, placed, suppliers, cluster) { break }
            try await Task.sleep(for: .seconds(3))
            outcome = try await Self.outcomes(cluster, deadLetters: false)
            // An approved order still waiting a minute on: its restock went to orders decided first.
            if ContinuousClock.now - lastRestock >= .seconds(60) {
                restockedAgain.formUnion(try await merchant.restockAgain(outcome.stillHeld))
                lastRestock = ContinuousClock.now
            }
        }
        let settled = ContinuousClock.now
        try await Self.waitReady(workers)
        try await Task.sleep(for: .seconds(3))  // late duplicates, if any, land now
        outcome = try await Self.outcomes(cluster, deadLetters: true)
        reviewer.cancel()
        answering.cancel()
        let answered = suppliers.state.current
        let ended = suppliers.ended
        for w in workers { w.signal(SIGTERM) }
        for w in workers { _ = await w.waitExit(within: .seconds(20)) }
        await producer.close()

        // The fraud phase: one final outcome per order.
        let missing = placed.filter { outcome.final[$0] == nil }
        let several = outcome.final.filter { $0.value.count > 1 }
        let both = outcome.final.filter { Set($0.value.map(\.topic)).count > 1 }
        let casesTwice = outcome.cases.filter { $0.value.count > 1 }
        // The routing phase: one routing outcome per approved order.
        let approved = outcome.approvedOrders
        let unrouted = approved.filter { outcome.routingOutcomes($0) == 0 }
        let routedTwice = approved.filter { order in
            (outcome.revisions[order] ?? [:]).values.contains { $0.count > 1 } || (outcome.routingRejected[order]?.count ?? 0) > 1
        }
        let routedAndRejected = approved.filter { outcome.routed[$0] != nil && outcome.routingRejected[$0] != nil }
        let routingCasesTwice = outcome.routingCases.filter { $0.value.count > 1 }
        let rejectedUnheld = outcome.routingRejected.keys.filter { outcome.routingCases[$0] == nil }
        let strays = Set(outcome.routed.keys).union(outcome.routingRejected.keys).union(outcome.routingCases.keys).subtracting(approved)
        let approvedByReviewer = verdicts.withLock { $0 }.filter { $0.value == "approve" }.keys
        let approvedNotRouted = approvedByReviewer.filter { outcome.routed[$0] == nil }
        let stillHeld = outcome.stillHeld
        let routedHeld = outcome.routingCases.keys.filter { outcome.routed[$0] != nil }.count
        let declinedButRouted = verdicts.withLock { $0 }.filter { $0.value == "decline" && outcome.routed[$0.key] != nil }.count
        // Every assignment ships a SKU its supplier offers in the world published (or restocked).
        let offered = restocked.withLock { $0 }
        let unoffered = outcome.decisions.sorted { $0.key < $1.key }.flatMap { order, decision in
            (decision["assignments"]?.arrayValue ?? []).flatMap { a in
                let supplier = a["supplier_id"]?.stringValue ?? "?"
                return (a["skus"]?.arrayValue ?? []).compactMap(\.stringValue).filter {
                    world.offer(supplier: supplier, sku: $0) == nil && !offered.contains(supplier + "/" + $0)
                }.map { "\(order): \($0) from \(supplier)" }
            }
        }
        let routingVerdictCounts = verdicts.withLock { $0 }.values.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
        let poProblems = outcome.purchaseOrderProblems(ended: ended)
        let rerouting = outcome.rerouting(answered, orders: placedOrders, world: world)

        print("chaos: \(placed.count) orders, \(kills) kills, \(drains) drain (\(killed.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))); "
              + "outcomes: \(outcome.approved) approved, \(outcome.rejected) rejected, \(outcome.cases.count) held for review by fraud; "
              + "routing: \(outcome.routed.count) routed (\(routedHeld) after a hold, \(outcome.revisions.values.filter { $0.count > 1 }.count) re-routed; "
              + "follow-ups \(outcome.followUps.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))), \(outcome.routingCases.count) held, "
              + "\(outcome.routingRejected.count) rejected after a hold, \(outcome.purchaseOrderCount) purchase orders, "
              + "\(outcome.retries) retries (most by cause: \(outcome.retryCauses.sorted { $0.value > $1.value }.prefix(3).map { "\($0.key) \($0.value)" }.joined(separator: ", "))) "
              + "and \(outcome.reviewCopies) verdicts passed to the owner; "
              + "the reviewer's routing verdicts (\(declinedButRouted) declined ones routed first): \(routingVerdictCounts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")); "
              + "restocked again for \(restockedAgain.count) approved orders still waiting; "
              + "copies (same ce_id, same bytes): \(outcome.copies); same ce_id with other bytes: \(outcome.conflicts.count) "
              + "(\(outcome.conflicts.filter(\.isRoutingRetry).count) of them routing_retry copies); "
              + "dead letters: \(outcome.deadLetters.count); "
              + "times: chaos over at \(chaosOver - started), settled at \(settled - started), all at \(ContinuousClock.now - started)")
        print("chaos: suppliers: \(suppliers.summary); \(outageNote); \(rerouting.summary)")
        #expect(kills >= 3)
        #expect(drains == 1)
        #expect(missing.isEmpty, "\(missing.count) orders without an outcome, e.g. \(missing.sorted().prefix(5))")
        #expect(several.isEmpty, "\(several.count) orders with more than one outcome, e.g. \(several.keys.sorted().prefix(5))")
        #expect(both.isEmpty, "\(both.count) orders both approved and rejected")
        #expect(casesTwice.isEmpty, "\(casesTwice.count) orders with two review cases")

        #expect(approved.count > placed.count / 2, "most orders approved: \(approved.count)")
        var routingTrail = ""
        let stuck = unrouted.union(approvedNotRouted)
        if !stuck.isEmpty { routingTrail = try await Self.trail(of: stuck.sorted().prefix(3), cluster, topics: Self.routingTrailTopics) }
        #expect(unrouted.isEmpty, "\(unrouted.count) approved orders without a routing outcome (still held: \(stillHeld.count)), e.g. \(unrouted.sorted().prefix(5))\n\(routingTrail)")
        #expect(routedTwice.isEmpty, "\(routedTwice.count) orders routed or rejected twice, e.g. \(routedTwice.sorted().prefix(5))")
        #expect(routedAndRejected.isEmpty, "\(routedAndRejected.count) orders both routed and rejected, e.g. \(routedAndRejected.sorted().prefix(5))")
        #expect(routingCasesTwice.isEmpty, "\(routingCasesTwice.count) orders with two routing review cases")
        #expect(rejectedUnheld.isEmpty, "\(rejectedUnheld.count) orders rejected by routing's reviewer without a routing case")
        #expect(strays.isEmpty, "\(strays.count) orders routing decided about that were never approved, e.g. \(strays.sorted().prefix(5))")
        #expect(approvedNotRouted.isEmpty, "\(approvedNotRouted.count) held orders the reviewer approved after a restock were not routed, e.g. \(approvedNotRouted.sorted().prefix(5))\n\(routingTrail)")
        #expect(stillHeld.isEmpty, "\(stillHeld.count) orders still in routing.held, e.g. \(stillHeld.sorted().prefix(5))")
        #expect(unoffered.isEmpty, "\(unoffered.count) assignments of SKUs their supplier does not offer, e.g. \(unoffered.prefix(5))")
        #expect(poProblems.isEmpty, "purchase orders that do not match a routed decision:\n\(poProblems.prefix(8).joined(separator: "\n"))")
        #expect(outcome.invalid.isEmpty, "outputs not valid under the contract:\n\(outcome.invalid.prefix(5).joined(separator: "\n"))")

        // The suppliers' answers and the outage: every re-route path ran, each cause re-routed
        // at most once, shipments are final, and what a supplier will not ship leaves it.
        for cause in ["backordered", "rejected", "cancelled_by_supplier", "supplier_outage"] {
            #expect(rerouting.byCause[cause, default: 0] > 0, "no re-route for \(cause): \(rerouting.summary)")
        }
        #expect(outage.current != nil, "no supplier held open lines halfway through the chaos: no outage")
        #expect(rerouting.untraced.isEmpty, "\(rerouting.untraced.count) orders with a decision of a trace none of their messages on orders.approved has, e.g. \(rerouting.untraced.prefix(5))")
        #expect(rerouting.tooMany.isEmpty, "\(rerouting.tooMany.count) orders re-routed more often than they had causes:\n\(rerouting.tooMany.prefix(5).joined(separator: "\n"))")
        #expect(rerouting.shippedWithdrawn.isEmpty, "\(rerouting.shippedWithdrawn.count) cancellations of lines routing had heard shipped:\n\(rerouting.shippedWithdrawn.prefix(5).joined(separator: "\n"))")
        #expect(rerouting.shippedMoved.isEmpty, "\(rerouting.shippedMoved.count) shipped lines re-routed:\n\(rerouting.shippedMoved.prefix(5).joined(separator: "\n"))")
        #expect(rerouting.failedKept.isEmpty, "\(rerouting.failedKept.count) lines a supplier backordered, rejected or cancelled are still its, though another supplier could take them:\n\(rerouting.failedKept.prefix(5).joined(separator: "\n"))")
        #expect(rerouting.outageKept.isEmpty, "\(rerouting.outageKept.count) open lines still with the supplier in outage, though another supplier could take them:\n\(rerouting.outageKept.prefix(5).joined(separator: "\n"))")

        // Routing's retry copies (`routing_retry` on orders.approved) come from a feed change
        // whose handling is not recorded: handled again after a crash, it may offer other held
        // orders than the first time. Each output's ce_id names its topic and key (not its place
        // in the list), so a copy for another order never shares one.
        var trail = ""
        if !outcome.conflicts.isEmpty { trail = try await Self.trail(of: outcome.conflicts.prefix(3).map(\.order), cluster) }
        #expect(outcome.conflicts.isEmpty,
                "outputs with one ce_id and different bytes:\n\(outcome.conflicts.prefix(5).map(\.details).joined(separator: "\n"))\n\(trail)")
        // Nothing valid is dead-lettered: not a verdict on an order routing held and let go
        // before a fraud worker read the verdict (it is noted and left), nor an input whose
        // partition was revoked while its handler decided (left to the next owner).
        #expect(outcome.deadLetters.isEmpty, "nothing valid is dead-lettered:\n\(outcome.deadLetters.prefix(5).map(\.description).joined(separator: "\n"))")
    }

    /// What the pipeline published. The fraud phase: per order, its final outcomes (distinct
    /// `ce_id`s on `orders.approved` and `orders.rejected`, routing's own messages apart) and its
    /// review cases. The routing phase: per order, its decisions, rejections after a hold, routing
    /// review cases and purchase orders.
    struct Outcomes {
        var final: [String: Set<Outcome>] = [:]
        var cases: [String: Set<String>] = [:]
        /// Order → distinct `ce_id`s on `orders.routed`, and by revision; the latest decision of each order.
        var routed: [String: Set<String>] = [:]
        var revisions: [String: [Int: Set<String>]] = [:]
        var decisions: [String: JSONValue] = [:]
        /// Routing's follow-ups about orders it routed (a supplier's answer, an outage, lines refused), by kind.
        var followUps: [String: Int] = [:]
        /// Order → those follow-ups, each once, with where it sits on `orders.approved`.
        var heard: [String: [FollowUp]] = [:]
        /// Order → revision → its decision (the first `ce_id` seen) and its trace.
        var history: [String: [Int: Decided]] = [:]
        /// Order → trace → where its messages of that trace sit on `orders.approved` (one `ce_id`
        /// each): what a decision of that trace was decided on, when there is one.
        var traces: [String: [String: [Position]]] = [:]
        /// Order → distinct `ce_id`s of routing's rejections (a person declined a held order).
        var routingRejected: [String: Set<String>] = [:]
        var routingCases: [String: Set<String>] = [:]
        /// Order → `ce_id` → purchase order.
        var purchaseOrders: [String: [String: JSONValue]] = [:]
        /// The latest value of each key of `routing.held` (nil: a tombstone).
        var held: [String: (offset: Int64, held: Bool)] = [:]
        /// Routing's follow-ups on `orders.approved`.
        var retries = 0, reviewCopies = 0
        var conflicts: [Conflict] = []
        /// Routing's retry copies by their cause, e.g. `offer sup-a/SKU-1`.
        var retryCauses: [String: Int] = [:]
        /// Routing decisions and purchase orders the contract does not accept.
        var invalid: [String] = []
        var copies = 0
        var deadLetters: [DeadLetter] = []
        var approved: Int { final.values.filter { $0.contains { $0.topic == "approved" } }.count }
        var rejected: Int { final.values.filter { $0.contains { $0.topic == "rejected" } }.count }
        var approvedOrders: Set<String> { Set(final.filter { $0.value.contains { $0.topic == "approved" } }.keys) }
        var purchaseOrderCount: Int { purchaseOrders.values.reduce(0) { $0 + $1.count } }
        var stillHeld: [String] { held.filter(\.value.held).map(\.key) }

        func routingOutcomes(_ order: String) -> Int { (revisions[order]?[1]?.count ?? 0) + (routingRejected[order]?.count ?? 0) }

        /// Every order placed has its outcome, every approved one its routing outcome, and the
        /// purchase orders of every decision have passed their suppliers' ledgers (a hop later).
        func isSettled(_ placed: Set<String>, ended: [String: [String: [String: Int]]]) -> Bool {
            placed.allSatisfy { final[$0] != nil } && approvedOrders.allSatisfy { routingOutcomes($0) > 0 }
                && purchaseOrderProblems(ended: ended).isEmpty
        }

        /// Purchase orders without a routed order, or unlike its decision's assignments: one per
        /// assignment, to its supplier, with its lines. Units a supplier rejected or cancelled on
        /// its own (`ended`: order → supplier → SKU → units) are not placed any more, and the
        /// decision still naming them (nobody else could take them) does not want them placed.
        func purchaseOrderProblems(ended: [String: [String: [String: Int]]]) -> [String] {
            var problems: [String] = []
            for (order, pos) in purchaseOrders.sorted(by: { $0.key < $1.key }) {
                guard let decision = decisions[order] else {
                    problems.append("\(order): \(pos.count) purchase orders, no routing decision")
                    continue
                }
                let assignments = decision["assignments"]?.arrayValue ?? []
                // Units per supplier and SKU: what the decision assigns, and what is placed and not cancelled.
                var wanted: [String: [String: Int]] = [:], placed: [String: [String: Int]] = [:]
                func add(_ v: JSONValue?, _ supplier: String, _ sign: Int, _ into: inout [String: [String: Int]]) {
                    for line in v?.arrayValue ?? [] {
                        into[supplier, default: [:]][line["sku"]?.stringValue ?? "?", default: 0] += sign * (line["quantity"]?.intValue ?? -1)
                    }
                }
                for a in assignments { add(a["lines"], a["supplier_id"]?.stringValue ?? "?", 1, &wanted) }
                var placedIDs: [String: Int] = [:]
                for po in pos.values {
                    let cancel = po["action"]?.stringValue == "cancel"
                    if !cancel { placedIDs[po["purchase_order_id"]?.stringValue ?? "?", default: 0] += 1 }
                    add(po["lines"], po["supplier_id"]?.stringValue ?? "?", cancel ? -1 : 1, &placed)
                }
                for (supplier, skus) in ended[order] ?? [:] {
                    for (sku, units) in skus {
                        placed[supplier, default: [:]][sku, default: 0] -= units
                        let still = wanted[supplier]?[sku] ?? 0
                        wanted[supplier]?[sku] = still - min(units, still)
                    }
                }
                wanted = wanted.mapValues { $0.filter { $0.value != 0 } }.filter { !$0.value.isEmpty }
                for (id, n) in placedIDs where n > 1 { problems.append("\(order): \(id) placed \(n) times") }
                let got = placed.mapValues { $0.filter { $0.value != 0 }.map { "\($0.key)×\($0.value)" }.sorted() }.filter { !$0.value.isEmpty }
                let want = wanted.mapValues { $0.map { "\($0.key)×\($0.value)" }.sorted() }
                if got != want { problems.append("\(order): purchase orders \(got.sorted { $0.key < $1.key }) for assignments \(want.sorted { $0.key < $1.key })") }
            }
            for order in decisions.keys.sorted() where purchaseOrders[order] == nil {
                problems.append("\(order): routed without purchase orders")
            }
            return problems
        }
    }

    struct Outcome: Hashable {
        let topic: String
        let id: String
    }

    /// Two outputs with one `ce_id` and different bytes.
    struct Conflict {
        let order: String
        /// Where, and both values.
        let details: String
        /// Both are routing's retry copies on orders.approved.
        let isRoutingRetry: Bool
    }

    /// A message in a dead-letter topic: the topic it came from, its key, the stage that gave
    /// up on it and why.
    struct DeadLetter: Hashable, CustomStringConvertible {
        let topic: String
        let key: String
        let stage: String
        let reason: String
        let value: String
        var description: String { "  \(topic).dlq key=\(key) stage=\(stage) reason=\(reason): \(value)" }
    }

    /// The topics read for outcomes, each with what it holds.
    static let outcomeTopics: [(TopicDeclaration, String)] = [
        (.ordersApproved, "approved"), (.ordersRejected, "rejected"), (.reviewQueue, "case"), (.ordersValidated, "validated"),
        (.fraudSignals, "signal"), (.ordersRouted, "routed"), (.purchaseOrders, "po"), (.routingHeld, "held"),
    ]

    static func outcomes(_ cluster: TestCluster, deadLetters: Bool) async throws -> Outcomes {
        var o = Outcomes()
        var bytes: [String: [UInt8]] = [:]
        let labels = Dictionary(uniqueKeysWithValues: Self.outcomeTopics.map { (cluster.prefix + $0.0.name, $0.1) })
        for m in try await cluster.readAll(topics: Self.outcomeTopics.map(\.0.name), within: .seconds(120)) {
            guard let label = labels[m.topic], let id = m.headers.string("ce_id") else { continue }
            let value = m.value.flatMap { try? JSONValue.parse($0) }
            if label == "held" {
                // The table's latest value per key (a key lives in one partition, read in order).
                if let key = m.keyString, (o.held[key]?.offset ?? -1) < m.offset { o.held[key] = (m.offset, m.value != nil) }
            }
            if let seen = bytes[id] {
                if seen == (m.value ?? []) { o.copies += 1 } else {
                    let first = try? JSONValue.parse(seen)
                    o.conflicts.append(Conflict(
                        order: value?["order_id"]?.stringValue ?? m.keyString ?? "",
                        details: "\(m.topic) \(id) at \(m.partition)/\(m.offset):\n  first: \(String(decoding: seen, as: UTF8.self))\n  then:  \(String(decoding: m.value ?? [], as: UTF8.self))",
                        isRoutingRetry: label == "approved" && first?["routing_retry"] != nil && value?["routing_retry"] != nil))
                }
                continue
            }
            bytes[id] = m.value ?? []
            let order = value?["order_id"]?.stringValue ?? m.keyString ?? ""
            let byRouting = m.headers.string("ce_source") == "dropflow/routing"
            switch label {
            case "approved":
                if let trace = Self.trace(m.headers) { o.traces[order, default: [:]][trace, default: []].append(Position(partition: m.partition, offset: m.offset)) }
                if let retry = value?["routing_retry"] {
                    o.retries += 1
                    o.retryCauses[retry["cause"]?.stringValue ?? "?", default: 0] += 1
                } else if value?["routing_review"] != nil { o.reviewCopies += 1 } else if let kind = value?.objectValue?.keys.first(where: { $0.hasPrefix("routing_") }) {
                    o.followUps[kind, default: 0] += 1
                    o.heard[order, default: []].append(FollowUp(kind: kind, value: value?[kind] ?? .null,
                                                                at: Position(partition: m.partition, offset: m.offset)))
                } else {
                    o.final[order, default: []].insert(Outcome(topic: label, id: id))
                }
            case "rejected":
                if byRouting { o.routingRejected[order, default: []].insert(id) } else { o.final[order, default: []].insert(Outcome(topic: label, id: id)) }
            case "case":
                if value?["stage"]?.stringValue == "routing" { o.routingCases[order, default: []].insert(id) } else { o.cases[order, default: []].insert(id) }
            case "routed":
                o.routed[order, default: []].insert(id)
                let revision = value?["revision"]?.intValue ?? 1
                o.revisions[order, default: [:]][revision, default: []].insert(id)
                if let value, o.history[order]?[revision] == nil {
                    o.history[order, default: [:]][revision] = Decided(decision: value, trace: Self.trace(m.headers))
                }
                if let value, (o.decisions[order]?["revision"]?.intValue ?? 0) < revision {
                    o.decisions[order] = value
                    o.invalid += ContractSchema.routingDecision.validate(value).map { "\(order) routing decision: \($0.message)" }
                }
            case "po":
                if let value {
                    o.purchaseOrders[order, default: [:]][id] = value
                    o.invalid += ContractSchema.purchaseOrder.validate(value).map { "\(order) purchase order: \($0.message)" }
                }
            default: break
            }
        }
        if deadLetters {
            for topic in Self.topics where topic.isDeadLettered {
                for m in try await cluster.readAll(topic.name + ".dlq", within: .seconds(30)) {
                    o.deadLetters.append(DeadLetter(topic: topic.name, key: m.keyString ?? "-", stage: m.headers.string("dlq-stage") ?? "-",
                                                    reason: m.headers.string("dlq-reason") ?? "-",
                                                    value: String(decoding: (m.value ?? []).prefix(300), as: UTF8.self)))
                }
            }
        }
        return o
    }

    /// The topics a routing failure's trail shows.
    static let routingTrailTopics = [TopicDeclaration.ordersApproved, .reviewQueue, .reviewDecisions, .routingHeld, .routingDecisions,
                                     .ordersRouted, .ordersRejected].map(\.name)

    /// Where an order went, for a failure message: its copies on `topics` (by default
    /// orders.validated, the fraud stage's records and orders.approved), with their causes.
    static func trail(of orders: some Sequence<String>, _ cluster: TestCluster,
                      topics: [String] = [TopicDeclaration.ordersValidated.name, TopicDeclaration.fraudDecisions.name,
                                          TopicDeclaration.ordersApproved.name]) async throws -> String {
        let ids = Set(orders)
        var lines: [String] = []
        for m in try await cluster.readAll(topics: topics) {
            let value = m.value.flatMap { try? JSONValue.parse($0) }
            let order = value?["order_id"]?.stringValue ?? m.keyString ?? ""
            guard ids.contains(order) else { continue }
            let note = value?["routing_retry"] != nil ? " (routing_retry)" : value?["routing_review"] != nil ? " (routing_review)"
                : value?["decision"]?.stringValue.map { " (\($0))" } ?? value?["state"]?.stringValue.map { " (\($0))" } ?? (m.value == nil ? " (tombstone)" : "")
            lines.append("  \(m.topic) \(m.partition)/\(m.offset) ts=\(m.timestampMs ?? 0) ce_id=\(m.headers.string("ce_id") ?? "-") "
                         + "cause=\(m.headers.string("dropflow-cause") ?? "-") order=\(order)\(note)")
        }
        return lines.joined(separator: "\n")
    }

    /// An outage of `supplierID`, newer than any status of it the feeds published and than the
    /// latest purchase order (`seconds`): the stream's "now".
    static func outage(of supplierID: String, after feeds: [SimRecord], at seconds: Int64) -> SupplierStatus {
        let statuses = feeds.filter { $0.topic == SimRecord.Topic.supplierStatus && $0.key == supplierID }
        let latest = statuses.compactMap { $0.value?["updated_at"]?.stringValue.flatMap(DateTimeFormat.epochSeconds) }.max() ?? 0
        return SupplierStatus(supplierID: supplierID, status: .outage, reason: "warehouse flooded (chaos)",
                              updatedAt: DateTimeFormat.format(epochSeconds: max(latest, seconds) + 1))
    }

    /// Every order has its outcomes and purchase orders to match (``Outcomes/isSettled(_:ended:)``),
    /// the suppliers have read every purchase order and said everything, and routing's group has
    /// committed every answer, follow-up and purchase order on its way to a ledger: acted on all of it.
    static func isSettled(_ outcome: Outcomes, _ placed: Set<String>, _ suppliers: ChaosSuppliers, _ cluster: TestCluster) async throws -> Bool {
        func suppliersDone() async throws -> Bool {
            let ends = try await cluster.endOffsets(topics: [TopicDeclaration.purchaseOrders.name])
            return suppliers.isDone(reading: Dictionary(ends.map { ($0.key.partition, $0.value) }) { max($0, $1) })
        }
        guard outcome.isSettled(placed, ended: suppliers.ended), try await suppliersDone() else { return false }
        let group = cluster.workerConfiguration().group(for: "routing")
        do {
            for topic in [TopicDeclaration.supplierOrderUpdates, .ordersApproved, .routingReservations] {
                try await cluster.waitCommitted(group: group, topic: topic.name, within: .seconds(30))
            }
        } catch is TimedOut {
            return false
        }
        // Nothing new meanwhile.
        let now = try await outcomes(cluster, deadLetters: false)
        guard now.isSettled(placed, ended: suppliers.ended), now.purchaseOrderCount == outcome.purchaseOrderCount else { return false }
        return try await suppliersDone()
    }

    /// The world as the feeds published before the orders describe it (what every routing
    /// worker's picture becomes).
    static func picture(_ feeds: [SimRecord]) throws -> RoutingPicture {
        var picture = RoutingPicture()
        for record in feeds {
            switch record.topic {
            case SimRecord.Topic.supplierOffers:
                picture.apply(offerKey: record.key ?? "", try record.value.map { try DropflowContract.SupplierOffer(json: $0) })
            case SimRecord.Topic.supplierStatus:
                if let value = record.value { picture.apply(try SupplierStatus(json: value)) }
            case SimRecord.Topic.carrierRates:
                picture.apply(rateKey: record.key ?? "", try record.value.map { try CarrierRate(json: $0) })
            default:
                continue
            }
        }
        return picture
    }

    /// Waits until every worker reports ready; on a timeout, the worker's output as it is then.
    static func waitReady(_ workers: [WorkerProcess]) async throws {
        for (i, w) in workers.enumerated() {
            do {
                try await eventually(Self.readyLimit, "\(Self.stages[i]) worker \(i) ready within \(Self.readyLimit)") {
                    guard w.isRunning, let port = w.metricsPort else { return false }
                    return httpGet(port: port, path: "/health/ready")?.status == 200
                }
            } catch {
                let output = w.output
                print("chaos: \(Self.stages[i]) worker \(i) not ready (running: \(w.isRunning)); its output:\n\(output.suffix(8_000))")
                Issue.record("\(Self.stages[i]) worker \(i) not ready within \(Self.readyLimit): \(output.suffix(3_000))")
                throw error
            }
        }
    }
}
