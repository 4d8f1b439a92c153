import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import DropflowRuntimeTesting
@testable import DropflowRuntime
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(2)))
struct TableTests {
    /// Every worker replays its table topics in full before it is ready:
    /// latest value per key wins, a tombstone deletes; later updates are followed.
    @Test("tables are replayed before the worker is ready: latest value wins, tombstones delete, updates are followed")
    func replayAndFollow() async throws {
        let cluster = try TestCluster()
        try await cluster.createTopics(["prices", "lookups", "answers", "lookups.dlq"], partitions: 2)
        let producer = try cluster.producer()
        func put(_ key: String, _ value: String?) async throws {
            try await producer.send(KafkaProducerMessage(topic: cluster.prefix + "prices", key: key, value: value))
        }
        try await put("a", "1")
        try await put("b", "2")
        try await put("a", "3")
        try await put("c", "x")
        try await put("c", nil)
        for i in 0..<200 { try await put("filler-\(i)", "\(i)") }

        let stage = StageDefinition(name: "tabletest", inputs: [InputTopic(.adHoc("lookups"))], outputs: [.adHoc("answers")], tables: [.adHoc("prices")]) { input, context in
            let key = String(decoding: input.value ?? [], as: UTF8.self)
            let prices = context.table(.adHoc("prices"))
            let answer = prices[key].map { String(decoding: $0, as: UTF8.self) } ?? "none"
            return [StageOutput(topic: .adHoc("answers"), key: input.key, value: Array("\(key)=\(answer) of \(prices.count)".utf8))]
        }
        let worker = RunningWorker(stage, cluster.workerConfiguration())
        try await worker.waitReady()
        for (i, k) in ["a", "b", "c"].enumerated() {
            try await producer.send(KafkaProducerMessage(topic: cluster.prefix + "lookups", key: "q\(i)", value: k))
        }
        let first = try await cluster.waitForKeys("answers", count: 3)
        let answers = Dictionary(uniqueKeysWithValues: first.map { ($0.keyString!, String(decoding: $0.value!, as: UTF8.self)) })
        #expect(answers == ["q0": "a=3 of 202", "q1": "b=2 of 202", "q2": "c=none of 202"])

        // An update while running is followed.
        try await put("b", "5")
        try await Task.sleep(for: .seconds(1))
        try await producer.send(KafkaProducerMessage(topic: cluster.prefix + "lookups", key: "q3", value: "b"))
        let second = try await cluster.waitForKeys("answers", count: 4)
        #expect(second.first { $0.keyString == "q3" }.map { String(decoding: $0.value!, as: UTF8.self) } == "b=5 of 202")
        await producer.close()
        _ = await worker.stop()
    }
}
