import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import DropflowRuntimeTesting
@testable import DropflowRuntime
import Foundation
import Testing

/// Outputs of one key keep the order of their inputs, also when Produce requests fail and are
/// sent again.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct OutputOrderTests {
    /// Seven keys over 2,000 inputs of one partition, their outputs on two partitions; Produce
    /// requests fail now and then with an error librdkafka gives up on at once
    /// (NETWORK_EXCEPTION) and the worker sends again.
    /// Read back, the last copy of each output comes in input order, key by key: what a
    /// compacted topic keeps, or a reader that keeps the latest copy of each `ce_id`.
    @Test("outputs of a key stay in input order when failed deliveries are sent again (mock cluster)")
    func orderAcrossFailedDeliveries() async throws {
        let cluster = try TestCluster(.mock)
        let mock = try #require(cluster.mock)
        try await cluster.createTopics(["order.in", "order.in.dlq"], partitions: 1)
        // Two output partitions: a batch of one can fail while the next outputs, in the other, land.
        try await cluster.createTopics(["order.out"], partitions: 2)
        let stage = StageDefinition(name: "ordertest", inputs: [InputTopic(.adHoc("order.in"))], outputs: [.adHoc("order.out")]) { input, _ in
            try await Task.sleep(for: .milliseconds(2))
            return [StageOutput(topic: .adHoc("order.out"), key: input.key, value: input.value)]
        }
        let n = 2_000
        let producer = try cluster.producer()
        for i in 0..<n {
            try producer.enqueue(KafkaProducerMessage(topic: cluster.prefix + "order.in", partition: 0, key: "key-\(i % 7)", value: "\(i)")) { _ in }
        }
        try await producer.flush()
        await producer.close()

        let worker = RunningWorker(stage, cluster.workerConfiguration())
        try await eventually(.seconds(60), "outputs flow") { try await cluster.written("order.out") >= 20 }
        for _ in 0..<10 {
            mock.failNext(.produce, with: [KafkaError.networkExceptionCode])
            try await Task.sleep(for: .milliseconds(100))
        }
        try await cluster.waitCommitted(group: cluster.workerConfiguration().group(for: "ordertest"), topic: "order.in", within: .seconds(90))
        _ = await worker.stop()

        let out = try await cluster.readAll("order.out")
        let values = out.map { (key: $0.keyString ?? "", value: Int(String(decoding: $0.value ?? [], as: UTF8.self)) ?? -1) }
        #expect(Set(values.map(\.value)) == Set(0..<n), "every input has its output")
        // Keep the last copy of each output.
        var lastIndex: [Int: Int] = [:]
        for (i, v) in values.enumerated() { lastIndex[v.value] = i }
        let lasts = values.enumerated().filter { lastIndex[$0.element.value] == $0.offset }.map(\.element)
        for k in 0..<7 {
            let got = lasts.filter { $0.key == "key-\(k)" }.map(\.value)
            let wanted = Array(stride(from: k, to: n, by: 7))
            #expect(got.elementsEqual(wanted), "key-\(k): \(firstDifference(got, wanted))")
        }
        print("order: \(out.count) outputs for \(n) inputs (\(out.count - n) sent again)")
    }

    func firstDifference(_ a: [Int], _ b: [Int]) -> String {
        guard let i = zip(a, b).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset else {
            return "lengths \(a.count) and \(b.count)"
        }
        return "at \(i): \(a[max(0, i - 2)..<min(a.count, i + 3)]) instead of \(b[max(0, i - 2)..<min(b.count, i + 3)])"
    }
}

extension KafkaError {
    /// NETWORK_EXCEPTION, a broker error code.
    static let networkExceptionCode: Int32 = 13
}
