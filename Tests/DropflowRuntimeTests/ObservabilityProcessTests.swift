import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import DropflowRuntimeTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized, .timeLimit(.minutes(2)))
struct ObservabilityProcessTests {
    /// A running worker answers /health/live at once, /health/ready once it
    /// has partitions, and exports its message counters, handler latency and
    /// rebalances on /metrics; a second signal during shutdown exits at once.
    @Test("a worker exposes health and Prometheus metrics; a second signal exits at once")
    func endpoints() async throws {
        let cluster = try TestCluster()
        try await cluster.createTopics(["passthrough.in", "passthrough.out", "passthrough.in.dlq"], partitions: 2)
        let worker = try WorkerProcess(cluster: cluster, extra: ["--metrics-port", "0"])
        let port = Box<Int?>(nil)
        try await eventually(.seconds(30), "the worker logs its metrics port") {
            let log = worker.output
            if let r = log.range(of: #"http\.port=(\d+)"#, options: .regularExpression) {
                port.mutate { $0 = Int(log[r].split(separator: "=")[1]) }
            }
            return port.value != nil
        }
        let p = try #require(port.value)
        #expect(httpGet(port: p, path: "/health/live")?.status == 200)
        try await eventually(.seconds(60), "ready") { httpGet(port: p, path: "/health/ready")?.status == 200 }
        #expect(httpGet(port: p, path: "/nope")?.status == 404)

        try await cluster.produce("passthrough.in", count: 50, partitions: 2)
        _ = try await cluster.waitForKeys("passthrough.out", count: 50)
        try await eventually(.seconds(10), "metrics count every message") {
            (httpGet(port: p, path: "/metrics")?.body ?? "").contains(#"dropflow_messages_out_total{stage="passthrough",topic="\#(cluster.prefix)passthrough.out"} 50"#)
        }
        let metrics = httpGet(port: p, path: "/metrics")?.body ?? ""
        #expect(metrics.contains(#"dropflow_messages_in_total{stage="passthrough",topic="\#(cluster.prefix)passthrough.in"} 50"#))
        #expect(metrics.contains("dropflow_handler_duration_seconds_bucket"))
        #expect(metrics.contains(#"dropflow_rebalances_total{stage="passthrough",kind="assigned"}"#))

        // Two signals back to back (two kinds: a pending signal does not queue
        // a second copy of itself): the second does not wait for the graceful shutdown.
        worker.signal(SIGTERM)
        worker.signal(SIGINT)
        let status = await worker.waitExit(within: .seconds(5))
        #expect(status == 130, "exit status \(String(describing: status))")
    }
}
