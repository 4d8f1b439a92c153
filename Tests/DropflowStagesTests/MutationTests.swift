import DropflowContract
import DropflowCore
import DropflowFraudModel
import DropflowIntake
import DropflowJSON
import DropflowKafka
import DropflowKafkaTesting
import DropflowPipeline
import DropflowRuntime
import DropflowRuntimeTesting
import Foundation
import Testing
@testable import DropflowStages

/// Nothing lost: 10,000 mutated messages per input topic (``ContractMutator``), with a valid
/// one after every nine, through real workers on a mock cluster. Every input is sent with a
/// `traceparent` of its own and accounted for by the outputs it caused, found through the trace
/// id (the contract: every output continues its input's trace; a dead-letter copy keeps the
/// input's headers, or else is found by its `dlq-source-*` headers): processed, rejected
/// (`orders.rejected` with reasons), or dead-lettered (`<topic>.dlq` with a `dlq-reason`, key and
/// bytes unchanged). Only two outcomes leave no output, and each is checked to be the case: a
/// storefront retry of an order another input got accepted, and a valid review decision for an
/// order another decision already settled (one for an order never held is dead-lettered, saying so). An input with no output and no such excuse is lost, and fails the
/// test; so does an input with two outcomes, an output no input caused, and an output that
/// breaks its topic's contract schema (but for the known gaps, counted). Every valid input
/// reaches its own outcome, the worker commits every offset, and it is still running and ready
/// at the end. The counts are printed, by main kind of mutation, with where the time went
/// (about 150 s for both tests on the 2-core machine: the workers take 10 to 40 s per 11,111
/// inputs, the rest is making, serializing and reading 20 to 36 MB of messages per topic in a
/// debug build). `DROPFLOW_MUTANTS` sets the number of mutants per topic.
@Suite(.serialized) struct MutationTests {
    static let mutantsPerTopic = Int(ProcessInfo.processInfo.environment["DROPFLOW_MUTANTS"] ?? "") ?? 10_000
    /// Every tenth input is a valid message, with an order id of its own.
    static let validEvery = 10
    /// librdkafka's mock cluster keeps only the last 5 MiB of each partition (older message sets
    /// are deleted): enough partitions that none comes near it (checked after sending, and the
    /// outcome topics' low watermarks must still be 0 when they are read).
    static let partitions: Int32 = 16

    @Test func intakeAccountsForEveryMutatedOrder() async throws {
        let cluster = try TestCluster(.mock)
        let definition = IntakeStage.definition()
        try await cluster.createTopics(TopicSetup.names(definition.topics), partitions: Self.partitions)
        let group = uniqueName("mutation-intake")
        let worker = RunningWorker(definition, cluster.workerConfiguration { $0.groupID = group })
        try await worker.waitReady()
        let clock = MutationClock()

        let topic = TopicDeclaration.ordersPlaced.name
        let inputs = MutationInputs.make(tag: 0x1A7A_4E01, seed: 0xD0F1_1001) { i, valid in
            let id = Self.orderID(valid ? "ok" : "mut", i)
            return (id, Self.order(id, i))
        }
        clock.lap("made \(inputs.count) inputs")
        let sent = try await MutationInputs.send(inputs, to: topic, on: cluster)
        clock.lap("sent \(inputs.count) to \(topic)")
        try await cluster.waitCommitted(group: group, topic: topic, within: .seconds(240))
        clock.lap("intake committed all")

        let outcomes = try await Outcomes.read([
            (TopicDeclaration.ordersValidated.name, .processed), (TopicDeclaration.ordersRejected.name, .rejected),
            (topic + ".dlq", .deadLettered)], inputs: [topic], on: cluster, tags: [inputs.tag], sources: Outcomes.sources(inputs, sent))
        clock.lap("read the outcomes")

        var ledger = Ledger(inputs: inputs, outcomes: outcomes, sent: sent, topic: cluster.prefix + topic)
        // The order ids intake accepted, by input: a later copy of one of them may be dropped as a retry.
        let accepted = Dictionary(grouping: ledger.orderIDs(of: .processed, on: TopicDeclaration.ordersValidated.name), by: \.value)
        ledger.account { input, outputs, problems in
            let parsed = input.parsed
            let orderID = parsed?["order_id"]?.stringValue
            guard case let (fate, messages)? = outputs else {
                if let orderID, accepted[orderID]?.contains(where: { $0.key != input.index }) == true { return .retryDropped }
                return nil
            }
            for m in messages {
                let v = try? JSONValue.parse(m.value ?? [])
                switch fate {
                case .processed:
                    // Intake trims every string of surrounding whitespace, the order id too.
                    let trimmed = orderID?.trimmingCharacters(in: .whitespacesAndNewlines)
                    if v?["order_id"]?.stringValue != trimmed { problems.append("accepted as \(v?["order_id"] ?? nil), sent as \(orderID ?? "-")") }
                    if v?["intake"]?["order_value"]?.stringValue == nil { problems.append("accepted without intake's order_value") }
                    if let v, !ContractSchema.orderPlaced.validate(v).isEmpty { problems.append("accepted an order that breaks order-placed") }
                case .rejected:
                    Self.checkRejection(v, orderID: orderID, stage: "intake", &problems)
                case .deadLettered:
                    // The contract: an object with a string order_id is answered on orders.rejected,
                    // unless no rejection can carry that id (order-rejected bounds it to 1...128 characters).
                    if let orderID, (1...128).contains(orderID.unicodeScalars.count), parsed?.objectValue != nil {
                        problems.append("dead-lettered an object with a string order_id: \(m.headers.string(DLQHeader.reason) ?? "")")
                    }
                default: break
                }
            }
            return fate
        }
        // The valid orders: each accepted, as itself.
        ledger.expectValid(fates: [.processed])
        clock.lap("accounted")

        ledger.report("intake (orders.placed)", clock: clock)
        #expect(worker.ready.value, "the worker is still ready")
        if case .failure(let error) = await worker.stop() { Issue.record("the worker had stopped: \(error)") }
        ledger.expectNoProblems()
    }

    @Test func fraudAccountsForEveryMutatedAcceptedOrderAndReviewDecision() async throws {
        let cluster = try TestCluster(.mock)
        let validated = TopicDeclaration.ordersValidated.name, decisions = TopicDeclaration.reviewDecisions.name
        let definition = FraudStage.definition(model: try shippedFraudModel())
        try await cluster.createTopics(TopicSetup.names(definition.topics), partitions: Self.partitions)
        let group = uniqueName("mutation-fraud")
        let worker = RunningWorker(definition, cluster.workerConfiguration { $0.groupID = group })
        try await worker.waitReady()
        let clock = MutationClock()
        let fraudOutcomes: [(String, Fate)] = [(TopicDeclaration.ordersApproved.name, .processed), (TopicDeclaration.reviewQueue.name, .processed),
                                               (TopicDeclaration.ordersRejected.name, .rejected)]

        // 1. orders.validated: mutants of accepted orders as intake publishes them (SKUs offered,
        //    so the model decides), keyed by customer.
        let orders = MutationInputs.make(tag: 0xF4A0_0D01, seed: 0xD0F1_2001) { i, valid in
            let id = Self.orderID(valid ? "ok" : "mut", i)
            return ("cus-\(id)", Self.accepted(id, i, offered: true))
        }
        clock.lap("made \(orders.count) inputs")
        let sentOrders = try await MutationInputs.send(orders, to: validated, on: cluster)
        clock.lap("sent \(orders.count) to \(validated)")
        try await cluster.waitCommitted(group: group, topic: validated, within: .seconds(240))
        clock.lap("fraud committed all of \(validated)")

        // 2. Orders to decide on: one held order (intake flagged an unknown SKU) per decision to come.
        //    Their customers, cards, addresses and IPs are none of step 1's, and they come three
        //    days later, so velocity does not make the model decline them instead.
        let holds = MutationInputs.make(tag: 0xF4A0_0D02, seed: 0, mutants: 0, valid: Self.mutantsPerTopic * Self.validEvery / (Self.validEvery - 1) + 1) { i, _ in
            let id = Self.orderID("held", i)
            return ("cus-\(id)", Self.accepted(id, Self.heldIdentities + i, offered: false, placedAt: "2026-11-27T10:15:00Z"))
        }
        _ = try await MutationInputs.send(holds, to: validated, on: cluster)
        try await cluster.waitCommitted(group: group, topic: validated, within: .seconds(240))
        clock.lap("held \(holds.count) orders")

        // 3. review.decisions: mutants of the contract's example, one per held order, keyed by order.
        let decisionInputs = MutationInputs.make(tag: 0xF4A0_0D03, seed: 0xD0F1_2003) { i, _ in
            let id = Self.orderID("held", i)
            let decision = ContractExample.reviewDecision.value.replacing([.key("order_id")], with: .string(id))
                .replacing([.key("decision")], with: i / Self.validEvery % 2 == 0 ? "approve" : "decline")  // valid ones too
            return (id, decision)
        }
        clock.lap("made \(decisionInputs.count) inputs")
        let sentDecisions = try await MutationInputs.send(decisionInputs, to: decisions, on: cluster)
        clock.lap("sent \(decisionInputs.count) to \(decisions)")
        try await cluster.waitCommitted(group: group, topic: decisions, within: .seconds(240))
        clock.lap("fraud committed all of \(decisions)")

        let outcomes = try await Outcomes.read(fraudOutcomes + [(validated + ".dlq", .deadLettered), (decisions + ".dlq", .deadLettered)],
                                               inputs: [validated, decisions], on: cluster, tags: [orders.tag, holds.tag, decisionInputs.tag],
                                               sources: Outcomes.sources(orders, sentOrders).merging(Outcomes.sources(decisionInputs, sentDecisions)) { a, _ in a })
        clock.lap("read the outcomes")

        // The accepted orders: each decided once (approved, held for review, or declined) or dead-lettered.
        var orderLedger = Ledger(inputs: orders, outcomes: outcomes, sent: sentOrders, topic: cluster.prefix + validated)
        // orders.validated is the pipeline's own topic, written by intake only: the fraud stage
        // decodes what it needs and passes the rest through, so a mutant intake would never have
        // accepted can make an output that breaks its schema. Counted, not failed.
        orderLedger.account(tolerate: { _, _ in
            "outputs made from a mutant of orders.validated that intake would not have accepted break their schema"
        }) { input, outputs, problems in
            guard case let (fate, messages)? = outputs else { return nil }
            let orderID = input.parsed?["order_id"]?.stringValue
            for m in messages {
                let v = try? JSONValue.parse(m.value ?? [])
                switch (fate, m.topic) {
                case (.processed, cluster.prefix + TopicDeclaration.reviewQueue.name):
                    if v?["order_id"]?.stringValue != orderID { problems.append("review case for \(v?["order_id"] ?? nil), sent as \(orderID ?? "-")") }
                case (.processed, _):
                    if v?["order_id"]?.stringValue != orderID { problems.append("approved as \(v?["order_id"] ?? nil), sent as \(orderID ?? "-")") }
                    if v?["fraud"]?["score"] == nil { problems.append("approved without a fraud block") }
                case (.rejected, _):
                    Self.checkRejection(v, orderID: orderID, stage: "fraud", &problems)
                default: break
                }
            }
            return fate
        }
        orderLedger.expectValid(fates: [.processed, .rejected])

        // Every order of step 2 was held: a review case each.
        let holdLedger = Ledger(inputs: holds, outcomes: outcomes, sent: [:], topic: cluster.prefix + validated)
        let held = holdLedger.orderIDs(of: .processed, on: TopicDeclaration.reviewQueue.name)
        #expect(held.count == holds.count, "every order of step 2 was held for review")
        let heldIDs = Set(held.values).union(orderLedger.orderIDs(of: .processed, on: TopicDeclaration.reviewQueue.name).values)

        // The decisions: each released or rejected its order, or was dead-lettered (valid, for an
        // order never held, with that reason), or (valid, for an order another decided) ignored.
        var decisionLedger = Ledger(inputs: decisionInputs, outcomes: outcomes, sent: sentDecisions, topic: cluster.prefix + decisions)
        let decided = Dictionary(grouping: decisionLedger.orderIDs(of: .processed, on: nil).merging(decisionLedger.orderIDs(of: .rejected, on: nil)) { a, _ in a },
                                 by: \.value)
        decisionLedger.account { input, outputs, problems in
            let parsed = input.parsed
            let decision = parsed.flatMap { ContractSchema.reviewDecision.validate($0).isEmpty ? try? ReviewDecision(json: $0) : nil }
            guard case let (fate, messages)? = outputs else {
                guard let decision else { return nil }
                let decidedByAnother = decided[decision.orderID]?.contains { $0.key != input.index } == true
                return decidedByAnother ? .ignored : nil
            }
            for m in messages {
                let v = try? JSONValue.parse(m.value ?? [])
                switch fate {
                case .processed:
                    if decision?.decision != .approve { problems.append("released by \(decision.map(\.decision.rawValue) ?? "an invalid decision")") }
                    if v?["fraud"]?["decided_by"]?.stringValue != "reviewer" { problems.append("released, but not by the reviewer") }
                    if v?["order_id"]?.stringValue != decision?.orderID { problems.append("released \(v?["order_id"] ?? nil)") }
                case .rejected:
                    if decision?.decision != .decline { problems.append("rejected by \(decision.map(\.decision.rawValue) ?? "an invalid decision")") }
                    Self.checkRejection(v, orderID: decision?.orderID, stage: "review", &problems)
                case .deadLettered:
                    // A valid decision for an order never held waits for the hold, then goes to the
                    // dead-letter topic saying so (issue 11: never silently ignored).
                    let reason = m.headers.string(DLQHeader.reason) ?? ""
                    if let decision, heldIDs.contains(decision.orderID) || !reason.contains("no order \(decision.orderID) is held") {
                        problems.append("dead-lettered a valid decision: \(reason)")
                    }
                default: break
                }
            }
            return fate
        }
        decisionLedger.expectValid(fates: [.processed, .rejected])
        clock.lap("accounted")

        orderLedger.report("fraud (orders.validated)", clock: nil)
        decisionLedger.report("fraud (review.decisions)", clock: clock)
        #expect(worker.ready.value, "the worker is still ready")
        if case .failure(let error) = await worker.stop() { Issue.record("the worker had stopped: \(error)") }
        orderLedger.expectNoProblems()
        decisionLedger.expectNoProblems()
    }

    // MARK: Valid messages

    /// The first identity number of step 2's held orders: above every input's of step 1.
    static let heldIdentities = 500_000

    /// `<prefix>-<i>-<16 hex>`: a bit flip or a cut in one id never makes another input's id.
    static func orderID(_ prefix: String, _ i: Int) -> String {
        "\(prefix)-\(i)-\(FNV1a.hash(Array("\(prefix)\(i)".utf8)).hex16)"
    }

    /// The contract's example order as order `id`, with a customer, email, card, address and IP
    /// of its own (so that velocity stays as for an ordinary customer).
    static func order(_ id: String, _ i: Int, from example: JSONValue = ContractExample.orderPlaced.value, placedAt: String? = nil) -> JSONValue {
        let n = String(i)
        // Identity numbers from ``heldIdentities`` on get cards of a BIN of their own.
        let bin = i >= heldIdentities ? "5" : "4"
        let dated = placedAt.map { example.replacing([.key("placed_at")], with: .string($0)) } ?? example
        return dated
            .replacing([.key("order_id")], with: .string(id))
            .replacing([.key("customer"), .key("id")], with: .string("cus-\(id)"))
            .replacing([.key("customer"), .key("email")], with: .string("buyer.\(n)@example.com"))
            .replacing([.key("payment"), .key("card_bin")], with: .string(bin + String(repeating: "0", count: 5 - min(5, n.count)) + n.suffix(5)))
            .replacing([.key("payment"), .key("card_last4")], with: .string(String(repeating: "0", count: 4 - min(4, n.count)) + n.suffix(4)))
            .replacing([.key("payment"), .key("ip_address")], with: .string("10.\(i / 65_536 % 256).\(i / 256 % 256).\(i % 256)"))
            .replacing([.key("shipping_address"), .key("line1")], with: .string("Calle Mayor \(n)"))
            .replacing([.key("billing_address"), .key("line1")], with: .string("Calle Mayor \(n)"))
    }

    /// Order `id` (``order(_:_:from:)``) as intake accepts and publishes it on `orders.validated`:
    /// with its SKUs offered by a supplier, or flagged for review as unknown. Intake decides on the
    /// example once; each order is that accepted order with its own identities (in their
    /// normalized form already) and fingerprint (deciding on each of 20,000 orders takes half a
    /// minute in a debug build).
    static func accepted(_ id: String, _ i: Int, offered: Bool, placedAt: String? = nil) -> JSONValue {
        let template = offered ? acceptedExample.offered : acceptedExample.unknownSKUs
        let order = Self.order(id, i, from: template.order.json, placedAt: placedAt)
        var summary = template.intake
        summary.fingerprint = IntakeDecider.fingerprint(order)
        return order.replacing([.key(ValidatedOrder.Field.intake.rawValue)], with: summary.json)
    }

    static let acceptedExample: (offered: ValidatedOrder, unknownSKUs: ValidatedOrder) = {
        func accept(offered: Bool) -> ValidatedOrder {
            let outcome = IntakeDecider().decide(ContractExample.orderPlaced.value.serialized(), seenFingerprint: { _ in nil },
                                                 isOffered: { _ in offered })
            guard case .accept(let v) = outcome else { preconditionFailure("intake does not accept the example order: \(outcome)") }
            return v
        }
        return (accept(offered: true), accept(offered: false))
    }()

    static func checkRejection(_ v: JSONValue?, orderID: String?, stage: String, _ problems: inout [String]) {
        guard let v else { problems.append("a rejection that is not JSON"); return }
        if v["stage"]?.stringValue != stage { problems.append("rejected by stage \(v["stage"] ?? nil), not \(stage)") }
        if v["order_id"]?.stringValue != orderID { problems.append("rejected as \(v["order_id"] ?? nil), sent as \(orderID ?? "-")") }
        let reasons = v["reasons"]?.arrayValue ?? []
        if reasons.isEmpty || reasons.contains(where: { ($0["code"]?.stringValue ?? "").isEmpty || ($0["detail"]?.stringValue ?? "").isEmpty }) {
            problems.append("rejected without reasons (code and detail)")
        }
    }
}

// MARK: - The harness

/// What became of an input.
enum Fate: String, CaseIterable, Comparable, Sendable {
    case processed, rejected
    case deadLettered = "dead-lettered"
    case retryDropped = "dropped as a retry"
    case ignored = "ignored (not held)"
    static func < (a: Fate, b: Fate) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
}

/// One input to send: a mutant, or a valid message (no kinds) with its own order id.
struct MutationInput: Sendable {
    let index: Int
    let kinds: [ContractMutator.Kind]
    let key: [UInt8]?
    let value: [UInt8]?
    let headers: [KafkaHeader]
    let traceID: String
    /// The value parsed, when it is JSON.
    let parsed: JSONValue?
    var isValid: Bool { kinds.isEmpty }

    init(index: Int, kinds: [ContractMutator.Kind], key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader], traceID: String) {
        self.index = index
        self.kinds = kinds
        self.key = key
        self.value = value
        self.headers = headers
        self.traceID = traceID
        parsed = value.flatMap { try? JSONValue.parse($0) }
    }
    /// The order id of a valid input.
    var validOrderID: String? { isValid ? parsed?["order_id"]?.stringValue : nil }
}

/// The inputs of one topic, with the tag that starts the trace id of each (`<tag><index>`).
struct MutationInputs: Sendable {
    let tag: String
    let inputs: [MutationInput]
    var count: Int { inputs.count }

    /// `mutants` mutants and a valid message after every `validEvery - 1` of them (or `valid`
    /// valid messages only); `base(i, isValid)` gives the Kafka key and the valid value of input `i`.
    /// Made in chunks of 500 on every core (a debug build serializes slowly), each chunk with a
    /// mutator seeded from `seed` and its number, so the inputs are the same on every run.
    static func make(tag: UInt32, seed: UInt64, mutants: Int = MutationTests.mutantsPerTopic, valid: Int? = nil,
                     _ base: @escaping @Sendable (Int, Bool) -> (key: String, value: JSONValue)) -> MutationInputs {
        let every = MutationTests.validEvery
        var count = valid ?? 0
        if valid == nil { while count - count / every < mutants { count += 1 } }
        let total = count
        let tagHex = String(tag, radix: 16).leftPadded(8)
        let chunk = 500
        let chunks = (total + chunk - 1) / chunk
        let made = Locked<[Int: [MutationInput]]>([:])
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            var mutator = ContractMutator(seed: seed ^ (UInt64(c + 1) &* 0x9E37_79B9_7F4A_7C15))
            var inputs: [MutationInput] = []
            for i in (c * chunk)..<min(total, (c + 1) * chunk) {
                let isValid = valid != nil || i % every == every - 1
                let (key, value) = base(i, isValid)
                let traceID = tagHex + String(i, radix: 16).leftPadded(24)
                if isValid {
                    inputs.append(MutationInput(index: i, kinds: [], key: Array(key.utf8), value: value.serialized(), headers: [], traceID: traceID))
                } else {
                    let m = mutator.mutate(value, id: traceID)
                    inputs.append(MutationInput(index: i, kinds: m.kinds, key: Array(key.utf8), value: m.value, headers: m.headers, traceID: traceID))
                }
            }
            made.withLock { $0[c] = inputs }
        }
        let inputs = (0..<chunks).flatMap { made.current[$0]! }
        return MutationInputs(tag: tagHex, inputs: inputs)
    }

    /// Queues `message`; false when the producer's local queue is full.
    private static func enqueue(_ message: KafkaProducerMessage, on producer: KafkaProducer,
                                _ onDelivery: @escaping @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void) throws -> Bool {
        do {
            try producer.enqueue(message, onDelivery: onDelivery)
            return true
        } catch {
            if error.code == KafkaError.queueFull { return false }
            throw error
        }
    }

    /// Sends every input (a `traceparent` of its own added) and returns where each landed.
    static func send(_ inputs: MutationInputs, to topic: String, on cluster: TestCluster) async throws -> [Int: KafkaDeliveryReport] {
        let producer = try cluster.producer { $0.messageTimeout = .seconds(120) }
        let reports = Locked<[Int: Result<KafkaDeliveryReport, KafkaError>]>([:])
        for input in inputs.inputs {
            let span = String(input.index + 1, radix: 16).leftPadded(16)
            let message = KafkaProducerMessage(topic: cluster.prefix + topic, key: input.key, value: input.value,
                                               headers: input.headers + [KafkaHeader(key: "traceparent", string: "00-\(input.traceID)-\(span)-01")])
            let index = input.index
            while try !enqueue(message, on: producer, { result in reports.withLock { $0[index] = result } }) {
                try await Task.sleep(for: .milliseconds(5))  // the local queue is full
            }
        }
        try await producer.flush(timeout: .seconds(120))
        await producer.close()
        let all = reports.current
        let failed = all.filter { if case .failure = $0.value { return true } else { return false } }
        try #require(all.count == inputs.count && failed.isEmpty, "every input was sent: \(failed.prefix(3))")
        let landed = all.compactMapValues { try? $0.get() }
        var bytes: [Int32: Int] = [:]
        for input in inputs.inputs { bytes[landed[input.index]!.partition, default: 0] += input.value?.count ?? 0 }
        try #require(bytes.values.max()! < Outcomes.partitionLimit * 3 / 4,
                     "\(topic): \(bytes.values.max()!) bytes in one partition; the mock cluster keeps only \(Outcomes.partitionLimit)")
        return landed
    }
}

/// The messages on the outcome topics, by the input (trace id) that caused them.
struct Outcomes: Sendable {
    /// An output, the fate its topic stands for, and how it breaks its topic's schema (if it does).
    typealias Output = (fate: Fate, message: KafkaConsumerMessage, violations: [SchemaViolation])
    /// tag → index → the outputs.
    var byInput: [String: [Int: [Output]]] = [:]
    /// Messages on outcome topics that no input of these tags caused.
    var strays: [KafkaConsumerMessage] = []

    /// What librdkafka's mock cluster keeps of a partition (`rdkafka_mock.c`: 5 MiB).
    static let partitionLimit = 5 * 1024 * 1024

    /// Reads the outcome topics; `inputs` (the input topics) and they must still hold every
    /// message written to them.
    /// Where each input landed: `<full topic>/<partition>/<offset>` → (tag, index), for
    /// dead-letter copies, which name their source in `dlq-source-*` headers.
    typealias Sources = [String: (tag: String, index: Int)]

    static func sources(_ inputs: MutationInputs, _ sent: [Int: KafkaDeliveryReport]) -> Sources {
        var map: Sources = [:]
        for (index, at) in sent { map["\(at.topic)/\(at.partition)/\(at.offset)"] = (inputs.tag, index) }
        return map
    }

    /// The outputs on `topics`, each attributed to the input whose trace id its `traceparent`
    /// continues; a dead-letter copy without one to the input its `dlq-source-*` headers name.
    static func read(_ topics: [(String, Fate)], inputs: [String], on cluster: TestCluster, tags: [String],
                     sources: Sources) async throws -> Outcomes {
        var outcomes = Outcomes()
        let admin = try cluster.admin()
        let inputMarks = try await admin.watermarks(topics: inputs.map { cluster.prefix + $0 })
        try #require(inputMarks.values.allSatisfy { $0.low == 0 }, "the mock cluster deleted the oldest messages of \(inputs) (5 MiB per partition)")
        for (topic, fate) in topics {
            let messages = try await cluster.readAll(topic, within: .seconds(120))
            // Nothing may have been deleted before it was read, or "lost" would mean nothing.
            let marks = try await admin.watermarks(topics: [cluster.prefix + topic])
            try #require(marks.values.allSatisfy { $0.low == 0 }, "the mock cluster deleted the oldest messages of \(topic) (5 MiB per partition)")
            let schema = [TopicDeclaration.ordersRejected, .reviewQueue, .ordersValidated, .ordersApproved].first { $0.name == topic }?.schema
            for m in messages {
                let parts = m.headers.string("traceparent")?.split(separator: "-") ?? []
                let source = [DLQHeader.sourceTopic, DLQHeader.sourcePartition, DLQHeader.sourceOffset]
                    .map { m.headers.string($0) ?? "" }.joined(separator: "/")
                let cause: (tag: String, index: Int)
                if parts.count == 4, parts[1].count == 32, tags.contains(String(parts[1].prefix(8))),
                   let index = Int(parts[1].dropFirst(8), radix: 16) {
                    cause = (String(parts[1].prefix(8)), index)
                } else if fate == .deadLettered, let located = sources[source] {
                    cause = located
                } else {
                    outcomes.strays.append(m)
                    continue
                }
                let violations = schema.map { schema in (try? JSONValue.parse(m.value ?? [])).map(schema.validate) ?? [
                    SchemaViolation(path: "", keyword: "type", problem: "not JSON")] } ?? []
                outcomes.byInput[cause.tag, default: [:]][cause.index, default: []].append((fate, m, violations))
            }
        }
        await admin.close()
        return outcomes
    }
}

/// Accounts for the inputs of one topic: what became of each, what is wrong, and the counts.
struct Ledger {
    let inputs: MutationInputs
    let outcomes: [Int: [Outcomes.Output]]
    let strays: [KafkaConsumerMessage]
    let sent: [Int: KafkaDeliveryReport]
    let topic: String
    var fates: [Int: Fate] = [:]
    var problems: [(index: Int, problem: String)] = []
    /// Findings that do not fail the test (known gaps), counted.
    var notes: [String: Int] = [:]
    var copies = 0

    init(inputs: MutationInputs, outcomes: Outcomes, sent: [Int: KafkaDeliveryReport], topic: String) {
        self.inputs = inputs
        self.outcomes = outcomes.byInput[inputs.tag] ?? [:]
        strays = outcomes.strays
        self.sent = sent
        self.topic = topic
    }

    /// Input index → the `order_id` of its outputs on `topic` (any outcome topic when nil) of `fate`.
    func orderIDs(of fate: Fate, on topic: String?) -> [Int: String] {
        var ids: [Int: String] = [:]
        for (index, outputs) in outcomes {
            for (f, m, _) in outputs where f == fate && (topic == nil || m.topic.hasSuffix("." + topic!)) {
                if let id = (try? JSONValue.parse(m.value ?? []))?["order_id"]?.stringValue { ids[index] = id }
            }
        }
        return ids
    }

    /// Decides each input's fate. `judge` gets the input and its outputs (nil when it caused
    /// none), may add problems, and returns the fate, or nil when an input without outputs has
    /// no excuse (lost). The checks every dead-letter copy must pass are made here, and every
    /// output must satisfy its topic's contract schema unless `tolerate` names the output's
    /// violations as a known gap (counted in ``notes``); a valid input's outputs always must.
    mutating func account(tolerate: (MutationInput, [SchemaViolation]) -> String? = { _, _ in nil },
                          _ judge: (MutationInput, (Fate, [KafkaConsumerMessage])?, inout [String]) -> Fate?) {
        for input in inputs.inputs {
            var found: [String] = []
            let outputs = outcomes[input.index] ?? []
            let kinds = Set(outputs.map(\.fate))
            if kinds.count > 1 { found.append("more than one outcome: \(kinds.sorted().map(\.rawValue))") }
            // At least once: a second output of the same kind must be a copy of the first.
            for fate in kinds {
                let same = outputs.filter { $0.fate == fate }.map(\.message)
                let distinct = Set(same.map { [$0.value ?? [], Array($0.topic.utf8)] })
                copies += same.count - distinct.count
                if distinct.count > 1 { found.append("\(distinct.count) different \(fate.rawValue) outputs") }
            }
            for (fate, m, _) in outputs where fate == .deadLettered { checkDeadLetter(m, of: input, &found) }
            for (_, m, violations) in outputs where !violations.isEmpty {
                if !input.isValid, let note = tolerate(input, violations) {
                    notes[note, default: 0] += 1
                } else {
                    found.append("an output on \(m.topic) breaks its schema: \(violations.prefix(3).map(\.message))")
                }
            }
            let fate = judge(input, outputs.first.map { first in (first.fate, outputs.filter { $0.fate == first.fate }.map(\.message)) }, &found)
            if let fate { fates[input.index] = fate } else { found.append("lost: no output, no dead-letter copy") }
            problems += found.map { (input.index, $0) }
        }
        problems += strays.map { (-1, "an output no input of this run caused, on \($0.topic) (traceparent \($0.headers.string("traceparent") ?? "none"))") }
    }

    private func checkDeadLetter(_ m: KafkaConsumerMessage, of input: MutationInput, _ found: inout [String]) {
        if (m.headers.string(DLQHeader.reason) ?? "").isEmpty { found.append("dead-lettered without a dlq-reason") }
        if m.headers.string(DLQHeader.reason) == "forged by the sender" { found.append("the sender's own dlq-reason was kept") }
        if m.headers.string(DLQHeader.sourceTopic) != topic { found.append("dlq-source-topic \(m.headers.string(DLQHeader.sourceTopic) ?? "none")") }
        if let at = sent[input.index] {
            if m.headers.string(DLQHeader.sourcePartition) != String(at.partition) || m.headers.string(DLQHeader.sourceOffset) != String(at.offset) {
                found.append("dlq-source-partition/offset \(m.headers.string(DLQHeader.sourcePartition) ?? "-")/\(m.headers.string(DLQHeader.sourceOffset) ?? "-"), sent to \(at.partition)/\(at.offset)")
            }
        }
        if m.key != input.key { found.append("dead-letter copy with another key") }
        if m.value != input.value && m.headers.string(DLQHeader.truncated) == nil { found.append("dead-letter copy with other bytes") }
    }

    /// Every valid input reached one of `fates`, as itself.
    mutating func expectValid(fates allowed: Set<Fate>) {
        for input in inputs.inputs where input.isValid {
            guard let fate = fates[input.index] else { continue }  // already a problem
            if !allowed.contains(fate) { problems.append((input.index, "a valid message was \(fate.rawValue)")) }
        }
    }

    /// Prints what became of the inputs, in all and by main kind of mutation.
    func report(_ title: String, clock: MutationClock?) {
        var byKind: [String: [Fate: Int]] = [:]
        var total: [Fate: Int] = [:]
        for input in inputs.inputs {
            guard let fate = fates[input.index] else { continue }
            byKind[input.kinds.first?.rawValue ?? "(valid)", default: [:]][fate, default: 0] += 1
            total[fate, default: 0] += 1
        }
        let shown = Fate.allCases.filter { total[$0] != nil }
        func row(_ name: String, _ counts: [Fate: Int]) -> String {
            name.padding(toLength: 16, withPad: " ", startingAt: 0)
                + shown.map { String(counts[$0] ?? 0).leftPadded(to: max(8, $0.rawValue.count + 2), with: " ") }.joined()
        }
        let megabytes = Double(inputs.inputs.reduce(0) { $0 + ($1.value?.count ?? 0) }) / 1_000_000
        var lines = ["━━ \(title): \(inputs.count) inputs (\(inputs.inputs.filter(\.isValid).count) valid, "
                        + String(format: "%.1f MB", megabytes) + "), \(fates.count) accounted for ━━",
                     "".padding(toLength: 16, withPad: " ", startingAt: 0)
                        + shown.map { $0.rawValue.leftPadded(to: max(8, $0.rawValue.count + 2), with: " ") }.joined()]
        lines += byKind.keys.sorted().map { row($0, byKind[$0]!) }
        lines.append(row("all", total))
        if copies > 0 { lines.append("  (\(copies) redelivered copies of outputs, byte for byte)") }
        for (note, count) in notes.sorted(by: { $0.key < $1.key }) { lines.append("  known: \(count) × \(note)") }
        if !problems.isEmpty { lines.append("  \(problems.count) problems") }
        if let clock { lines.append("  times: " + clock.laps.joined(separator: "; ")) }
        print(lines.joined(separator: "\n"))
    }

    func expectNoProblems() {
        let shown = problems.prefix(25).map { p -> String in
            guard p.index >= 0, inputs.inputs.indices.contains(p.index) else { return p.problem }
            let input = inputs.inputs[p.index]
            let text = input.value.map { String(decoding: $0.prefix(160), as: UTF8.self) } ?? "null"
            return "#\(p.index) [\(input.kinds.map(\.rawValue).joined(separator: ", "))] \(p.problem)\n      value: \(text)"
        }
        let count = problems.count
        #expect(count == 0, "\(count) problems:\n  \(shown.joined(separator: "\n  "))")
    }
}

/// Where the time of a run goes.
final class MutationClock: @unchecked Sendable {
    private let start = ContinuousClock.now
    private var last = ContinuousClock.now
    private(set) var laps: [String] = []
    func lap(_ what: String) {
        let now = ContinuousClock.now
        laps.append("\(what) \(Self.seconds(now - last))")
        last = now
    }
    var total: String { Self.seconds(ContinuousClock.now - start) }
    static func seconds(_ d: Duration) -> String { String(format: "%.1f s", Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18) }
}

extension String {
    func leftPadded(_ width: Int) -> String { leftPadded(to: width, with: "0") }
    func leftPadded(to width: Int, with pad: Character) -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
