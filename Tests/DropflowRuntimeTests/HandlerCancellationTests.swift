import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import DropflowRuntimeTesting
@testable import DropflowRuntime
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(2)))
struct HandlerCancellationTests {
    /// A handler may throw `CancellationError` of its own (a cancelled request inside it) while
    /// the worker is neither shutting down nor losing the partition: that is a handler failure
    /// like any other, so the input goes to the DLQ and the partition moves on.
    @Test("a handler's own CancellationError is a handler failure, not an abandoned input")
    func cancellationErrorIsAFailure() async throws {
        let cluster = try TestCluster(.mock)
        try await cluster.createTopics(["cancel.in", "cancel.out", "cancel.in.dlq"], partitions: 1)
        let stage = StageDefinition(name: "canceltest", inputs: [InputTopic(.adHoc("cancel.in"))], outputs: [.adHoc("cancel.out")]) { input, _ in
            if input.keyString == "k1" { throw CancellationError() }
            return [StageOutput(topic: .adHoc("cancel.out"), key: input.key, value: input.value)]
        }
        try await cluster.produce("cancel.in", count: 3, partitions: 1)
        let config = cluster.workerConfiguration()
        let worker = RunningWorker(stage, config)
        let dlq = try await cluster.waitForKeys("cancel.in.dlq", count: 1, within: .seconds(30))
        let out = try await cluster.waitForKeys("cancel.out", count: 2, within: .seconds(30))
        try await cluster.waitCommitted(group: config.group(for: "canceltest"), topic: "cancel.in", within: .seconds(30))
        _ = await worker.stop()
        #expect(dlq.map(\.keyString) == ["k1"])
        #expect(dlq.first?.headers.string("dlq-reason")?.contains("CancellationError") == true, "\(dlq.first?.headers.string("dlq-reason") ?? "")")
        #expect(Set(out.compactMap(\.keyString)) == ["k0", "k2"])
    }
}
