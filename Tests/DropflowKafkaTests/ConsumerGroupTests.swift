import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(3)))
struct ConsumerGroupTests {
    /// Two members of one group split a 4-partition topic; when one leaves,
    /// the other takes every partition over from the committed offsets, and
    /// no message is skipped.
    @Test("two consumers share a 4-partition topic; when one leaves the other gets all, nothing skipped", arguments: Backend.allCases)
    func shareAndTakeOver(backend: Backend) async throws {
        let cluster = try TestCluster(backend)
        let topic = uniqueName("shared")
        let group = uniqueName("group")
        try await cluster.createTopic(topic, partitions: 4)
        let producer = try cluster.producer()
        func produce(_ range: Range<Int>) async throws {
            for i in range {
                try await producer.send(KafkaProducerMessage(topic: topic, partition: Int32(i % 4), key: "k\(i)", value: "v\(i)"))
            }
        }
        try await produce(0..<400)

        let seenA = Collector<KafkaConsumerMessage>(), seenB = Collector<KafkaConsumerMessage>()
        let assignedA = Collector<[KafkaTopicPartition]>(), assignedB = Collector<[KafkaTopicPartition]>()
        // A commits in its revocation callback, while it still owns the partitions.
        let revokedA = Collector<[KafkaTopicPartition]>()
        let a = try cluster.consumer(group: group, listener: KafkaRebalanceListener(
            assigned: { _, p in assignedA.append(p) },
            revoked: { consumer, p in revokedA.append(p); try? consumer.commitSync() }))
        let b = try cluster.consumer(group: group, listener: KafkaRebalanceListener(assigned: { _, p in assignedB.append(p) }))
        try a.subscribe(topics: [topic])
        try b.subscribe(topics: [topic])
        // Each reader stores a message's offset once it has "processed" it.
        let readA = Task { for try await m in a.messages { seenA.append(m); try a.storeOffset(m) } }
        let readB = Task { for try await m in b.messages { seenB.append(m); try b.storeOffset(m) } }

        try await eventually(.seconds(60), "both members own two partitions") {
            a.assignment.count == 2 && b.assignment.count == 2
        }
        #expect(a.assignment.isDisjoint(with: b.assignment))
        try await eventually(.seconds(60), "the first 400 messages are read") {
            Set((seenA.all + seenB.all).map(\.value)).count == 400
        }

        // A leaves (committing what it stored); B must own all four and read on.
        try await a.close()
        _ = try await readA.value
        try await produce(400..<800)
        try await eventually(.seconds(60), "B owns all four partitions") { b.assignment.count == 4 }
        try await eventually(.seconds(60), "all 800 messages are read") {
            Set((seenA.all + seenB.all).map(\.value)).count == 800
        }
        try await b.close()
        _ = try await readB.value
        await producer.close()

        // Nothing skipped: every partition was read at every offset 0..<200.
        let all = seenA.all + seenB.all
        for p in Int32(0)..<4 {
            let offsets = Set(all.filter { $0.partition == p }.map(\.offset))
            #expect(offsets == Set(0..<200), "partition \(p): \(200 - offsets.count) offsets missing")
        }
        // A read only what it stored before leaving, so B re-read nothing of A's.
        let bRereads = Set(seenB.all.map(\.value)).intersection(seenA.all.map(\.value))
        #expect(bRereads.isEmpty, "B re-read \(bRereads.count) messages A had stored")
        #expect(assignedA.all.contains { !$0.isEmpty } && assignedB.all.contains { !$0.isEmpty })
        #expect(Set(revokedA.all.flatMap { $0 }).count >= 2, "A was told before its partitions went away")
    }

    /// A consumer that stored offsets and closed is resumed by a new member of
    /// the group exactly after the last stored offset: no gap, and only the
    /// messages read but not stored are read again.
    @Test("a new consumer resumes after the stored offsets, no gap, re-reading only what was not stored", arguments: Backend.allCases)
    func resumeAfterClose(backend: Backend) async throws {
        let cluster = try TestCluster(backend)
        let topic = uniqueName("resume")
        let group = uniqueName("group")
        try await cluster.createTopic(topic, partitions: 1)
        let producer = try cluster.producer()
        for i in 0..<100 { try await producer.send(KafkaProducerMessage(topic: topic, key: "k\(i)", value: "v\(i)")) }
        await producer.close()

        let first = try cluster.consumer(group: group)
        try first.subscribe(topics: [topic])
        let firstRead = try await read(first, count: 60, store: false)
        // Only the first 50 are done; 50..<60 were read but not finished.
        for m in firstRead.prefix(50) { try first.storeOffset(m) }
        try await first.close()
        #expect(firstRead.map(\.offset) == Array(0..<60))

        if backend == .tansu {
            // The admin client sees the committed offset and the lag it leaves.
            let admin = try cluster.admin()
            let lag = try await admin.consumerGroupLag(groupID: group, topics: [topic])
            await admin.close()
            #expect(lag.count == 1)
            #expect(lag.first?.committed == 50)
            #expect(lag.first?.highWatermark == 100)
            #expect(lag.first?.lag == 50)
        }

        let second = try cluster.consumer(group: group)
        try second.subscribe(topics: [topic])
        let secondRead = try await read(second, count: 50)
        try await second.close()
        #expect(secondRead.map(\.offset) == Array(50..<100), "resumed at \(secondRead.first?.offset ?? -1)")
        #expect(secondRead.map(\.keyString) == (50..<100).map { "k\($0)" })
    }
}
