import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import DropflowRuntimeTesting
@testable import DropflowRuntime
import Foundation
import Testing

/// What /metrics says of a worker's partitions and work, read from a worker process.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct MetricsProcessTests {
    static func metricsPort(_ worker: WorkerProcess) async throws -> Int {
        let port = Box<Int?>(nil)
        try await eventually(.seconds(30), "the worker logs its metrics port") {
            guard worker.isRunning else { throw TimedOut(what: "the worker exited: \(worker.output.suffix(2000))") }
            let log = worker.output
            if let r = log.range(of: #"http\.port=(\d+)"#, options: .regularExpression) {
                port.mutate { $0 = Int(log[r].split(separator: "=")[1]) }
            }
            return port.value != nil
        }
        return port.value!
    }

    static func lagSeries(_ metrics: String, _ topic: String) -> Set<Int32> {
        Set(metrics.split(separator: "\n").compactMap { line -> Int32? in
            guard line.hasPrefix("dropflow_consumer_lag{"), line.contains(#"topic="\#(topic)""#),
                  let r = line.range(of: #"partition="(\d+)""#, options: .regularExpression) else { return nil }
            return Int32(line[r].dropFirst("partition=\"".count).dropLast())
        })
    }

    /// librdkafka's statistics come every few seconds (here: not within the test) and know a lag
    /// only once a partition has been fetched: the worker's series exist from the assignment on,
    /// and go when the partition does.
    @Test("every assigned partition has a consumer-lag series at once, and loses it when unassigned")
    func lagSeriesFollowTheAssignment() async throws {
        let cluster = try TestCluster(.mock)
        try await cluster.createTopics(["passthrough.in", "passthrough.out", "passthrough.in.dlq"], partitions: 2)
        let process = try WorkerProcess(cluster: cluster, extra: ["--metrics-port", "0", "--kafka-property", "statistics.interval.ms=600000"])
        let port = try await Self.metricsPort(process)
        try await eventually(.seconds(60), "ready") { httpGet(port: port, path: "/health/ready")?.status == 200 }
        let topic = cluster.prefix + "passthrough.in"
        try await eventually(.seconds(3), "a lag series for both partitions") {
            Self.lagSeries(httpGet(port: port, path: "/metrics")?.body ?? "", topic) == [0, 1]
        }
        // A second worker takes one of the partitions.
        let other = RunningWorker(PassthroughStage.definition(), cluster.workerConfiguration())
        try await eventually(.seconds(60), "the other worker owns a partition") { other.worker.assignedPartitions.count == 1 }
        let kept = Set(Int32(0)...1).filter { !other.worker.assignedPartitions.contains(KafkaTopicPartition(topic: topic, partition: $0)) }
        try await eventually(.seconds(10), "the moved partition's series is gone") {
            Self.lagSeries(httpGet(port: port, path: "/metrics")?.body ?? "", topic) == kept
        }
        _ = await other.stop()
        process.signal(SIGTERM)
        #expect(await process.waitExit(within: .seconds(20)) == 0)
    }

    /// The in-flight gauge follows the work down to zero once the worker is idle.
    @Test("the in-flight gauge reads 0 when nothing is in flight")
    func inFlightGaugeGoesToZero() async throws {
        let cluster = try TestCluster(.mock)
        try await cluster.createTopics(["passthrough.in", "passthrough.out", "passthrough.in.dlq"], partitions: 2)
        let process = try WorkerProcess(cluster: cluster, extra: ["--metrics-port", "0"])
        let port = try await Self.metricsPort(process)
        try await eventually(.seconds(60), "ready") { httpGet(port: port, path: "/health/ready")?.status == 200 }
        try await cluster.produce("passthrough.in", count: 200, partitions: 2)
        _ = try await cluster.waitForKeys("passthrough.out", count: 200)
        try await eventually(.seconds(10), "the in-flight gauge reads 0") {
            let metrics = httpGet(port: port, path: "/metrics")?.body ?? ""
            return metrics.range(of: #"dropflow_in_flight_messages\{stage="passthrough"\} 0(\.0)?\n"#, options: .regularExpression) != nil
        }
        process.signal(SIGTERM)
        #expect(await process.waitExit(within: .seconds(20)) == 0)
    }
}
