import DropflowContract
import DropflowCore
import DropflowJSON
import DropflowKafka
import DropflowKafkaTesting
import DropflowPipeline
import DropflowRuntime
import DropflowRuntimeTesting
import DropflowSimulator
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Chaos, as a merchant's operator would see it: simulated orders flow through two workers of
/// every built stage on a real broker while a driver SIGKILLs a random worker every few seconds
/// and restarts it, and one worker is drained with SIGTERM mid-run. At the end every order has
/// exactly one outcome (a held order: its review case, then one final outcome once the test's
/// reviewer decides), no two outputs share a `ce_id` with different bytes, no order is both
/// approved and rejected, nothing valid is in a dead-letter topic, and every worker is ready.
@Suite(.serialized, .timeLimit(.minutes(15)))
struct ChaosTests {
    static let stages = ["intake", "intake", "fraud", "fraud"]
    static var orderCount: Int { Int(ProcessInfo.processInfo.environment["DROPFLOW_CHAOS_ORDERS"] ?? "") ?? 5_000 }

    /// Every outcome topic, every table and changelog of the stages, and their dead-letter topics.
    static var topics: [TopicDeclaration] { Topology.all }

    @Test("SIGKILLed and drained workers lose nothing, duplicate nothing with other bytes, and never contradict themselves")
    func killsAndDrains() async throws {
        let cluster = try TestCluster()
        try await cluster.admin().createTopics(TopicSetup.specs(Self.topics, prefix: cluster.prefix, partitions: 4))

        // Simulated storefront traffic (retries included); the offers, so intake checks SKUs.
        var request = SimulationRequest()
        request.orders = Self.orderCount
        request.seed = 11
        var orders: [SimRecord] = []
        var offers: [SimRecord] = []
        for record in Simulation.run(request.config) {
            if record.topic == SimRecord.Topic.ordersPlaced { orders.append(record) }
            if record.topic == SimRecord.Topic.supplierOffers { offers.append(record) }
        }
        let placed = Set(orders.compactMap { $0.value?["order_id"]?.stringValue })
        let producer = try cluster.producer { $0.messageTimeout = .seconds(120) }
        for r in offers {
            try producer.enqueue(KafkaProducerMessage(topic: cluster.prefix + r.topic, key: r.key.map { Array($0.utf8) },
                                                      value: r.value?.serialized())) { _ in }
        }
        try await producer.flush(timeout: .seconds(60))

        var workers = try Self.stages.map { try WorkerProcess($0, cluster: cluster, extra: ["--metrics-port", "0"]) }
        try await Self.waitReady(workers)
        let reviewer = Task { try await Self.review(cluster) }

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
        var rng = SystemRandomNumberGenerator()
        let chaosEnd = ContinuousClock.now + .seconds(max(20, Double(orders.count) / 400 * 2 + 10))
        while ContinuousClock.now < chaosEnd {
            try await Task.sleep(for: .seconds(3))
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
            workers[i] = try WorkerProcess(Self.stages[i], cluster: cluster, extra: ["--metrics-port", "0"])
        }
        try await storefront.value

        // Settle: every order reaches its outcome.
        var outcome = try await Self.outcomes(cluster)
        let deadline = ContinuousClock.now + .seconds(240)
        while ContinuousClock.now < deadline {
            if placed.allSatisfy({ outcome.final[$0] != nil }) { break }
            try await Task.sleep(for: .seconds(3))
            outcome = try await Self.outcomes(cluster)
        }
        try await Self.waitReady(workers)
        try await Task.sleep(for: .seconds(3))  // late duplicates, if any, land now
        outcome = try await Self.outcomes(cluster)
        reviewer.cancel()
        for w in workers { w.signal(SIGTERM) }
        for w in workers { _ = await w.waitExit(within: .seconds(20)) }
        await producer.close()

        let missing = placed.filter { outcome.final[$0] == nil }
        let several = outcome.final.filter { $0.value.count > 1 }
        let both = outcome.final.filter { Set($0.value.map(\.topic)).count > 1 }
        let casesTwice = outcome.cases.filter { $0.value.count > 1 }
        print("chaos: \(placed.count) orders, \(kills) kills, \(drains) drain; outcomes: \(outcome.approved) approved, \(outcome.rejected) rejected, "
              + "\(outcome.cases.count) held for review; copies (same ce_id, same bytes): \(outcome.copies); "
              + "same ce_id with other bytes: \(outcome.conflicts.count); dead letters: \(outcome.deadLetters)")
        #expect(kills >= 3)
        #expect(drains == 1)
        #expect(missing.isEmpty, "\(missing.count) orders without an outcome, e.g. \(missing.sorted().prefix(5))")
        #expect(several.isEmpty, "\(several.count) orders with more than one outcome, e.g. \(several.keys.sorted().prefix(5))")
        #expect(both.isEmpty, "\(both.count) orders both approved and rejected")
        #expect(casesTwice.isEmpty, "\(casesTwice.count) orders with two review cases")
        var trail = ""
        if !outcome.conflicts.isEmpty { trail = try await Self.trail(of: outcome.conflictOrders.prefix(3), cluster) }
        #expect(outcome.conflicts.isEmpty, "outputs with one ce_id and different bytes:\n\(outcome.conflictDetails.prefix(5).joined(separator: "\n"))\n\(trail)")
        #expect(outcome.deadLetters == 0, "nothing valid is dead-lettered")
    }

    /// What the pipeline published: per order, its final outcomes (distinct `ce_id`s on
    /// `orders.approved` and `orders.rejected`) and its review cases.
    struct Outcomes {
        var final: [String: Set<Outcome>] = [:]
        var cases: [String: Set<String>] = [:]
        var conflicts: [String] = []
        /// Each conflict's two values, for the failure message.
        var conflictDetails: [String] = []
        var conflictOrders: [String] = []
        var copies = 0
        var deadLetters = 0
        var approved: Int { final.values.filter { $0.contains { $0.topic == "approved" } }.count }
        var rejected: Int { final.values.filter { $0.contains { $0.topic == "rejected" } }.count }
    }

    struct Outcome: Hashable {
        let topic: String
        let id: String
    }

    static func outcomes(_ cluster: TestCluster) async throws -> Outcomes {
        var o = Outcomes()
        var bytes: [String: [UInt8]] = [:]
        for (topic, label) in [(TopicDeclaration.ordersApproved, "approved"), (.ordersRejected, "rejected"), (.reviewQueue, "case"),
                               (.ordersValidated, "validated"), (.fraudSignals, "signal")] {
            for m in try await cluster.readAll(topic.name) {
                guard let id = m.headers.string("ce_id") else { continue }
                if let seen = bytes[id] {
                    if seen == (m.value ?? []) { o.copies += 1 } else {
                        o.conflicts.append("\(topic.name) \(id)")
                        if let order = (try? JSONValue.parse(m.value ?? []))?["order_id"]?.stringValue { o.conflictOrders.append(order) }
                        o.conflictDetails.append("\(topic.name) \(id) at \(m.partition)/\(m.offset):\n  first: \(String(decoding: seen, as: UTF8.self))\n  then:  \(String(decoding: m.value ?? [], as: UTF8.self))")
                    }
                    continue
                }
                bytes[id] = m.value ?? []
                let order = (try? JSONValue.parse(m.value ?? []))?["order_id"]?.stringValue ?? m.keyString ?? ""
                switch label {
                case "approved", "rejected": o.final[order, default: []].insert(Outcome(topic: label, id: id))
                case "case": o.cases[order, default: []].insert(id)
                default: break
                }
            }
        }
        for topic in Self.topics where topic.isDeadLettered {
            o.deadLetters += try await cluster.readAll(topic.name + ".dlq", within: .seconds(30)).count
        }
        return o
    }

    /// Where an order went, for a failure message: its copies on orders.validated and the fraud
    /// stage's records about it, with their causes.
    static func trail(of orders: some Sequence<String>, _ cluster: TestCluster) async throws -> String {
        let ids = Set(orders)
        var lines: [String] = []
        for m in try await cluster.readAll(topics: [TopicDeclaration.ordersValidated.name, TopicDeclaration.fraudDecisions.name,
                                                    TopicDeclaration.ordersApproved.name]) {
            let order = (try? JSONValue.parse(m.value ?? []))?["order_id"]?.stringValue ?? m.keyString ?? ""
            guard ids.contains(order) else { continue }
            lines.append("  \(m.topic) \(m.partition)/\(m.offset) ts=\(m.timestampMs ?? 0) ce_id=\(m.headers.string("ce_id") ?? "-") "
                         + "cause=\(m.headers.string("dropflow-cause") ?? "-") order=\(order)")
        }
        return lines.joined(separator: "\n")
    }

    /// The test's reviewer: one verdict per order held, approve or decline by the order id.
    static func review(_ cluster: TestCluster) async throws {
        let consumer = try cluster.consumer(group: uniqueName("reviewer"))
        try consumer.subscribe(topics: [cluster.prefix + TopicDeclaration.reviewQueue.name])
        let producer = try cluster.producer()
        var decided = Set<String>()
        for try await m in consumer.messages {
            guard let v = try? JSONValue.parse(m.value ?? []), let id = v["order_id"]?.stringValue, decided.insert(id).inserted else { continue }
            let verdict = FNV1a.hash(id.utf8) % 2 == 0 ? "approve" : "decline"
            let decision: JSONValue = ["order_id": .string(id), "decision": .string(verdict), "reviewer": "chaos", "at": "2026-11-24T12:00:00Z"]
            try producer.enqueue(KafkaProducerMessage(topic: cluster.prefix + TopicDeclaration.reviewDecisions.name, key: Array(id.utf8),
                                                      value: decision.serialized())) { _ in }
        }
    }

    static func waitReady(_ workers: [WorkerProcess]) async throws {
        for w in workers {
            try await eventually(.seconds(90), "worker ready: \(w.output.suffix(1_500))") {
                guard w.isRunning, let port = w.metricsPort else { return false }
                return httpGet(port: port, path: "/health/ready")?.status == 200
            }
        }
    }
}
