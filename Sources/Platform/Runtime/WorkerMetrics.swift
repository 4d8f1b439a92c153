import DropflowCore
import CoreMetrics
import DropflowKafka
import Foundation

/// The runtime's metrics, through swift-metrics (whatever backend the
/// executable bootstrapped; Prometheus in `dropflow worker`). Handles are
/// made once per label set and reused: looking them up per message is costly.
final class WorkerMetrics: @unchecked Sendable {
    let stage: String
    private let lock = NSLock()
    private var counters: [String: Counter] = [:]
    private var timers: [String: CoreMetrics.Timer] = [:]
    private var gauges: [String: Gauge] = [:]

    init(stage: String) { self.stage = stage }

    private func counter(_ label: String, _ dims: [(String, String)]) -> Counter {
        let key = label + dims.map { "|\($0.1)" }.joined()
        return lock.withLock {
            if let c = counters[key] { return c }
            let c = Counter(label: label, dimensions: [("stage", stage)] + dims)
            counters[key] = c
            return c
        }
    }

    private func gauge(_ label: String, _ dims: [(String, String)]) -> Gauge {
        let key = label + dims.map { "|\($0.1)" }.joined()
        return lock.withLock {
            if let g = gauges[key] { return g }
            let g = Gauge(label: label, dimensions: [("stage", stage)] + dims)
            gauges[key] = g
            return g
        }
    }

    func messageIn(_ topic: String) { counter("dropflow_messages_in_total", [("topic", topic)]).increment() }
    func messageOut(_ topic: String) { counter("dropflow_messages_out_total", [("topic", topic)]).increment() }
    func deadLettered(_ topic: String) { counter("dropflow_messages_dlq_total", [("topic", topic)]).increment() }
    func retried(_ topic: String) { counter("dropflow_handler_retries_total", [("topic", topic)]).increment() }
    func rebalanced(_ kind: String) { counter("dropflow_rebalances_total", [("kind", kind)]).increment() }
    func handlerDuration(_ topic: String, _ d: Duration) {
        let timer: CoreMetrics.Timer = lock.withLock {
            if let t = timers[topic] { return t }
            let t = CoreMetrics.Timer(label: "dropflow_handler_duration_seconds", dimensions: [("stage", stage), ("topic", topic)])
            timers[topic] = t
            return t
        }
        timer.recordNanoseconds(d.nanoseconds)
    }
    func inFlight(_ n: Int) { gauge("dropflow_in_flight_messages", []).record(n) }
    // The consumer lag has a series per assigned partition, from its assignment (at 0 until
    // librdkafka's statistics, every few seconds, know its lag) until it goes away. Assignments
    // and statistics both come from the consumer's poll thread, so a revoked partition's
    // series cannot come back from statistics that were already on their way.
    private var lagged: Set<KafkaTopicPartition> = []

    private static func lagDimensions(_ tp: KafkaTopicPartition) -> [(String, String)] {
        [("topic", tp.topic), ("partition", String(tp.partition))]
    }

    func partitionsAssigned(_ parts: [KafkaTopicPartition]) {
        let new = lock.withLock { parts.filter { lagged.insert($0).inserted } }
        for tp in new { gauge("dropflow_consumer_lag", Self.lagDimensions(tp)).record(0) }
    }

    func partitionsGone(_ parts: [KafkaTopicPartition]) {
        let gone: [Gauge] = lock.withLock {
            parts.compactMap { tp in
                guard lagged.remove(tp) != nil else { return nil }
                let key = "dropflow_consumer_lag" + Self.lagDimensions(tp).map { "|\($0.1)" }.joined()
                return gauges.removeValue(forKey: key)
            }
        }
        for g in gone { g.destroy() }
    }

    func lag(_ statistics: KafkaStatistics) {
        let assigned = lock.withLock { lagged }
        for (tp, lag) in statistics.consumerLag where assigned.contains(tp) {
            gauge("dropflow_consumer_lag", Self.lagDimensions(tp)).record(lag)
        }
    }
}
