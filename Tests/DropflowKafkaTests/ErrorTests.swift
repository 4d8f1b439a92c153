import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import DropflowLocalBroker
import Foundation
import Logging
import Testing

private let quietLogger: Logger = { var l = Logger(label: "test.errors"); l.logLevel = .critical; return l }()

@Suite(.serialized, .timeLimit(.minutes(2)))
struct ErrorTests {
    /// Sending to a topic that does not exist ends in a typed error, in bounded time.
    @Test("sending to a missing topic fails with a typed error in bounded time", arguments: Backend.allCases)
    func missingTopic(backend: Backend) async throws {
        let cluster = try TestCluster(backend)
        let producer = try cluster.producer {
            $0.messageTimeout = .seconds(5)
            $0.common.properties["allow.auto.create.topics"] = "false"
            $0.common.properties["topic.metadata.propagation.max.ms"] = "1000"
        }
        let start = ContinuousClock.now
        let error = await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaProducerMessage(topic: uniqueName("missing"), key: "k", value: "v"))
        }
        let elapsed = ContinuousClock.now - start
        await producer.close()
        #expect(elapsed < .seconds(15), "took \(elapsed)")
        let code = try #require(error).code
        #expect([KafkaError.unknownTopicOrPartition, KafkaError.localUnknownTopic, KafkaError.messageTimedOut].contains(code),
                "unexpected \(String(describing: error))")
        #expect(error?.isFatal == false)
    }

    /// A message larger than the producer allows is refused at once, with the sizes in the message.
    @Test("an oversized message fails at once with MSG_SIZE_TOO_LARGE", arguments: Backend.allCases)
    func oversized(backend: Backend) async throws {
        let cluster = try TestCluster(backend)
        let topic = uniqueName("big")
        try await cluster.createTopic(topic, partitions: 1)
        let producer = try cluster.producer()
        let start = ContinuousClock.now
        let error = await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaProducerMessage(topic: topic, key: nil, value: [UInt8](repeating: 7, count: 2_000_000)))
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(error?.code == KafkaError.messageSizeTooLarge)
        #expect(error?.isRetriable == false)
        #expect(error?.message.contains("2000000 bytes") == true)
        // The producer is still usable afterwards.
        let report = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "small"))
        #expect(report.offset >= 0)
        await producer.close()
    }

    /// Nothing listens at the bootstrap address: sends time out with a
    /// retriable, explained error, and the admin client gives up in time.
    @Test("an unreachable bootstrap address ends in a typed, retriable error in bounded time")
    func unreachable() async throws {
        let port = try LocalBroker.freePort() // nobody listens there
        var config = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:\(port)"])
        config.messageTimeout = .seconds(3)
        config.flushTimeoutOnClose = .seconds(1)
        let producer = try KafkaProducer(configuration: config, logger: quietLogger)
        let start = ContinuousClock.now
        let error = await #expect(throws: KafkaError.self) {
            try await producer.send(KafkaProducerMessage(topic: "anything", key: "k", value: "v"))
        }
        #expect(ContinuousClock.now - start < .seconds(10))
        #expect(error?.code == KafkaError.messageTimedOut)
        #expect(error?.isRetriable == true)
        await producer.close()

        let admin = try KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: ["127.0.0.1:\(port)"]), logger: quietLogger)
        let adminStart = ContinuousClock.now
        await #expect(throws: KafkaError.self) {
            try await admin.createTopics([KafkaTopicSpec(name: "t", partitions: 1)], timeout: .seconds(2))
        }
        await #expect(throws: KafkaError.self) { _ = try await admin.listTopics(timeout: .seconds(2)) }
        #expect(ContinuousClock.now - adminStart < .seconds(20))
        await admin.close()
    }

    /// A misspelt or invalid librdkafka property is refused when the client is
    /// made, naming the property, with a secret value masked.
    @Test("invalid properties are refused with a clear error and secrets masked")
    func invalidProperty() throws {
        let bad = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"], properties: ["no.such.property": "1"])
        let e1 = #expect(throws: KafkaError.self) { _ = try KafkaProducer(configuration: bad) }
        #expect(e1?.message.contains("no.such.property") == true)

        let secret = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"], properties: ["sasl.password.bogus": "hunter2"])
        let e2 = #expect(throws: KafkaError.self) { _ = try KafkaProducer(configuration: secret) }
        #expect(e2?.message.contains("hunter2") == false)
        #expect(KafkaConfiguration.redacted(["sasl.password": "hunter2", "client.id": "x"]) == "client.id=x sasl.password=******")
    }
}
