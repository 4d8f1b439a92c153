import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(2)))
struct AdminAndFaultTests {
    /// Creating topics is idempotent and listing shows their partition counts.
    @Test("topic creation is idempotent and topics are listed with their partition counts")
    func createAndList() async throws {
        let cluster = try TestCluster(.tansu)
        let admin = try cluster.admin()
        let a = uniqueName("admin-a"), b = uniqueName("admin-b")
        let created = try await admin.createTopics([KafkaTopicSpec(name: a, partitions: 4), KafkaTopicSpec(name: b, partitions: 1)])
        #expect(Set(created) == [a, b])
        // Again, with one new topic: only that one is created, the others are fine as they are.
        let c = uniqueName("admin-c")
        let again = try await admin.createTopics([KafkaTopicSpec(name: a, partitions: 8), KafkaTopicSpec(name: c, partitions: 2)])
        #expect(again == [c])
        let topics = try await admin.listTopics()
        #expect(topics.first { $0.name == a }?.partitionCount == 4)
        #expect(topics.first { $0.name == b }?.partitionCount == 1)
        #expect(topics.first { $0.name == c }?.partitionCount == 2)
        // A group that never committed has no committed offsets and lags by everything.
        let producer = try cluster.producer()
        for i in 0..<10 { try await producer.send(KafkaProducerMessage(topic: b, key: "k\(i)", value: "v")) }
        await producer.close()
        let lag = try await admin.consumerGroupLag(groupID: uniqueName("never"), topics: [b])
        #expect(lag.map(\.committed) == [nil])
        #expect(lag.map(\.lag) == [10])
        await #expect(throws: KafkaError.self) { _ = try await admin.consumerGroupLag(groupID: "g", topics: [uniqueName("nope")]) }
        await admin.close()
    }

    /// Transient broker errors on Produce requests are retried by the
    /// idempotent producer: every send succeeds, once, in order.
    @Test("injected Produce errors are retried: every message lands once, in order")
    func produceErrorsAreRetried() async throws {
        let cluster = try TestCluster(.mock)
        let mock = try #require(cluster.mock)
        let topic = uniqueName("faults")
        try mock.createTopic(topic, partitions: 1)
        let producer = try cluster.producer()
        try await producer.send(KafkaProducerMessage(topic: topic, key: "warm", value: "up"))
        mock.failNext(.produce, with: [KafkaError.notLeaderForPartition, KafkaError.requestTimedOut, KafkaError.notEnoughReplicas])
        var reports: [KafkaDeliveryReport] = []
        for i in 0..<20 { reports.append(try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "v\(i)"))) }
        await producer.close()
        #expect(reports.map(\.offset) == Array(1...20))

        let consumer = try cluster.consumer(group: uniqueName("g"))
        try consumer.subscribe(topics: [topic])
        let got = try await read(consumer, count: 21)
        try await consumer.close()
        #expect(got.dropFirst().map { String(decoding: $0.value ?? [], as: UTF8.self) } == (0..<20).map { "v\($0)" })
    }

    /// The partition's leader goes down while sending; sends wait and complete once it is back.
    @Test("a broker going down and up mid-stream delays sends without losing any")
    func brokerDownAndUp() async throws {
        let cluster = try TestCluster(.mock)
        let mock = try #require(cluster.mock)
        let topic = uniqueName("down")
        try mock.createTopic(topic, partitions: 3)
        let producer = try cluster.producer()
        let results = Collector<Result<KafkaDeliveryReport, KafkaError>>()
        for i in 0..<300 {
            if i == 100 { for b in Int32(1)...3 { try mock.setBrokerDown(b) } }
            try producer.enqueue(KafkaProducerMessage(topic: topic, key: "k\(i)", value: "v\(i)")) { results.append($0) }
            if i == 200 {
                try await Task.sleep(for: .seconds(2))
                for b in Int32(1)...3 { try mock.setBrokerUp(b) }
            }
        }
        try await producer.flush(timeout: .seconds(30))
        await producer.close()
        #expect(results.count == 300)
        #expect(results.all.allSatisfy { if case .success = $0 { true } else { false } })
        let consumer = try cluster.consumer(group: uniqueName("g"))
        try consumer.subscribe(topics: [topic])
        let got = try await read(consumer, count: 300)
        try await consumer.close()
        #expect(Set(got.compactMap(\.keyString)) == Set((0..<300).map { "k\($0)" }))
    }
}
