import DropflowCore
import Metrics
import Testing
@testable import DropflowObservability

@Suite struct MetricsTests {
    @Test func counterGaugeAndTimerAppearWithValuesLabelsAndHelp() {
        let metrics = DropflowMetrics()
        let partition = [("stage", "validate"), ("topic", "orders.v1"), ("partition", "0")]

        let counter = Counter(label: MetricName.messagesIn, dimensions: [("stage", "validate"), ("topic", "orders.v1")], factory: metrics.factory)
        counter.increment(by: 3)
        counter.increment()

        let lag = Gauge(label: MetricName.consumerLag, dimensions: partition, factory: metrics.factory)
        lag.record(42)

        let timer = Metrics.Timer(label: MetricName.handlerDuration, dimensions: [("stage", "validate"), ("topic", "orders.v1")], factory: metrics.factory)
        timer.recordNanoseconds(700_000)  // 0.7 ms
        timer.recordMilliseconds(3)
        timer.recordMilliseconds(200)

        let text = metrics.exposition()
        let lines = Set(text.split(separator: "\n").map(String.init))

        #expect(lines.contains("# HELP dropflow_messages_in_total Records consumed from Kafka."))
        #expect(lines.contains("# TYPE dropflow_messages_in_total counter"))
        #expect(lines.contains(#"dropflow_messages_in_total{stage="validate",topic="orders.v1"} 4"#))

        #expect(lines.contains("# TYPE dropflow_consumer_lag gauge"))
        #expect(lines.contains(#"dropflow_consumer_lag{stage="validate",topic="orders.v1",partition="0"} 42.0"#))

        #expect(lines.contains("# TYPE dropflow_handler_duration_seconds histogram"))
        #expect(lines.contains(#"dropflow_handler_duration_seconds_bucket{stage="validate",topic="orders.v1",le="0.0005"} 0"#))
        #expect(lines.contains(#"dropflow_handler_duration_seconds_bucket{stage="validate",topic="orders.v1",le="0.001"} 1"#))
        #expect(lines.contains(#"dropflow_handler_duration_seconds_bucket{stage="validate",topic="orders.v1",le="0.005"} 2"#))
        #expect(lines.contains(#"dropflow_handler_duration_seconds_bucket{stage="validate",topic="orders.v1",le="0.1"} 2"#))
        #expect(lines.contains(#"dropflow_handler_duration_seconds_bucket{stage="validate",topic="orders.v1",le="0.25"} 3"#))
        #expect(lines.contains(#"dropflow_handler_duration_seconds_bucket{stage="validate",topic="orders.v1",le="10.0"} 3"#))
        #expect(lines.contains(#"dropflow_handler_duration_seconds_bucket{stage="validate",topic="orders.v1",le="+Inf"} 3"#))
        #expect(lines.contains(#"dropflow_handler_duration_seconds_count{stage="validate",topic="orders.v1"} 3"#))
        #expect(lines.contains(#"dropflow_handler_duration_seconds_sum{stage="validate",topic="orders.v1"} 0.2037"#))
    }

    @Test func durationBucketsSpanHalfAMillisecondToTenSeconds() {
        #expect(DropflowMetrics.defaultDurationBuckets.first == .microseconds(500))
        #expect(DropflowMetrics.defaultDurationBuckets.last == .seconds(10))
        #expect(DropflowMetrics.defaultDurationBuckets == DropflowMetrics.defaultDurationBuckets.sorted())
        #expect(DropflowMetrics().factory.prometheus.defaultDurationHistogramBuckets == DropflowMetrics.defaultDurationBuckets)
    }

    @Test func instancesDoNotShareState() {
        let first = DropflowMetrics()
        let second = DropflowMetrics()
        Counter(label: MetricName.rebalances, dimensions: [("stage", "a")], factory: first.factory).increment()
        #expect(first.exposition().contains(#"dropflow_rebalances_total{stage="a"} 1"#))
        #expect(!second.exposition().contains("dropflow_rebalances_total"))
    }

    @Test func everyCatalogueMetricRegistersAsItsKind() {
        let metrics = DropflowMetrics()
        for definition in MetricName.all {
            let dimensions = definition.labels.map { ($0, "x") }
            switch definition.kind {
            case .counter:
                Counter(label: definition.name, dimensions: dimensions, factory: metrics.factory).increment()
            case .gauge:
                Gauge(label: definition.name, dimensions: dimensions, factory: metrics.factory).record(1)
            case .timer:
                Metrics.Timer(label: definition.name, dimensions: dimensions, factory: metrics.factory).recordSeconds(1)
            }
        }
        let text = metrics.exposition()
        for definition in MetricName.all {
            let type = definition.kind == .timer ? "histogram" : definition.kind.rawValue
            #expect(text.contains("# TYPE \(definition.name) \(type)\n"), "\(definition.name)")
            #expect(text.contains("# HELP \(definition.name) \(definition.help)\n"), "\(definition.name)")
        }
        #expect(MetricName.all.count == 8)
        #expect(Set(MetricName.all.map(\.name)).count == MetricName.all.count)
        #expect(MetricName.definition(named: MetricName.dlq)?.labels == ["stage", "topic"])
    }

    @Test func otherMetricsGoThroughThePrometheusFactoryWithoutHelp() {
        let metrics = DropflowMetrics()
        Counter(label: "custom_things_total", dimensions: [("kind", "a")], factory: metrics.factory).increment(by: 2)
        Meter(label: "custom_level", factory: metrics.factory).set(1.5)
        let text = metrics.exposition()
        #expect(text.contains(#"custom_things_total{kind="a"} 2"#))
        #expect(text.contains("custom_level 1.5"))
        #expect(!text.contains("# HELP custom_things_total"))
    }
}
