import DropflowContract
import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import DropflowRuntimeTesting
@testable import DropflowRuntime
import Foundation
import Testing

/// Stage state on a real broker: a decision is recorded (tagged with its cause) before its
/// outputs are sent, so a redelivered input gets the same outputs, byte for byte, and is never
/// decided twice; the store is restored for the partitions a worker owns before it works.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct StateStoreTests {
    static let input = TopicDeclaration.adHoc("counts.in")
    static let output = TopicDeclaration.adHoc("counts.out")
    static let changelog = TopicDeclaration.adHoc("counts.state", cleanup: .compact)
    static let store = StateStore(changelog: changelog, partitionedLike: input, horizon: nil)

    /// Counts the inputs per key; each output names the worker that decided it, so a decision
    /// made again (instead of re-sent) would show.
    static func counting(worker name: String) -> StageDefinition {
        StageDefinition(name: "counts", inputs: [InputTopic(input)], outputs: [output], stores: [store]) { input, context in
            let key = input.keyString ?? ""
            let seen = context.store(store)[key].flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
            return [.record(store, key: key, state: Array(String(seen + 1).utf8)),
                    StageOutput(topic: output, key: key, value: Array("\(key) #\(seen + 1) by \(name)".utf8))]
        }
    }

    @Test("a redelivered input whose record exists gets its recorded outputs again, not a new decision")
    func redeliveryResendsTheRecordedOutputs() async throws {
        let cluster = try TestCluster()
        // The output topic does not exist yet: the first worker records its decisions but cannot send them.
        try await cluster.createTopics([Self.input.name, Self.input.name + ".dlq", Self.changelog.name], partitions: 2)
        let producer = try cluster.producer()
        func send(_ key: String) async throws {
            try await producer.send(KafkaProducerMessage(topic: cluster.prefix + Self.input.name, key: Array(key.utf8), value: Array("x".utf8)))
        }
        let quick = cluster.workerConfiguration { $0.shutdownTimeout = .seconds(1); $0.messageTimeout = .seconds(2) }
        let first = RunningWorker(Self.counting(worker: "A"), quick)
        try await first.waitReady()
        try await send("k1")
        try await send("k2")
        _ = try await cluster.waitForKeys(Self.changelog.name, count: 2)
        _ = await first.stop()  // abandons both inputs: their outputs were never acknowledged

        try await cluster.createTopics([Self.output.name], partitions: 2)
        let second = RunningWorker(Self.counting(worker: "B"), cluster.workerConfiguration())
        try await second.waitReady()
        try await send("k1")
        _ = try await cluster.waitForKeys(Self.output.name, count: 2)
        try await eventually(.seconds(30), "three outputs") { try await cluster.readAll(Self.output.name).count >= 3 }
        _ = await second.stop()
        await producer.close()

        let values = try await cluster.readAll(Self.output.name).map { String(decoding: $0.value ?? [], as: UTF8.self) }
        #expect(values.sorted() == ["k1 #1 by A", "k1 #2 by B", "k2 #1 by A"], "recorded outputs re-sent; the store restored: \(values)")
    }

    @Test("a changelog with fewer partitions than its input stops the worker with the reason")
    func aChangelogTooSmallIsFatal() async throws {
        let cluster = try TestCluster()
        try await cluster.createTopics([Self.input.name, Self.input.name + ".dlq", Self.output.name], partitions: 2)
        try await cluster.createTopics([Self.changelog.name], partitions: 1)
        let producer = try cluster.producer()
        let worker = RunningWorker(Self.counting(worker: "A"), cluster.workerConfiguration())
        try await worker.waitReady()
        for p in 0..<2 {
            try await producer.send(KafkaProducerMessage(topic: cluster.prefix + Self.input.name, partition: Int32(p), key: Array("k".utf8), value: Array("x".utf8)))
        }
        try await Task.sleep(for: .seconds(5))  // the first input of partition 1 meets the layout error
        let result = try await withTimeout(.seconds(60), "worker stops") { await worker.stop() }
        await producer.close()
        guard case .failure(let error) = result else {
            Issue.record("the worker should stop on the layout error")
            return
        }
        #expect("\(error)".contains("at least as many partitions"), "\(error)")
    }
}

/// Tables end on position, not on quiet: a worker whose followed topic never stops receiving
/// becomes ready, and a worker stopped while it replays stops at once.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct BusyTableTests {
    static let signals = TopicDeclaration.adHoc("busy.signals")
    static let input = TopicDeclaration.adHoc("busy.in")

    @Test("a worker following a topic that never goes quiet is ready within 10 s")
    func busyFollowedTopic() async throws {
        let cluster = try TestCluster()
        try await cluster.createTopics([Self.signals.name, Self.input.name, Self.input.name + ".dlq"], partitions: 2)
        try await cluster.produce(Self.signals.name, count: 5_000, partitions: 2)
        let producer = try cluster.producer()
        let writing = Task {
            var i = 0
            while !Task.isCancelled {
                try? await producer.send(KafkaProducerMessage(topic: cluster.prefix + Self.signals.name, key: Array("s\(i)".utf8), value: Array("v".utf8)))
                i += 1
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
        try await Task.sleep(for: .seconds(1))
        let applied = Box(0)
        let stage = StageDefinition(name: "busy", inputs: [InputTopic(Self.input)], outputs: [],
                                    followed: [FollowedTopic(Self.signals) { _, _, _ in applied.mutate { $0 += 1 } }]) { _, _ in [] }
        let start = ContinuousClock.now
        let worker = RunningWorker(stage, cluster.workerConfiguration())
        try await worker.waitReady(.seconds(30))
        let took = ContinuousClock.now - start
        writing.cancel()
        _ = await worker.stop()
        await producer.close()
        #expect(took < .seconds(10), "ready after \(took)")
        #expect(applied.value >= 5_000, "replayed at least what was there before it started: \(applied.value)")
    }

    @Test("a worker stopped while it replays its tables stops within 5 s")
    func stopDuringReplay() async throws {
        let cluster = try TestCluster()
        try await cluster.createTopics([Self.signals.name, Self.input.name, Self.input.name + ".dlq"], partitions: 1)
        try await cluster.produce(Self.signals.name, count: 3_000, partitions: 1)
        // 10 ms per signal: the replay would take 30 s.
        let stage = StageDefinition(name: "slow", inputs: [InputTopic(Self.input)], outputs: [],
                                    followed: [FollowedTopic(Self.signals) { _, _, _ in Thread.sleep(forTimeInterval: 0.01) }]) { _, _ in [] }
        let worker = RunningWorker(stage, cluster.workerConfiguration())
        try await Task.sleep(for: .seconds(2))
        #expect(!worker.ready.value)
        let start = ContinuousClock.now
        let result = try await withTimeout(.seconds(20), "stop") { await worker.stop() }
        let took = ContinuousClock.now - start
        #expect(took < .seconds(5), "stopped after \(took)")
        if case .failure(let error) = result { Issue.record("a stop during replay is clean: \(error)") }
    }
}

/// A store's memory is bounded by its own horizon and by what is committed, whatever the broker
/// compacts; a record holds the key's decisions not yet committed, and its bytes read back.
@Suite struct StorePartitionTests {
    static let store = StateStore(changelog: .adHoc("mem.state", cleanup: .compact), partitionedLike: .adHoc("mem.in"), horizon: .seconds(3_600))
    static let tp = KafkaTopicPartition(topic: "p.mem.in", partition: 0)

    func decision(_ offset: Int64) -> RecordedDecision {
        RecordedDecision(topic: Self.tp.topic, partition: 0, offset: offset, outputs: [
            RecordedOutput(topic: "out", key: Array("k".utf8), value: Array("v\(offset)".utf8), headers: [KafkaHeader(key: "h", value: nil)], ceType: "t")])
    }

    @Test func entriesOlderThanTheHorizonAndCommittedOutputsAreForgotten() {
        let part = StorePartition(store: Self.store, input: Self.tp, committed: nil)
        for i in 0..<2_000 {
            // One key per input, a second of event time apart: the horizon holds 3,600 of them.
            _ = part.write(key: "k\(i)", state: [1], decision: decision(Int64(i)), atMs: Int64(i) * 10_000)
        }
        part.committed(upTo: 2_000)
        part.evict()
        #expect(part.count == 361, "an hour of 10-second steps, the newest included")
        #expect(part.recordedDecision(at: 1_999) == nil, "committed outputs are not kept")
        #expect(part.state("k1999") == [1] && part.state("k0") == nil)
    }

    @Test func aRecordCarriesTheKeysUncommittedDecisionsAndReadsBack() throws {
        let part = StorePartition(store: Self.store, input: Self.tp, committed: 10)
        _ = part.write(key: "k", state: [1], decision: decision(10), atMs: 0)
        let (second, _) = part.write(key: "k", state: [2], decision: decision(11), atMs: 1)
        #expect(second.decisions.map(\.offset) == [10, 11])
        part.committed(upTo: 11)
        let (third, undo) = part.write(key: "k", state: [3], decision: decision(12), atMs: 2)
        #expect(third.decisions.map(\.offset) == [11, 12])
        #expect(try StoreRecord(bytes: third.encoded()) == third)
        #expect(throws: StoreRecord.Unreadable.self) { try StoreRecord(bytes: Array(third.encoded().dropLast(3))) }
        undo()
        #expect(part.state("k") == [2] && part.recordedDecision(at: 12) == nil)
    }
}
