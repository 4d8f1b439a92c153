import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import DropflowRuntimeTesting
@testable import DropflowRuntime
import Foundation
import Testing

/// What `--max-in-flight` bounds, as the README says it.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct BackpressureTests {
    /// Handlers that wait: the worker takes exactly `maxInFlight` inputs and no more.
    @Test("the worker holds at most --max-in-flight unfinished inputs")
    func maxInFlight() async throws {
        let cluster = try TestCluster(.mock)
        try await cluster.createTopics(["bp.in", "bp.out", "bp.in.dlq"], partitions: 4)
        let gate = Box(false)
        let stage = StageDefinition(name: "bptest", inputs: [InputTopic(.adHoc("bp.in"))], outputs: [.adHoc("bp.out")]) { input, _ in
            while !gate.value { try await Task.sleep(for: .milliseconds(10)) }
            return [StageOutput(topic: .adHoc("bp.out"), key: input.key, value: input.value)]
        }
        try await cluster.produce("bp.in", count: 1_000, partitions: 4)
        let worker = RunningWorker(stage, cluster.workerConfiguration { $0.maxInFlight = 50 })
        let peak = Box(0)
        let sampler = Task {
            while !Task.isCancelled {
                let now = worker.worker.inFlightCount
                peak.mutate { $0 = max($0, now) }
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
        try await eventually(.seconds(60), "50 inputs taken") { worker.worker.inFlightCount == 50 }
        try await Task.sleep(for: .seconds(1))
        #expect(worker.worker.inFlightCount == 50)
        gate.mutate { $0 = true }
        _ = try await cluster.waitForKeys("bp.out", count: 1_000, within: .seconds(90))
        sampler.cancel()
        _ = await worker.stop()
        #expect(peak.value == 50, "peak \(peak.value)")
    }

    /// Inputs of 8,000 bytes and handlers that wait: with `--max-in-flight-bytes` 65,536 the
    /// worker takes eight of them (the ninth would not fit), whatever `--max-in-flight` allows.
    @Test("the worker holds at most --max-in-flight-bytes of unfinished inputs")
    func maxInFlightBytes() async throws {
        let cluster = try TestCluster(.mock)
        try await cluster.createTopics(["bp.in", "bp.out", "bp.in.dlq"], partitions: 2)
        let gate = Box(false)
        let stage = StageDefinition(name: "bptest", inputs: [InputTopic(.adHoc("bp.in"))], outputs: [.adHoc("bp.out")]) { input, _ in
            while !gate.value { try await Task.sleep(for: .milliseconds(10)) }
            return [StageOutput(topic: .adHoc("bp.out"), key: input.key, value: Array(input.value?.prefix(10) ?? []))]
        }
        try await cluster.produce("bp.in", count: 300, partitions: 2) { _ in [UInt8](repeating: 7, count: 8_000) }
        let limit = 65_536
        let worker = RunningWorker(stage, cluster.workerConfiguration { $0.maxInFlightBytes = limit })
        let peak = Box(0)
        let sampler = Task {
            while !Task.isCancelled {
                let now = worker.worker.inFlightBytes
                peak.mutate { $0 = max($0, now) }
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
        try await eventually(.seconds(60), "the bytes bound is reached") { worker.worker.inFlightCount == 8 }
        try await Task.sleep(for: .seconds(1))
        #expect(worker.worker.inFlightCount == 8, "\(worker.worker.inFlightCount) inputs of 8,000 bytes in flight")
        gate.mutate { $0 = true }
        _ = try await cluster.waitForKeys("bp.out", count: 300, within: .seconds(90))
        sampler.cancel()
        _ = await worker.stop()
        #expect(peak.value <= limit, "peak \(peak.value) bytes")
        #expect(worker.worker.inFlightBytes == 0)
    }

    /// One input larger than the bound is taken alone rather than never.
    @Test("an input larger than --max-in-flight-bytes is taken alone")
    func largerThanTheBound() async throws {
        let cluster = try TestCluster(.mock)
        try await cluster.createTopics(["bp.in", "bp.out", "bp.in.dlq"], partitions: 1)
        let stage = StageDefinition(name: "bptest", inputs: [InputTopic(.adHoc("bp.in"))], outputs: [.adHoc("bp.out")]) { input, _ in
            [StageOutput(topic: .adHoc("bp.out"), key: input.key, value: Array(input.value?.prefix(10) ?? []))]
        }
        try await cluster.produce("bp.in", count: 5, partitions: 1) { _ in [UInt8](repeating: 7, count: 50_000) }
        let worker = RunningWorker(stage, cluster.workerConfiguration { $0.maxInFlightBytes = 10_000 })
        _ = try await cluster.waitForKeys("bp.out", count: 5, within: .seconds(60))
        _ = await worker.stop()
    }
}

/// Handlers that compute without suspending (routing's decisions do) share the threads with the
/// worker's own work: a backlog in every partition does not keep shutdown, commits or the other
/// partitions from running until it is worked off.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct LaneFairnessTests {
    /// Busy for `milliseconds` of CPU, never suspending.
    static func spin(milliseconds: Double) -> Int {
        let end = ContinuousClock.now + .microseconds(Int64(milliseconds * 1_000))
        var n = 0
        while ContinuousClock.now < end { n &+= 1 }
        return n
    }

    /// Eight partitions of backlog (more lanes than the machine has threads), each input 3 ms of
    /// computing: a graceful stop abandons the backlog (it is redelivered) instead of waiting for
    /// all 6,000 inputs (18 s of computing).
    @Test("a stop is not held up by a backlog of inputs that compute without suspending")
    func stopDuringComputingBacklog() async throws {
        let cluster = try TestCluster(.mock)
        try await cluster.createTopics(["lf.in", "lf.out", "lf.in.dlq"], partitions: 8)
        let handled = Box(0)
        let stage = StageDefinition(name: "lftest", inputs: [InputTopic(.adHoc("lf.in"))], outputs: [.adHoc("lf.out")]) { input, _ in
            _ = Self.spin(milliseconds: 3)
            handled.mutate { $0 += 1 }
            return [StageOutput(topic: .adHoc("lf.out"), key: input.key, value: input.value)]
        }
        try await cluster.produce("lf.in", count: 6_000, partitions: 8)
        let worker = RunningWorker(stage, cluster.workerConfiguration { $0.shutdownTimeout = .milliseconds(500) })
        // Starved, this check itself would run only once the backlog is worked off.
        try await eventually(.seconds(60), "the worker is handling inputs") { handled.value > 100 }
        let atStop = handled.value
        _ = await worker.stop()
        let atEnd = handled.value
        print("lane fairness: \(atStop) inputs handled when asked to stop, \(atEnd) when stopped, of 6,000")
        #expect(atEnd < 6_000 - 1_000, "handled \(atStop) inputs when asked to stop, \(atEnd) when stopped: the backlog was worked off first")
    }
}
