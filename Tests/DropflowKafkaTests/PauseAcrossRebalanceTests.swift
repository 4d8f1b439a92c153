import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(3)))
struct PauseAcrossRebalanceTests {
    /// librdkafka keeps an application's pause on a partition across revoke and re-assign. The
    /// consumer forgets its reasons for pausing a partition when it is revoked, so it must tell
    /// librdkafka again on every assignment: a partition paused when it was revoked fetches again
    /// when it comes back.
    @Test("a partition paused when it was revoked fetches again when it is assigned back", arguments: Backend.allCases)
    func pausedWhenRevoked(backend: Backend) async throws {
        let cluster = try TestCluster(backend)
        let topic = uniqueName("paused"), other = uniqueName("other")
        try await cluster.createTopic(topic, partitions: 2)
        try await cluster.createTopic(other, partitions: 1)
        let consumer = try cluster.consumer(group: uniqueName("g"))
        let seen = Collector<KafkaConsumerMessage>()
        try consumer.subscribe(topics: [topic])
        let reader = Task { for try await m in consumer.messages { seen.append(m); try consumer.storeOffset(m) } }
        let parts: Set<KafkaTopicPartition> = [KafkaTopicPartition(topic: topic, partition: 0), KafkaTopicPartition(topic: topic, partition: 1)]
        try await eventually(.seconds(60), "assignment") { consumer.assignment == parts }
        try consumer.pause(Array(parts))
        let before = parts.map { consumer.assignmentGeneration(of: $0) }

        // Revoked (the subscription moves to another topic), then assigned back.
        try consumer.subscribe(topics: [other])
        try await eventually(.seconds(60), "moved to the other topic") { consumer.assignment == [KafkaTopicPartition(topic: other, partition: 0)] }
        try consumer.subscribe(topics: [topic])
        try await eventually(.seconds(60), "assigned back") { consumer.assignment == parts }
        #expect(parts.allSatisfy { consumer.pauseReasons($0) == [] }, "a revocation ends the reasons")
        let after = parts.map { consumer.assignmentGeneration(of: $0) }
        #expect(zip(before, after).allSatisfy { $0 != nil && $1 != nil && $0 != $1 }, "a new assignment, a new generation: \(before) \(after)")

        let producer = try cluster.producer()
        for i in 0..<20 { try await producer.send(KafkaProducerMessage(topic: topic, partition: Int32(i % 2), key: "k\(i)", value: "v\(i)")) }
        await producer.close()
        do {
            try await eventually(.seconds(60), "both partitions flow again") { seen.count == 20 }
        } catch {
            // What each partition received, and why the consumer thinks it may not fetch.
            let perPartition = Dictionary(grouping: seen.all, by: \.partition).mapValues(\.count)
            let reasons: [String] = parts.sorted().map { tp in "\(tp): \(consumer.pauseReasons(tp).map { "\($0)" } ?? "not assigned")" }
            Issue.record("\(error): seen per partition \(perPartition), reasons \(reasons), assignment \(consumer.assignment.sorted())")
            throw error
        }
        // Each message carries the generation of the assignment it was fetched in.
        #expect(seen.all.allSatisfy { $0.assignmentGeneration == consumer.assignmentGeneration(of: $0.topicPartition) },
                "\(Set(seen.all.map(\.assignmentGeneration))) against \(after)")
        try await consumer.close()
        _ = try await reader.value
    }

    /// Two reasons to pause one partition: lifting one leaves it paused, and a request of
    /// another assignment's generation changes nothing; lifting both lets it fetch.
    @Test("a partition fetches only when it has no reason to be paused")
    func reasons() async throws {
        let cluster = try TestCluster(.mock)
        let topic = uniqueName("reasons")
        try await cluster.createTopic(topic, partitions: 2)
        let consumer = try cluster.consumer(group: uniqueName("g"))
        let seen = Collector<KafkaConsumerMessage>()
        try consumer.subscribe(topics: [topic])
        let reader = Task { for try await m in consumer.messages { seen.append(m); try consumer.storeOffset(m) } }
        let p0 = KafkaTopicPartition(topic: topic, partition: 0)
        try await eventually(.seconds(60), "assignment") { consumer.assignment.count == 2 }
        let backlog = KafkaPauseReason("backlog", owner: 1), retry = KafkaPauseReason("retry", owner: 1)
        try consumer.pause([p0], reason: backlog)
        try consumer.pause([p0], reason: retry)
        #expect(consumer.pauseReasons(p0) == [backlog, retry])
        let producer = try cluster.producer()
        for i in 0..<20 { try await producer.send(KafkaProducerMessage(topic: topic, partition: Int32(i % 2), key: "k\(i)", value: "v\(i)")) }
        await producer.close()
        try await eventually(.seconds(30), "partition 1 flows") { seen.all.filter { $0.partition == 1 }.count == 10 }

        try consumer.resume([p0], reason: retry)
        let generation = try #require(consumer.assignmentGeneration(of: p0))
        try consumer.resume([p0], reason: backlog, generation: generation + 1_000)
        try await Task.sleep(for: .seconds(1))
        #expect(seen.all.filter { $0.partition == 0 }.isEmpty, "partition 0 fetched while paused for its backlog")
        #expect(consumer.pauseReasons(p0) == [backlog])

        try consumer.resume([p0], reason: backlog, generation: generation)
        try await eventually(.seconds(30), "partition 0 flows") { seen.all.filter { $0.partition == 0 }.count == 10 }
        #expect(consumer.pauseReasons(p0) == [])
        try await consumer.close()
        _ = try await reader.value
    }
}
