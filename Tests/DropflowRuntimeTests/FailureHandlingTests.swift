import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowKafka
import DropflowKafkaTesting
import DropflowRuntimeTesting
@testable import DropflowRuntime
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(3)))
struct FailureHandlingTests {
    /// Garbage bytes, truncated JSON and schema-invalid messages go to the DLQ
    /// with the contract's headers and their bytes unchanged; the valid
    /// messages around them are processed.
    @Test("invalid input lands in the DLQ with the contract headers and the messages after it are processed")
    func deadLetters() async throws {
        let cluster = try TestCluster()
        try await cluster.createTopics(["supplier.status", "statuses.seen", "supplier.status.dlq"], partitions: 1)
        let stage = StageDefinition(name: "dlqtest", inputs: [.contract(.supplierStatus)], outputs: [.adHoc("statuses.seen")]) { input, _ in
            [StageOutput(topic: .adHoc("statuses.seen"), key: input.key, value: input.value)]
        }
        let valid = { (i: Int) -> [UInt8] in Array("{\"supplier_id\":\"sup-\(i)\",\"status\":\"ok\",\"updated_at\":\"2026-11-24T10:15:00Z\"}".utf8) }
        let bad: [[UInt8]] = [
            [0xff, 0x00, 0xfe, 0x13],                                            // garbage bytes
            Array("{\"supplier_id\":\"sup-x\",\"status\":".utf8),                // truncated JSON
            Array("{\"supplier_id\":\"sup-y\",\"status\":\"exploded\",\"updated_at\":\"2026-11-24T10:15:00Z\"}".utf8), // schema-invalid
            Array("[1,2,3]".utf8),                                               // not an object
        ]
        var values: [[UInt8]] = []
        for i in 0..<4 { values.append(valid(i)); values.append(bad[i]) }
        values.append(valid(4))
        try await cluster.produce("supplier.status", count: values.count, partitions: 1) { values[$0] }

        let worker = RunningWorker(stage, cluster.workerConfiguration())
        let dlq = try await cluster.waitForKeys("supplier.status.dlq", count: 4)
        let seen = try await cluster.waitForKeys("statuses.seen", count: 5)
        _ = await worker.stop()

        #expect(dlq.map(\.value) == bad.map { Optional($0) }, "DLQ holds the bytes unchanged, in order")
        #expect(seen.count == 5)
        #expect(seen.map(\.keyString) == ["k0", "k2", "k4", "k6", "k8"])
        for (i, m) in dlq.enumerated() {
            #expect(m.headers.string("dlq-stage") == "dlqtest")
            #expect(m.headers.string("dlq-source-topic") == cluster.prefix + "supplier.status")
            #expect(m.headers.string("dlq-source-partition") == "0")
            #expect(m.headers.string("dlq-source-offset") == String(2 * i + 1))
            #expect(m.keyString == "k\(2 * i + 1)")
            #expect((m.headers.string("dlq-reason") ?? "").isEmpty == false)
        }
        #expect(dlq[0].headers.string("dlq-reason")?.contains("not JSON") == true)
        #expect(dlq[2].headers.string("dlq-reason")?.contains("/status") == true, "names the field: \(dlq[2].headers.string("dlq-reason") ?? "")")
    }

    /// A handler that fails twice (retriably) then succeeds is retried and
    /// succeeds; one that always fails goes to the DLQ after the configured
    /// attempts, while the other partitions keep flowing.
    @Test("retriable failures are retried with back-off; exhausted ones go to the DLQ while other partitions flow")
    func retries() async throws {
        let cluster = try TestCluster()
        try await cluster.createTopics(["work.in", "work.out", "work.in.dlq"], partitions: 2)
        let attempts = Box<[String: Int]>([:])
        let finished = Box<[String: ContinuousClock.Instant]>([:])
        let succeeded = Box<[Int32: [String]]>([:])
        let stage = StageDefinition(name: "retrytest", inputs: [InputTopic(.adHoc("work.in"))], outputs: [.adHoc("work.out")]) { input, context in
            let key = input.keyString ?? ""
            attempts.mutate { $0[key] = context.attempt }
            defer { finished.mutate { $0[key] = .now } }
            if key == "k0" && context.attempt < 3 { throw StageError.retriable("flaky dependency") }
            if key == "k2" {
                try await Task.sleep(for: .milliseconds(300)) // slow enough that partition 1 visibly runs ahead
                throw StageError.retriable("supplier API down")
            }
            succeeded.mutate { $0[input.partition, default: []].append(key) }
            return [StageOutput(topic: .adHoc("work.out"), key: input.key, value: input.value)]
        }
        try await cluster.produce("work.in", count: 40, partitions: 2)
        let worker = RunningWorker(stage, cluster.workerConfiguration { $0.retry = RetryPolicy(maxAttempts: 4, initialBackoff: .milliseconds(100), maxBackoff: .milliseconds(400)) })
        let out = try await cluster.waitForKeys("work.out", count: 39)
        let dlq = try await cluster.waitForKeys("work.in.dlq", count: 1)
        _ = await worker.stop()

        #expect(attempts.value["k0"] == 3, "k0 took \(attempts.value["k0"] ?? 0) attempts")
        #expect(out.contains { $0.keyString == "k0" })
        #expect(attempts.value["k2"] == 4)
        #expect(dlq.map(\.keyString) == ["k2"])
        #expect(dlq.first?.headers.string("dlq-reason")?.contains("gave up after 4 attempts") == true)
        // Partition 1 finished while partition 0 was still retrying k2.
        let lastOfP1 = try #require(finished.value["k39"]), k2Done = try #require(finished.value["k2"])
        #expect(lastOfP1 < k2Done)
        #expect(Set(out.compactMap(\.keyString)) == Set((0..<40).filter { $0 != 2 }.map { "k\($0)" }))
        // Order within a partition is kept, even around the retried message.
        #expect(succeeded.value[0] == (0..<40).filter { $0 % 2 == 0 && $0 != 2 }.map { "k\($0)" })
        #expect(succeeded.value[1] == (0..<40).filter { $0 % 2 == 1 }.map { "k\($0)" })
    }

    /// An output the broker refuses for good (here: too large) does not stall
    /// the partition: the input goes to the DLQ saying so, and the next inputs flow.
    @Test("an output Kafka refuses for good sends the input to the DLQ and the partition moves on")
    func refusedOutput() async throws {
        let cluster = try TestCluster()
        try await cluster.createTopics(["big.in", "big.out", "big.in.dlq"], partitions: 1)
        let stage = StageDefinition(name: "bigtest", inputs: [InputTopic(.adHoc("big.in"))], outputs: [.adHoc("big.out")]) { input, _ in
            let huge = input.keyString == "k1"
            return [StageOutput(topic: .adHoc("big.out"), key: input.key, value: huge ? [UInt8](repeating: 1, count: 3_000_000) : input.value)]
        }
        try await cluster.produce("big.in", count: 3, partitions: 1)
        let worker = RunningWorker(stage, cluster.workerConfiguration())
        let out = try await cluster.waitForKeys("big.out", count: 2)
        let dlq = try await cluster.waitForKeys("big.in.dlq", count: 1)
        _ = await worker.stop()
        #expect(Set(out.compactMap(\.keyString)) == ["k0", "k2"])
        #expect(dlq.map(\.keyString) == ["k1"])
        #expect(dlq.first?.headers.string("dlq-reason")?.contains("MSG_SIZE_TOO_LARGE") == true, "\(dlq.first?.headers.string("dlq-reason") ?? "")")
    }
}
