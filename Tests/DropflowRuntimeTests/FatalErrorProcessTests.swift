import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import DropflowRuntimeTesting
import Foundation
import Testing

@Suite(.serialized, .timeLimit(.minutes(2)))
struct FatalErrorProcessTests {
    /// The group coordinator (the mock cluster, told to) answers a heartbeat with
    /// FENCED_INSTANCE_ID, which librdkafka raises as a fatal consumer error: the worker stops
    /// and exits 3, as on a fatal producer error.
    @Test("a fatal consumer error makes dropflow worker exit 3 (mock cluster)")
    func fatalConsumerError() async throws {
        let cluster = try TestCluster(.mock)
        let mock = try #require(cluster.mock)
        try await cluster.createTopics(["passthrough.in", "passthrough.out", "passthrough.in.dlq"], partitions: 1)
        let worker = try WorkerProcess(cluster: cluster)
        try await eventually(.seconds(60), "the worker has its partition") {
            guard worker.isRunning else { throw TimedOut(what: "the worker exited: \(worker.output.suffix(2000))") }
            return worker.output.contains("partitions assigned")
        }
        mock.failNext(.heartbeat, with: [82]) // FENCED_INSTANCE_ID
        let status = await worker.waitExit(within: .seconds(30))
        #expect(status == 3, "exit status \(String(describing: status)); output: \(worker.output.suffix(2000))")
        #expect(worker.output.contains("fatal"))
    }
}
