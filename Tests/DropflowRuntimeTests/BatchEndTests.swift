import DropflowContract
import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
@testable import DropflowRuntime
import Foundation
import Logging
import Testing

/// A store restore and a table catch-up read every record written before them, even when the
/// last batch of a partition holds several records: Tansu answers ListOffsets(latest) with that
/// batch's base offset plus one, and a reader that stopped there lost the rest of the batch (a
/// changelog restore missed a decision record this way, and the order was decided twice).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct BatchEndTests {
    /// Six records in one batch on partition 0 of `topic`.
    static func writeOneBatch(_ cluster: TestCluster, topic: String, keys: [String], value: (String) -> [UInt8]) async throws {
        let producer = try cluster.producer { $0.linger = .milliseconds(200) }
        for key in keys {
            try producer.enqueue(KafkaProducerMessage(topic: cluster.prefix + topic, partition: 0, key: Array(key.utf8), value: value(key))) { _ in }
        }
        try await producer.flush(timeout: .seconds(20))
        await producer.close()
        let admin = try cluster.admin()
        let reported = try await admin.watermarks(topics: [cluster.prefix + topic])
        await admin.close()
        let ends = try await cluster.endOffsets(topics: [topic])
        print("\(topic): ListOffsets says \(reported.values.map(\.high).sorted()), the partitions end at \(ends.values.sorted())")
    }

    @Test func aRestoreReadsTheWholeLastBatchOfTheChangelog() async throws {
        let cluster = try TestCluster()
        let input = TopicDeclaration.adHoc("ends.in"), changelog = TopicDeclaration.adHoc("ends.state", cleanup: .compact)
        try await cluster.createTopics([input.name, changelog.name], partitions: 1)
        let keys = (1...6).map { "k\($0)" }
        try await Self.writeOneBatch(cluster, topic: changelog.name, keys: keys) { key in
            StoreRecord(state: Array(key.utf8), atMs: 1_796_000_000_000, decisions: []).encoded()
        }
        let store = StateStore(changelog: changelog, partitionedLike: input, horizon: nil)
        let restored = try await StoreRestore.restore([store], for: KafkaTopicPartition(topic: cluster.prefix + input.name, partition: 0),
                                                      committed: nil, config: cluster.workerConfiguration(), logger: testLogger)
        #expect(restored.first?.count == keys.count, "every record of the batch restored: \(restored.first?.count ?? 0) of \(keys.count)")
    }

    @Test func aTableCatchUpReadsTheWholeLastBatch() async throws {
        let cluster = try TestCluster()
        let table = TopicDeclaration.adHoc("ends.table", cleanup: .compact)
        try await cluster.createTopics([table.name], partitions: 1)
        try await Self.writeOneBatch(cluster, topic: table.name, keys: (1...6).map { "a\($0)" }) { Array($0.utf8) }
        let registry = TableRegistry()
        let follower = try TableFollower(tables: [table], config: cluster.workerConfiguration(), stage: "ends", registry: registry, logger: testLogger)
        try await follower.replay()
        #expect(registry.count(table.name) == 6, "the replay read the whole batch: \(registry.count(table.name)) keys")
        try await Self.writeOneBatch(cluster, topic: table.name, keys: (1...6).map { "b\($0)" }) { Array($0.utf8) }
        try await follower.catchUp()
        #expect(registry.count(table.name) == 12, "the catch-up read the whole batch: \(registry.count(table.name)) keys")
        await follower.close()
    }
}
