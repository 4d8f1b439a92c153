import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import Foundation
import Logging
import Testing

/// librdkafka gives each pause or resume of a partition a version ("barrier") and only then
/// queues it for the partition's thread, which drops an operation older than the last one it
/// served, silently (`rd_kafka_resume_partitions` still answers "no error"). So a resume that
/// librdkafka's own operations overtake between the two steps (starting a newly assigned
/// partition, pausing every partition as a rebalance begins) is lost, and the partition stays
/// paused while the consumer has no reason to pause it (librdkafka #5591).
///
/// These tests widen that window on purpose: librdkafka logs each pause or resume between
/// taking its version and queueing it, on the calling thread, so a log handler that stalls
/// the application's resume (`thrd:app`) until librdkafka's own operation has been served
/// makes the overtaking certain instead of rare. The same log tells which of the consumer's
/// pauses and resumes librdkafka dropped ("received outdated op PAUSE").
@Suite(.serialized, .timeLimit(.minutes(3)))
struct PauseRaceTests {
    /// The consumer tells librdkafka a newly assigned partition's state before the assignment
    /// starts it, so librdkafka's start of the partition (once it has the committed offset, on
    /// its own thread) cannot overtake that resume. (Told after the assignment, as before, the
    /// stalled resume was dropped: the flake of "a partition paused when it was revoked fetches
    /// again when it is assigned back".)
    @Test("a resume of a partition assigned back is not lost to librdkafka starting it")
    func resumeAtAssignment() async throws {
        let (cluster, topic, other, stall, consumer, seen, reader) = try await pausedRace()
        let p0 = KafkaTopicPartition(topic: topic, partition: 0), p1 = KafkaTopicPartition(topic: topic, partition: 1)
        try consumer.subscribe(topics: [other])
        try await eventually(.seconds(60), "moved to the other topic") { consumer.assignment == [KafkaTopicPartition(topic: other, partition: 0)] }

        // The next resume of partition 0 waits (up to 2 s) until librdkafka has started
        // fetching the partition: issued after the assignment, it would be overtaken.
        stall.arm(on: "[thrd:app]: Resume \(topic) [0] (v", until: "Start fetch for \(topic) [0] ", timeout: .seconds(2))
        try consumer.subscribe(topics: [topic])
        try await eventually(.seconds(60), "assigned back") { consumer.assignment == [p0, p1] }
        try await eventually(.seconds(30), "the resume was stalled") { stall.stalledVersion != nil }

        let producer = try cluster.producer()
        for i in 0..<20 { try await producer.send(KafkaProducerMessage(topic: topic, partition: Int32(i % 2), key: "k\(i)", value: "v\(i)")) }
        await producer.close()
        try await expectAll(20, seen: seen, consumer: consumer, parts: [p0, p1])
        #expect(stall.droppedOwnOperations(of: p0).isEmpty, "librdkafka dropped the consumer's pause or resume")
        try await consumer.close()
        _ = try await reader.value
    }

    /// A rebalance starts with librdkafka pausing every assigned partition on its own thread;
    /// an application's resume it overtakes is lost. The consumer tells librdkafka again what
    /// each partition that stays assigned should do once the rebalance has been served.
    @Test("a resume overtaken by a rebalance's pause is not lost")
    func resumeDuringRebalance() async throws {
        let (cluster, topic, other, stall, consumer, seen, reader) = try await pausedRace()
        let p0 = KafkaTopicPartition(topic: topic, partition: 0), p1 = KafkaTopicPartition(topic: topic, partition: 1)

        // Resume on a thread of its own: librdkafka takes the version of partition 0's resume,
        // which then waits until librdkafka has served the pause of partition 0 that begins the
        // rebalance below, and is dropped.
        stall.arm(on: "[thrd:app]: Resume \(topic) [0] (v", until: "Pause \(topic) [0]: at ", timeout: .seconds(20))
        let resumed = Box(false)
        let resumer = Thread {
            try? consumer.resume([p0, p1])
            resumed.mutate { $0 = true }
        }
        resumer.start()
        try await eventually(.seconds(30), "the resume was stalled") { stall.stalledVersion != nil }
        // Adding a topic rebalances the group: both partitions stay with this member.
        try consumer.subscribe(topics: [topic, other])
        try await eventually(.seconds(60), "the other topic assigned too") { consumer.assignment.count == 3 }
        try await eventually(.seconds(30), "the resume returned") { resumed.value }
        #expect(consumer.pauseReasons(p0) == [])

        try await flowsAfterLostResume(cluster, topic: topic, consumer: consumer, seen: seen, stall: stall, parts: [p0, p1], reader: reader)
    }

    /// A resume lost to an operation librdkafka issues with no call of the consumer around it
    /// (here: starting a partition just assigned, which a lane paused and resumed at once) is
    /// repeated by the consumer's poll thread, which resumes every partition that should fetch
    /// once a second; librdkafka skips such a resume where the partition is not paused.
    @Test("a resume lost while librdkafka starts a partition is repeated")
    func resumeLostAtStart() async throws {
        let cluster = try TestCluster(.mock)
        let topic = uniqueName("race")
        try await cluster.createTopic(topic, partitions: 2)
        let stall = LogStall()
        let p0 = KafkaTopicPartition(topic: topic, partition: 0), p1 = KafkaTopicPartition(topic: topic, partition: 1)
        // A lane that pauses and resumes partition 0 as soon as it is assigned: the resume
        // waits until librdkafka has started the partition, and is dropped.
        let listener = KafkaRebalanceListener(assigned: { consumer, parts in
            guard parts.contains(p0) else { return }
            let backlog = KafkaPauseReason("backlog", owner: 1)
            try? consumer.pause([p0], reason: backlog)
            try? consumer.resume([p0], reason: backlog)
        })
        let consumer = try stalledConsumer(cluster, group: uniqueName("g"), stall: stall, listener: listener)
        stall.arm(on: "[thrd:app]: Resume \(topic) [0] (v", until: "Start fetch for \(topic) [0] ", timeout: .seconds(5))
        // Slow answers, so that the partitions start (once the committed offsets are in) only
        // after the lane's pause.
        let mock = try #require(cluster.mock)
        for broker: Int32 in 1...3 { try mock.setBrokerLatency(broker, .milliseconds(300)) }
        let seen = Collector<KafkaConsumerMessage>()
        try consumer.subscribe(topics: [topic])
        let reader = Task { for try await m in consumer.messages { seen.append(m); try consumer.storeOffset(m) } }
        try await eventually(.seconds(60), "assignment") { consumer.assignment == [p0, p1] }
        try await eventually(.seconds(30), "the resume was stalled") { stall.stalledVersion != nil }
        for broker: Int32 in 1...3 { try mock.setBrokerLatency(broker, .zero) }
        #expect(consumer.pauseReasons(p0) == [])

        try await flowsAfterLostResume(cluster, topic: topic, consumer: consumer, seen: seen, stall: stall, parts: [p0, p1], reader: reader)
    }

    /// A full buffer pauses every partition until the reader takes it down to half. Messages
    /// of revoked partitions are dropped from it: when that empties it, the reader has nothing
    /// left to take, so the buffer must count as no longer full right then.
    @Test("a full buffer emptied by a revocation does not keep the consumer paused")
    func bufferEmptiedByRevocation() async throws {
        let cluster = try TestCluster(.mock)
        let topic = uniqueName("full"), other = uniqueName("other")
        try await cluster.createTopic(topic, partitions: 2)
        try await cluster.createTopic(other, partitions: 1)
        let consumer = try cluster.consumer(group: uniqueName("g")) { $0.bufferCapacity = 4 }
        let parts: Set<KafkaTopicPartition> = [KafkaTopicPartition(topic: topic, partition: 0), KafkaTopicPartition(topic: topic, partition: 1)]
        let producer = try cluster.producer()
        for i in 0..<20 { try await producer.send(KafkaProducerMessage(topic: topic, partition: Int32(i % 2), key: "k\(i)", value: "v\(i)")) }
        try consumer.subscribe(topics: [topic])
        // Nobody reads: the buffer fills and every partition pauses.
        try await eventually(.seconds(60), "the buffer fills") { parts.allSatisfy { consumer.pauseReasons($0)?.contains(.bufferFull) == true } }

        try consumer.subscribe(topics: [other])
        try await eventually(.seconds(60), "moved to the other topic") { consumer.assignment == [KafkaTopicPartition(topic: other, partition: 0)] }
        #expect(consumer.bufferedMessageCount == 0, "the revoked partitions' messages were dropped")
        #expect(consumer.pauseReasons(KafkaTopicPartition(topic: other, partition: 0)) == [], "an empty buffer is not full")

        for i in 0..<6 { try await producer.send(KafkaProducerMessage(topic: other, partition: 0, key: "k\(i)", value: "o\(i)")) }
        await producer.close()
        let got = try await read(consumer, count: 6, within: .seconds(60))
        #expect(got.allSatisfy { $0.topic == other })
        try await consumer.close()
    }

    // MARK: Helpers

    /// Twenty messages over both partitions of `topic` all arrive although a resume of the first was
    /// stalled, and that resume was one librdkafka dropped (else the test proved nothing); then the
    /// consumer closes.
    private func flowsAfterLostResume(_ cluster: TestCluster, topic: String, consumer: KafkaConsumer, seen: Collector<KafkaConsumerMessage>,
                                      stall: LogStall, parts: [KafkaTopicPartition], reader: Task<Void, Error>) async throws {
        let producer = try cluster.producer()
        for i in 0..<20 { try await producer.send(KafkaProducerMessage(topic: topic, partition: Int32(i % 2), key: "k\(i)", value: "v\(i)")) }
        await producer.close()
        try await expectAll(20, seen: seen, consumer: consumer, parts: Set(parts))
        let stalled = try #require(stall.stalledVersion)
        #expect(stall.droppedOwnOperations(of: parts[0]).contains(stalled), "the stalled resume was not overtaken: the test proved nothing")
        try await consumer.close()
        _ = try await reader.value
    }

    /// A consumer of a two-partition topic (and a one-partition `other`) on the mock cluster whose
    /// resumes a ``LogStall`` can hold, reading into `seen`, with both partitions assigned and paused.
    private func pausedRace() async throws -> (TestCluster, String, String, LogStall, KafkaConsumer, Collector<KafkaConsumerMessage>,
                                                Task<Void, Error>) {
        let cluster = try TestCluster(.mock)
        let topic = uniqueName("race"), other = uniqueName("other")
        try await cluster.createTopic(topic, partitions: 2)
        try await cluster.createTopic(other, partitions: 1)
        let stall = LogStall()
        let consumer = try stalledConsumer(cluster, group: uniqueName("g"), stall: stall)
        let seen = Collector<KafkaConsumerMessage>()
        try consumer.subscribe(topics: [topic])
        let reader = Task { for try await m in consumer.messages { seen.append(m); try consumer.storeOffset(m) } }
        let p0 = KafkaTopicPartition(topic: topic, partition: 0), p1 = KafkaTopicPartition(topic: topic, partition: 1)
        try await eventually(.seconds(60), "assignment") { consumer.assignment == [p0, p1] }
        try consumer.pause([p0, p1])
        return (cluster, topic, other, stall, consumer, seen, reader)
    }

    private func stalledConsumer(_ cluster: TestCluster, group: String, stall: LogStall,
                                 listener: KafkaRebalanceListener? = nil) throws -> KafkaConsumer {
        var c = KafkaConsumerConfiguration(cluster.kafka, groupID: group)
        c.sessionTimeout = .seconds(6)
        c.maxPollInterval = .seconds(10)
        c.heartbeatInterval = .milliseconds(500)
        // Pauses, resumes and the partition's operations are logged in librdkafka's "topic"
        // debug context.
        c.common.properties["debug"] = "topic"
        var logger = Logger(label: "test.stall") { _ in stall }
        logger.logLevel = .debug
        return try KafkaConsumer(configuration: c, rebalanceListener: listener, logger: logger)
    }

    private func expectAll(_ count: Int, seen: Collector<KafkaConsumerMessage>, consumer: KafkaConsumer,
                           parts: Set<KafkaTopicPartition>) async throws {
        do {
            try await eventually(.seconds(30), "both partitions flow") { seen.count == count }
        } catch {
            let perPartition = Dictionary(grouping: seen.all, by: \.partition).mapValues(\.count)
            let reasons: [String] = parts.sorted().map { tp in "\(tp): \(consumer.pauseReasons(tp).map { "\($0)" } ?? "not assigned")" }
            Issue.record("\(error): seen per partition \(perPartition), reasons \(reasons)")
            throw error
        }
    }
}

/// A log handler for librdkafka's debug log that, once armed, stalls the first thread logging
/// a line that contains one string until another thread logs a line containing a second one
/// (or a time-out passes), and keeps the lines that tell pauses and resumes apart. Everything
/// else it drops, unless DROPFLOW_TEST_LOG asks for it on standard error.
final class LogStall: LogHandler, @unchecked Sendable {
    private let condition = NSCondition()
    private var trigger: String?
    private var release: String?
    private var timeout: Duration = .seconds(1)
    private var stalling = false
    private var released = false
    private var _stalledVersion: Int?
    private var lines: [String] = []
    private let echo = ProcessInfo.processInfo.environment["DROPFLOW_TEST_LOG"] != nil

    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Stalls the first line containing `trigger` until a line containing `release`.
    func arm(on trigger: String, until release: String, timeout: Duration) {
        condition.withLock {
            self.trigger = trigger
            self.release = release
            self.timeout = timeout
            released = false
        }
    }

    /// The operation version in the stalled line, once one was stalled.
    var stalledVersion: Int? { condition.withLock { _stalledVersion } }

    /// The versions of the pauses and resumes of this partition that the application's threads
    /// (the consumer's) asked for and librdkafka dropped as outdated.
    func droppedOwnOperations(of tp: KafkaTopicPartition) -> Set<Int> {
        let lines = condition.withLock { self.lines }
        let name = "\(tp.topic) [\(tp.partition)]"
        let own = Set(lines.filter { $0.contains("[thrd:app]: Pause \(name) (v") || $0.contains("[thrd:app]: Resume \(name) (v") }
            .compactMap(Self.version))
        let dropped = Set(lines.filter { $0.contains("\(name) received outdated op PAUSE (v") }.compactMap(Self.version))
        return own.intersection(dropped)
    }

    /// N in the line's first "(vN)".
    private static func version(_ line: String) -> Int? {
        guard let start = line.range(of: "(v") else { return nil }
        return Int(line[start.upperBound...].prefix { $0.isNumber })
    }

    func log(event: LogEvent) {
        let text = event.message.description
        if echo { FileHandle.standardError.write(Data("\(text)\n".utf8)) }
        condition.lock()
        defer { condition.unlock() }
        if text.contains("[thrd:app]: Pause ") || text.contains("[thrd:app]: Resume ") || text.contains("received outdated op PAUSE") {
            lines.append(text)
        }
        if stalling, let release, text.contains(release) {
            released = true
            condition.broadcast()
            return
        }
        guard let trigger, text.contains(trigger) else { return }
        self.trigger = nil
        _stalledVersion = Self.version(text)
        stalling = true
        let deadline = Date().addingTimeInterval(Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        while !released, condition.wait(until: deadline) {}
        stalling = false
    }
}
