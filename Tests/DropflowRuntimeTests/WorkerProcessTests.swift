import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import DropflowRuntimeTesting
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(4)))
struct WorkerProcessTests {
    /// A worker killed with SIGKILL midway and restarted loses nothing: every
    /// input has its output, and every duplicate carries its first copy's ce_id.
    @Test("SIGKILL midway and restart: no input without output, duplicates share the first copy's ce_id")
    func sigkill() async throws {
        let cluster = try TestCluster()
        try await cluster.createTopics(["passthrough.in", "passthrough.out", "passthrough.in.dlq"], partitions: 4)
        let n = 10_000
        try await cluster.produce("passthrough.in", count: n, partitions: 4)

        let first = try WorkerProcess(cluster: cluster)
        try await eventually(.seconds(90), "the first worker has written 3,000 outputs") {
            guard first.isRunning else { throw TimedOut(what: "the worker exited: \(first.output.suffix(2000))") }
            return try await cluster.written("passthrough.out") >= 3_000
        }
        first.signal(SIGKILL)
        #expect(await first.waitExit(within: .seconds(5)) != nil)
        let beforeRestart = try await cluster.written("passthrough.out")

        let second = try WorkerProcess(cluster: cluster)
        // The second worker has produced every output; then it stops.
        _ = try await cluster.waitForKeys("passthrough.out", count: n, within: .seconds(120))
        second.signal(SIGTERM)
        #expect(await second.waitExit(within: .seconds(20)) == 0, "second worker: \(second.output.suffix(2000))")
        let all = try await cluster.readAll("passthrough.out")

        var firstCopy: [String: (ceID: String, value: [UInt8]?)] = [:]
        var duplicates = 0
        for m in all {
            let key = m.keyString ?? "?"
            let id = m.headers.string("ce_id") ?? ""
            if let seen = firstCopy[key] {
                duplicates += 1
                #expect(seen.ceID == id, "duplicate of \(key) has another ce_id")
                #expect(seen.value == m.value)
            } else {
                firstCopy[key] = (id, m.value)
            }
        }
        print("sigkill: \(beforeRestart) outputs before the kill, \(all.count) in all, \(duplicates) duplicates")
        let missing = (0..<n).filter { firstCopy["k\($0)"] == nil }
        #expect(missing.isEmpty, "\(missing.count) inputs have no output, e.g. \(missing.prefix(5))")
    }

    /// SIGTERM while messages flow: exit 0 in time; a restarted worker
    /// neither skips nor re-emits what the first one completed.
    @Test("SIGTERM mid-stream exits 0 and a restarted worker neither skips nor re-emits")
    func sigterm() async throws {
        let cluster = try TestCluster()
        try await cluster.createTopics(["passthrough.in", "passthrough.out", "passthrough.in.dlq"], partitions: 4)
        let n = 6_000
        try await cluster.produce("passthrough.in", count: n, partitions: 4)
        let first = try WorkerProcess(cluster: cluster)
        try await eventually(.seconds(90), "the first worker has written 1,000 outputs") {
            guard first.isRunning else { throw TimedOut(what: "the worker exited: \(first.output.suffix(2000))") }
            return try await cluster.written("passthrough.out") >= 1_000
        }
        let stopStart = ContinuousClock.now
        first.signal(SIGTERM)
        let status = await first.waitExit(within: .seconds(25))
        #expect(status == 0, "exit status \(String(describing: status)); output: \(first.output.suffix(2000))")
        #expect(ContinuousClock.now - stopStart < .seconds(25))
        let afterFirst = try await cluster.written("passthrough.out")

        // More input arrives while no worker runs.
        try await cluster.produce("passthrough.in", count: 1_000, partitions: 4, from: n)
        let second = try WorkerProcess(cluster: cluster)
        _ = try await cluster.waitForKeys("passthrough.out", count: n + 1_000, within: .seconds(120))
        second.signal(SIGTERM)
        #expect(await second.waitExit(within: .seconds(25)) == 0)

        let all = try await cluster.readAll("passthrough.out")
        let keys = all.compactMap(\.keyString)
        print("sigterm: \(afterFirst) outputs by the first worker, \(all.count) in all")
        #expect(Set(keys).count == n + 1_000, "missing \(n + 1_000 - Set(keys).count)")
        #expect(keys.count == n + 1_000, "\(keys.count - Set(keys).count) outputs were emitted twice")
    }
}
