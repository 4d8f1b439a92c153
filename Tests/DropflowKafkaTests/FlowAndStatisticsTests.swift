import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(2)))
struct FlowAndStatisticsTests {
    /// A paused partition delivers nothing new until resumed; the others keep flowing.
    @Test("pause stops one partition while the others flow; resume picks up where it stopped", arguments: Backend.allCases)
    func pauseResume(backend: Backend) async throws {
        let cluster = try TestCluster(backend)
        let topic = uniqueName("pause")
        try await cluster.createTopic(topic, partitions: 2)
        let producer = try cluster.producer()
        let p0 = KafkaTopicPartition(topic: topic, partition: 0)

        let seen = Collector<KafkaConsumerMessage>()
        let consumer = try cluster.consumer(group: uniqueName("g"))
        try consumer.subscribe(topics: [topic])
        let reader = Task { for try await m in consumer.messages { seen.append(m); try consumer.storeOffset(m) } }
        try await eventually(.seconds(60), "assignment") { consumer.assignment.count == 2 }
        try consumer.pause([p0])
        for i in 0..<40 {
            try await producer.send(KafkaProducerMessage(topic: topic, partition: Int32(i % 2), key: "k\(i)", value: "v\(i)"))
        }
        try await eventually(.seconds(30), "partition 1 flows") { seen.all.filter { $0.partition == 1 }.count == 20 }
        try await Task.sleep(for: .seconds(1))
        #expect(seen.all.filter { $0.partition == 0 }.isEmpty, "a paused partition delivered messages")
        try consumer.resume([p0])
        try await eventually(.seconds(30), "partition 0 flows after resume") { seen.all.filter { $0.partition == 0 }.count == 20 }
        #expect(seen.all.filter { $0.partition == 0 }.map(\.offset) == Array(0..<20))
        try await consumer.close()
        _ = try await reader.value
        await producer.close()
    }

    /// A reader slower than the fetcher never lets the buffer grow past its
    /// capacity by more than a fetch's worth, and loses nothing.
    @Test("a slow reader makes the consumer pause fetching instead of buffering without bound")
    func backpressure() async throws {
        let cluster = try TestCluster(.tansu)
        let topic = uniqueName("slow")
        try await cluster.createTopic(topic, partitions: 1)
        let producer = try cluster.producer()
        for i in 0..<3000 {
            try producer.enqueue(KafkaProducerMessage(topic: topic, key: "k\(i)", value: String(repeating: "x", count: 100))) { _ in }
        }
        try await producer.flush()
        await producer.close()
        let consumer = try cluster.consumer(group: uniqueName("g")) { $0.bufferCapacity = 100 }
        try consumer.subscribe(topics: [topic])
        let offsets = Collector<Int64>()
        let buffered = Collector<Int>()
        _ = try? await withTimeout(.seconds(90), "slow read") {
            for try await m in consumer.messages {
                offsets.append(m.offset)
                // The reader stalls now and then: the fetcher fills the buffer meanwhile.
                if offsets.count % 1000 == 1 {
                    try await Task.sleep(for: .seconds(2))
                    buffered.append(consumer.bufferedMessageCount)
                }
                if offsets.count == 3000 { break }
            }
        }
        try await consumer.close()
        let got = offsets.all
        #expect(got == Array(0..<3000), "read \(got.count), last \(got.last ?? -1)")
        // While the reader slept the buffer filled up to its capacity and stopped
        // there, give or take one hand-over batch.
        let samples = buffered.all
        print("backpressure: buffered after each stall: \(samples) (capacity 100)")
        #expect(samples.count == 3)
        #expect(samples.allSatisfy { $0 >= 100 && $0 <= 100 + 256 }, "buffered \(samples)")
    }

    /// Large messages: the buffer's bound in bytes pauses fetching long before its bound in
    /// messages would, and a hand-over batch is kept to a quarter of it.
    @Test("a slow reader of large messages makes the consumer pause once its buffer holds its bytes")
    func backpressureInBytes() async throws {
        let cluster = try TestCluster(.mock)
        let topic = uniqueName("large")
        try await cluster.createTopic(topic, partitions: 1)
        let producer = try cluster.producer()
        for i in 0..<300 {
            try producer.enqueue(KafkaProducerMessage(topic: topic, key: Array("k\(i)".utf8), value: [UInt8](repeating: 1, count: 10_000))) { _ in }
        }
        try await producer.flush()
        await producer.close()
        let consumer = try cluster.consumer(group: uniqueName("g")) { $0.bufferCapacityBytes = 100_000 }
        try consumer.subscribe(topics: [topic])
        let buffered = Collector<Int>()
        let read = try? await withTimeout(.seconds(90), "slow read") {
            var n = 0
            for try await _ in consumer.messages {
                n += 1
                if n % 100 == 1 {
                    try await Task.sleep(for: .seconds(2))
                    buffered.append(consumer.bufferedByteCount)
                }
                if n == 300 { break }
            }
            return n
        }
        try await consumer.close()
        #expect(read == 300)
        print("backpressure in bytes: buffered after each stall: \(buffered.all) (capacity 100000)")
        // Never more than the bound, plus one batch of at most a quarter of it (and the message
        // that crossed it); never less than the half at which fetching resumes (less one message
        // the reader took just before it stalled); and the bound itself reached: fetching pauses
        // on bytes, where the bound in messages (2,000) would have let all 3 MB in.
        let most = 100_000 + 25_000 + 10_100, least = 100_000 / 2 - 10_100
        #expect(buffered.all.count == 3 && buffered.all.allSatisfy { $0 >= least && $0 <= most } && (buffered.all.max() ?? 0) >= 100_000,
                "buffered \(buffered.all)")
    }

    /// librdkafka's statistics, decoded, report the consumer's lag per partition.
    @Test("statistics report consumer lag per partition")
    func statisticsLag() async throws {
        let cluster = try TestCluster(.tansu)
        let topic = uniqueName("stats")
        try await cluster.createTopic(topic, partitions: 2)
        let producer = try cluster.producer()
        for i in 0..<100 { try await producer.send(KafkaProducerMessage(topic: topic, partition: Int32(i % 2), key: "k\(i)", value: "v")) }
        await producer.close()

        let stats = Collector<KafkaStatistics>()
        var config = KafkaConsumerConfiguration(cluster.kafka, groupID: uniqueName("g"))
        config.sessionTimeout = .seconds(6)
        config.maxPollInterval = .seconds(6)
        config.common.statisticsInterval = .milliseconds(200)
        let consumer = try KafkaConsumer(configuration: config, logger: cluster.logger) { stats.append($0) }
        try consumer.subscribe(topics: [topic])
        _ = try await read(consumer, count: 80)
        try await consumer.commit()
        try await eventually(.seconds(20), "statistics with lag for both partitions") {
            stats.all.contains { $0.type == "consumer" && $0.consumerLag.count == 2 && $0.partitions.allSatisfy { $0.highWatermark == 50 } }
        }
        let last = try #require(stats.all.last { $0.consumerLag.count == 2 && $0.partitions.allSatisfy { $0.highWatermark == 50 } })
        #expect(Set(last.consumerLag.keys) == [KafkaTopicPartition(topic: topic, partition: 0), KafkaTopicPartition(topic: topic, partition: 1)])
        // 80 of 100 were handed to the reader; the poll thread may have fetched the rest ahead of it.
        let total = last.consumerLag.values.reduce(0, +)
        #expect(total >= 0 && total <= 20, "total lag \(total)")
        try await consumer.close()
    }

    /// The decoder reads the fields it needs from librdkafka's JSON and ignores the unknown partition -1.
    @Test("statistics JSON decodes lag and offsets, skipping partition -1")
    func decode() throws {
        let json = """
        {"name":"c#consumer-1","type":"consumer","ts":1,"msg_cnt":3,"txmsgs":5,"rxmsgs":7,
         "topics":{"t":{"topic":"t","partitions":{
           "0":{"partition":0,"consumer_lag":12,"committed_offset":88,"stored_offset":90,"hi_offset":100,"fetchq_cnt":2},
           "1":{"partition":1,"consumer_lag":-1,"committed_offset":-1001,"hi_offset":-1},
           "-1":{"partition":-1,"consumer_lag":-1}}}}}
        """
        let s = try KafkaStatistics(json: Data(json.utf8))
        #expect(s.name == "c#consumer-1" && s.type == "consumer" && s.queuedMessages == 3 && s.receivedMessages == 7)
        #expect(s.partitions.count == 2)
        #expect(s.consumerLag == [KafkaTopicPartition(topic: "t", partition: 0): 12])
        #expect(s.partitions[0].committedOffset == 88 && s.partitions[0].highWatermark == 100)
        #expect(s.partitions[1].committedOffset == nil)
    }
}
