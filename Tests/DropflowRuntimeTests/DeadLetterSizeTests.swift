import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import DropflowRuntimeTesting
@testable import DropflowRuntime
import Foundation
import Testing

/// A dead-letter copy is the input plus the `dlq-*` headers, so an input near the size limit
/// makes a copy Kafka refuses. Only then is the value cut to fit, `dlq-truncated` giving the
/// original size in bytes; refused even so, the copy goes with an empty value; and the partition
/// always moves on.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct DeadLetterSizeTests {
    static func refusingStage() -> StageDefinition {
        StageDefinition(name: "dlqsize", inputs: [InputTopic(.adHoc("size.in")) { _, _ in "refused by the test" }],
                        outputs: []) { _, _ in [] }
    }

    static func value(_ size: Int) -> [UInt8] { (0..<size).map { UInt8($0 % 251) } }

    /// The worker's producer allows 6,000 bytes; the second input is 9,000.
    @Test("a dead-letter copy too large for the producer is cut to fit, with dlq-truncated")
    func refusedByTheProducer() async throws {
        let cluster = try TestCluster(.mock)
        try await cluster.createTopics(["size.in", "size.in.dlq"], partitions: 1)
        let sizes = [100, 9_000, 100]
        try await cluster.produce("size.in", count: 3, partitions: 1) { Self.value(sizes[$0]) }
        let config = cluster.workerConfiguration { $0.kafka.properties["message.max.bytes"] = "6000" }
        let worker = RunningWorker(Self.refusingStage(), config)
        let dlq = try await cluster.waitForKeys("size.in.dlq", count: 3, within: .seconds(60))
        try await cluster.waitCommitted(group: config.group(for: "dlqsize"), topic: "size.in", within: .seconds(30))
        _ = await worker.stop()

        let byKey = Dictionary(dlq.map { ($0.keyString ?? "", $0) }) { a, _ in a }
        for k in ["k0", "k2"] {
            #expect(byKey[k]?.value == Self.value(100), "\(k) is copied whole")
            #expect(byKey[k]?.headers.string("dlq-truncated") == nil)
        }
        let cut = try #require(byKey["k1"])
        #expect(cut.headers.string("dlq-truncated") == "9000")
        let kept = cut.value ?? []
        #expect(kept.count > 4_000 && kept.count < 6_000, "kept \(kept.count) bytes")
        #expect(kept == Array(Self.value(9_000).prefix(kept.count)), "the value is cut, not changed")
        #expect(cut.headers.string("dlq-source-offset") == "1" && cut.headers.string("dlq-reason") == "refused by the test")
    }

    /// The broker (the mock cluster, told to) refuses Produce requests for their size: the copy is
    /// cut until it is taken.
    @Test("a dead-letter copy the broker refuses for its size is cut until it is taken")
    func refusedByTheBroker() async throws {
        let cluster = try TestCluster(.mock)
        let mock = try #require(cluster.mock)
        try await cluster.createTopics(["size.in", "size.in.dlq"], partitions: 1)
        try await cluster.produce("size.in", count: 1, partitions: 1) { _ in Self.value(20_000) }
        // The next three Produce requests (the worker's first three copies) are refused for their size.
        mock.failNext(.produce, with: Array(repeating: KafkaError.messageSizeTooLarge, count: 3))
        let config = cluster.workerConfiguration()
        let worker = RunningWorker(Self.refusingStage(), config)
        let dlq = try await cluster.waitForKeys("size.in.dlq", count: 1, within: .seconds(60))
        try await cluster.waitCommitted(group: config.group(for: "dlqsize"), topic: "size.in", within: .seconds(30))
        _ = await worker.stop()
        let copy = try #require(dlq.first)
        #expect(dlq.count == 1)
        #expect(copy.headers.string("dlq-truncated") == "20000")
        let kept = copy.value ?? []
        #expect(!kept.isEmpty && kept.count <= 5_000, "kept \(kept.count) bytes")
        #expect(kept == Array(Self.value(20_000).prefix(kept.count)))
    }

    /// Refused whatever its size: the copy is given up on (with an error in the log) and the
    /// partition moves on to the next input. The copies of a 20,000-byte value are 20,000,
    /// 10,000, 5,000, 2,500 and 1,250 bytes, then empty: six refusals in all.
    @Test("a dead-letter copy refused even with an empty value is given up on and the partition moves on")
    func refusedWhateverItsSize() async throws {
        let cluster = try TestCluster(.mock)
        let mock = try #require(cluster.mock)
        try await cluster.createTopics(["size.in", "size.in.dlq"], partitions: 1)
        try await cluster.produce("size.in", count: 1, partitions: 1) { _ in Self.value(20_000) }
        mock.failNext(.produce, with: Array(repeating: KafkaError.messageSizeTooLarge, count: 6))
        let config = cluster.workerConfiguration()
        let worker = RunningWorker(Self.refusingStage(), config)
        try await cluster.waitCommitted(group: config.group(for: "dlqsize"), topic: "size.in", within: .seconds(60))
        try await cluster.produce("size.in", count: 1, partitions: 1, from: 1) { _ in Self.value(10) }
        let dlq = try await cluster.waitForKeys("size.in.dlq", count: 1, within: .seconds(60))
        try await cluster.waitCommitted(group: config.group(for: "dlqsize"), topic: "size.in", within: .seconds(60))
        _ = await worker.stop()
        #expect(dlq.map(\.keyString) == ["k1"], "k0's copy was refused at every size; k1's went through")
    }
}
