import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import DropflowRuntimeTesting
@testable import DropflowRuntime
import Foundation
import Testing

/// Offsets of a partition need not only increase: a message of an earlier assignment can reach
/// the worker late, and an offset reset (log truncation) reads a partition again from an earlier
/// offset. Neither may let the committed offset pass an unfinished input.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct OffsetRewindTests {
    static let tp = KafkaTopicPartition(topic: "t", partition: 0)

    /// A message fetched in an earlier assignment of the partition (it waited in the worker while
    /// the partition was revoked and assigned again) is not taken for one of the current.
    @Test("a message of an earlier assignment of the partition is told apart")
    func earlierAssignment() {
        let tracker = OffsetTracker()
        let tp = Self.tp
        let old = tracker.assign(tp, generation: 1)
        tracker.remove(tp)
        let now = tracker.assign(tp, generation: 2)
        #expect(tracker.epoch(tp, generation: 1) == nil)
        #expect(tracker.epoch(tp, generation: 2) == now && now != old)
        #expect(tracker.register(tp, offset: 5, epoch: old) == nil)
    }

    /// A message of offset 100 is registered, then 90 (the partition was read again from 90):
    /// finishing 100 must not make 101 committable while 90 is unfinished.
    @Test("finishing an input registered before a rewind commits nothing past the rewound ones")
    func lateInputBeforeRewind() {
        let tracker = OffsetTracker()
        let tp = Self.tp
        let first = tracker.assign(tp)
        _ = tracker.register(tp, offset: 100, epoch: first)
        _ = tracker.register(tp, offset: 90, epoch: tracker.epoch(tp)!)
        tracker.complete(tp, offset: 100, epoch: first)
        #expect(tracker.committable().allSatisfy { $0.offset <= 90 }, "committable \(tracker.committable()) while 90 is unfinished")
        tracker.complete(tp, offset: 90, epoch: tracker.epoch(tp)!)
        #expect(tracker.committable() == [KafkaTopicPartitionOffset(tp, offset: 91)])
    }

    /// 100 is registered, then 90–99 (the partition was read again from 90): finishing 100 must
    /// not make 101 committable while 90–99 are unfinished, and they must finish.
    @Test("an offset at or below the last registered one restarts tracking from it")
    func rewind() {
        let tracker = OffsetTracker()
        let tp = Self.tp
        let first = tracker.assign(tp)
        _ = tracker.register(tp, offset: 100, epoch: first)
        for o in Int64(90)...99 { _ = tracker.register(tp, offset: o, epoch: tracker.epoch(tp)!) }
        tracker.complete(tp, offset: 100, epoch: first)
        #expect(tracker.committable().allSatisfy { $0.offset <= 90 }, "committable \(tracker.committable()) while 90–99 are unfinished")
        let now = tracker.epoch(tp)!
        for o in Int64(90)...98 { tracker.complete(tp, offset: o, epoch: now) }
        #expect(tracker.committable() == [KafkaTopicPartitionOffset(tp, offset: 99)])
        tracker.complete(tp, offset: 99, epoch: now)
        #expect(tracker.committable() == [KafkaTopicPartitionOffset(tp, offset: 100)])
        #expect(tracker.inFlight() == 0, "the abandoned input is no longer in flight")
    }

    /// Against the mock cluster: input 50 is held while 51–99 wait behind it; a Fetch answered
    /// "offset out of range" makes the consumer reset to the earliest offset and read 0–99 again,
    /// and the re-read input 0 is held. Finishing the first reading's 50–99 must not commit
    /// past the unfinished re-read inputs.
    @Test("a partition read again from an earlier offset commits nothing past the re-read inputs (mock cluster)")
    func offsetReset() async throws {
        let cluster = try TestCluster(.mock)
        let mock = try #require(cluster.mock)
        try await cluster.createTopics(["rewind.in", "rewind.out", "rewind.in.dlq"], partitions: 1)
        let seen = Box<[Int64: Int]>([:])
        let firstGate = Box(false), secondGate = Box(false)
        let stage = StageDefinition(name: "rewindtest", inputs: [InputTopic(.adHoc("rewind.in"))], outputs: [.adHoc("rewind.out")]) { input, _ in
            var reading = 0
            seen.mutate { $0[input.offset, default: 0] += 1; reading = $0[input.offset]! }
            if reading == 1 && input.offset == 50 { while !firstGate.value { try await Task.sleep(for: .milliseconds(20)) } }
            if reading == 2 && input.offset == 0 { while !secondGate.value { try await Task.sleep(for: .milliseconds(20)) } }
            return [StageOutput(topic: .adHoc("rewind.out"), key: input.key, value: input.value)]
        }
        try await cluster.produce("rewind.in", count: 100, partitions: 1)
        let config = cluster.workerConfiguration()
        let group = config.group(for: "rewindtest")
        let admin = try cluster.admin()
        @Sendable func committed() async throws -> Int64? {
            try await admin.consumerGroupLag(groupID: group, topics: [cluster.prefix + "rewind.in"]).first?.committed
        }
        let worker = RunningWorker(stage, config)
        try await eventually(.seconds(60), "0–49 done and committed, 50–99 taken") {
            try await committed() == 50 && worker.worker.inFlightCount == 50
        }

        mock.failNext(.fetch, with: [KafkaError.offsetOutOfRangeCode])
        try await eventually(.seconds(30), "0–99 are taken again") { worker.worker.inFlightCount >= 100 }
        firstGate.mutate { $0 = true }
        try await eventually(.seconds(30), "the re-read offset 0 is being handled") { (seen.value[0] ?? 0) >= 2 }
        try await Task.sleep(for: .seconds(2)) // four commit intervals
        let meanwhile = try await committed()
        #expect((meanwhile ?? 0) <= 50, "committed \(meanwhile ?? -1) while the re-read inputs 0–99 are unfinished")

        secondGate.mutate { $0 = true }
        try await eventually(.seconds(30), "everything re-read is committed") { try await committed() == 100 }
        _ = await worker.stop()
        await admin.close()
    }
}

extension KafkaError {
    /// OFFSET_OUT_OF_RANGE, a broker error code.
    static let offsetOutOfRangeCode: Int32 = 1
}
