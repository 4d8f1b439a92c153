import CoreMetrics
import DropflowKafka
import Foundation

/// The runtime's metrics, through swift-metrics (whatever backend the
/// executable bootstrapped; Prometheus in `dropflow worker`).
struct WorkerMetrics: Sendable {
    let stage: String

    func messageIn(_ topic: String) { Counter(label: "dropflow_messages_in_total", dimensions: [("stage", stage), ("topic", topic)]).increment() }
    func messageOut(_ topic: String) { Counter(label: "dropflow_messages_out_total", dimensions: [("stage", stage), ("topic", topic)]).increment() }
    func deadLettered(_ topic: String) { Counter(label: "dropflow_messages_dlq_total", dimensions: [("stage", stage), ("topic", topic)]).increment() }
    func retried(_ topic: String) { Counter(label: "dropflow_handler_retries_total", dimensions: [("stage", stage), ("topic", topic)]).increment() }
    func rebalanced(_ kind: String) { Counter(label: "dropflow_rebalances_total", dimensions: [("stage", stage), ("kind", kind)]).increment() }
    func handlerDuration(_ topic: String, _ d: Duration) {
        Timer(label: "dropflow_handler_duration_seconds", dimensions: [("stage", stage), ("topic", topic)]).recordNanoseconds(d.nanoseconds)
    }
    func inFlight(_ n: Int) { Gauge(label: "dropflow_in_flight_messages", dimensions: [("stage", stage)]).record(n) }
    func lag(_ statistics: KafkaStatistics) {
        for (tp, lag) in statistics.consumerLag {
            Gauge(label: "dropflow_consumer_lag", dimensions: [("stage", stage), ("topic", tp.topic), ("partition", String(tp.partition))]).record(lag)
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (s, atto) = components
        return s * 1_000_000_000 + atto / 1_000_000_000
    }
}
