import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import DropflowRuntimeTesting
@testable import DropflowRuntime
import Foundation
import Testing

/// A partition is paused for reasons (its lane's backlog, a retry's back-off, a full consumer
/// buffer) and fetches only when it has none: no reason undoes another, and a revocation does not
/// leave librdkafka holding a pause nobody will lift.
@Suite(.serialized, .timeLimit(.minutes(4)))
struct PartitionPauseTests {
    /// A's lanes are backlogged (their partitions paused) when B joins and takes one partition;
    /// B leaves and the partition comes back to A, whose new lane for it must receive what is
    /// produced to it from then on.
    @Test("a partition paused for its backlog when revoked flows again when it comes back")
    func backlogPauseAcrossRevocation() async throws {
        let cluster = try TestCluster(.mock)
        try await cluster.createTopics(["flow.in", "flow.out", "flow.in.dlq"], partitions: 2)
        let gate = Box(false)
        func stage(gated: Bool) -> StageDefinition {
            StageDefinition(name: "flowtest", inputs: [InputTopic(.adHoc("flow.in"))], outputs: [.adHoc("flow.out")]) { input, _ in
                while gated && !gate.value { try await Task.sleep(for: .milliseconds(20)) }
                return [StageOutput(topic: .adHoc("flow.out"), key: input.key, value: input.value)]
            }
        }
        try await cluster.produce("flow.in", count: 200, partitions: 2)
        let config = cluster.workerConfiguration { $0.partitionBacklog = 10 }
        let a = RunningWorker(stage(gated: true), config)
        try await a.waitReady()
        try await eventually(.seconds(30), "both of A's lanes are backlogged") { a.worker.inFlightCount >= 20 }

        let b = RunningWorker(stage(gated: false), config)
        try await eventually(.seconds(60), "B owns one partition") {
            b.worker.assignedPartitions.count == 1 && a.worker.assignedPartitions.count == 1
        }
        _ = await b.stop()
        try await eventually(.seconds(60), "A owns both again") { a.worker.assignedPartitions.count == 2 }

        gate.mutate { $0 = true }
        try await cluster.produce("flow.in", count: 100, partitions: 2, from: 200)
        let out = try await cluster.waitForKeys("flow.out", count: 300, within: .seconds(60))
        _ = await a.stop()
        #expect(Set(out.compactMap(\.keyString)).count == 300)
    }

    /// Input 100 fails twice (retriably) and the inputs after it wait for a gate, so the lane
    /// holds 101–199, past its backlog limit of 20: the partition is paused for its backlog.
    /// More is produced meanwhile. The retry pauses and resumes the partition around each
    /// back-off; its resume must not lift the backlog's pause, so nothing more is taken.
    @Test("a retry's back-off does not undo a lane's backlog pause")
    func retryDoesNotUndoBacklogPause() async throws {
        let cluster = try TestCluster(.mock)
        try await cluster.createTopics(["flow.in", "flow.out", "flow.in.dlq"], partitions: 1)
        let gate = Box(false), retried = Box(false)
        let stage = StageDefinition(name: "flowtest", inputs: [InputTopic(.adHoc("flow.in"))], outputs: [.adHoc("flow.out")]) { input, context in
            if input.offset == 100 {
                if context.attempt < 3 { throw StageError.retriable("not yet") }
                retried.mutate { $0 = true }
            }
            while input.offset > 100 && !gate.value { try await Task.sleep(for: .milliseconds(10)) }
            return [StageOutput(topic: .adHoc("flow.out"), key: input.key, value: input.value)]
        }
        let config = cluster.workerConfiguration {
            $0.partitionBacklog = 20
            $0.retry = RetryPolicy(maxAttempts: 5, initialBackoff: .seconds(1), maxBackoff: .seconds(1))
        }
        try await cluster.produce("flow.in", count: 100, partitions: 1)
        let worker = RunningWorker(stage, config)
        _ = try await cluster.waitForKeys("flow.out", count: 100, within: .seconds(60))

        try await cluster.produce("flow.in", count: 100, partitions: 1, from: 100)
        try await eventually(.seconds(30), "100–199 taken") { worker.worker.inFlightCount == 100 }
        // Produced while the partition is paused for its backlog (and for the first back-off).
        try await cluster.produce("flow.in", count: 1_000, partitions: 1, from: 200)
        try await eventually(.seconds(30), "100 retried to success") { retried.value }
        try await Task.sleep(for: .seconds(1))
        let taken = worker.worker.inFlightCount
        #expect(taken == 99, "\(taken) inputs in flight: the partition fetched on past its backlog")

        gate.mutate { $0 = true }
        let out = try await cluster.waitForKeys("flow.out", count: 1_200, within: .seconds(90))
        _ = await worker.stop()
        #expect(Set(out.compactMap(\.keyString)).count == 1_200)
    }
}
