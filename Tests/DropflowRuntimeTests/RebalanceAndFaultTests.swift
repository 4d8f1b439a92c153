import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import DropflowRuntimeTesting
@testable import DropflowRuntime
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(3)))
struct RebalanceAndFaultTests {
    /// A second worker joins the group mid-stream and the first then leaves:
    /// every input still gets its output.
    @Test("a second worker joins mid-stream and the first leaves: no loss")
    func joinAndLeave() async throws {
        let cluster = try TestCluster()
        try await cluster.createTopics(["passthrough.in", "passthrough.out", "passthrough.in.dlq"], partitions: 4)
        let stage = PassthroughStage.definition()
        let config = cluster.workerConfiguration()
        let feeder = Task {
            for batch in 0..<20 {
                try await cluster.produce("passthrough.in", count: 200, partitions: 4, from: batch * 200)
                try await Task.sleep(for: .milliseconds(250))
            }
        }
        let first = RunningWorker(stage, config)
        try await first.waitReady()
        try await eventually(.seconds(60), "some outputs") { try await cluster.written("passthrough.out") >= 500 }
        let second = RunningWorker(stage, config)
        try await eventually(.seconds(60), "both workers share the partitions") {
            first.worker.assignedPartitions.count == 2 && second.worker.assignedPartitions.count == 2
        }
        #expect(try await first.stop().get() == ())
        try await eventually(.seconds(60), "the second worker owns all four") { second.worker.assignedPartitions.count == 4 }
        try await feeder.value
        let out = try await cluster.waitForKeys("passthrough.out", count: 4_000)
        _ = await second.stop()
        let keys = Set(out.compactMap(\.keyString))
        #expect(keys.count == 4_000, "\(4_000 - keys.count) inputs have no output")
    }

    /// Against librdkafka's mock cluster: Produce requests fail for a while and
    /// every broker goes down and comes back mid-stream; nothing is lost.
    @Test("produce errors and brokers going down and up mid-stream lose nothing (mock cluster)")
    func faults() async throws {
        let cluster = try TestCluster(.mock)
        let mock = try #require(cluster.mock)
        try await cluster.createTopics(["passthrough.in", "passthrough.out", "passthrough.in.dlq"], partitions: 2)
        let n = 600
        try await cluster.produce("passthrough.in", count: n / 2, partitions: 2)
        let worker = RunningWorker(PassthroughStage.definition(), cluster.workerConfiguration())
        try await worker.waitReady(.seconds(60))
        try await eventually(.seconds(60), "some outputs") { try await cluster.written("passthrough.out") >= 50 }
        mock.failNext(.produce, with: Array(repeating: KafkaError.notLeaderForPartition, count: 5) + [KafkaError.requestTimedOut, KafkaError.notEnoughReplicas])
        for b in Int32(1)...3 { try mock.setBrokerDown(b) }
        try await Task.sleep(for: .seconds(2))
        for b in Int32(1)...3 { try mock.setBrokerUp(b) }
        try await cluster.produce("passthrough.in", count: n / 2, partitions: 2, from: n / 2)
        let out = try await cluster.waitForKeys("passthrough.out", count: n, within: .seconds(120))
        _ = await worker.stop()
        let keys = Set(out.compactMap(\.keyString))
        #expect(keys.count == n, "\(n - keys.count) inputs have no output")
    }
}
