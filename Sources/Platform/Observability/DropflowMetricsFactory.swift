import CoreMetrics
import Prometheus

/// A swift-metrics factory over a `PrometheusMetricsFactory` that also registers the
/// help text of ``MetricName`` metrics, so they are exposed with a `# HELP` line.
/// Any other label is handed to the Prometheus factory unchanged.
public struct DropflowMetricsFactory: MetricsFactory, Sendable {
    /// The wrapped factory (its registry, buckets and name sanitizer are used).
    public let prometheus: PrometheusMetricsFactory

    public init(prometheus: PrometheusMetricsFactory) {
        self.prometheus = prometheus
    }

    private var registry: PrometheusCollectorRegistry { self.prometheus.registry }

    private func descriptor(_ label: String) -> MetricNameDescriptor? {
        MetricName.definition(named: label).map {
            MetricNameDescriptor(metricName: $0.name, unitName: "", helpText: $0.help)
        }
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        guard let descriptor = self.descriptor(label) else {
            return self.prometheus.makeCounter(label: label, dimensions: dimensions)
        }
        return self.registry.makeCounter(descriptor: descriptor, labels: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        guard let descriptor = self.descriptor(label) else {
            return self.prometheus.makeFloatingPointCounter(label: label, dimensions: dimensions)
        }
        return self.registry.makeCounter(descriptor: descriptor, labels: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard let descriptor = self.descriptor(label) else {
            return self.prometheus.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
        }
        guard aggregate else {
            return self.registry.makeGauge(descriptor: descriptor, labels: dimensions)
        }
        let buckets = self.prometheus.valueHistogramBuckets[label] ?? self.prometheus.defaultValueHistogramBuckets
        return self.registry.makeValueHistogram(descriptor: descriptor, labels: dimensions, buckets: buckets)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        guard let descriptor = self.descriptor(label) else {
            return self.prometheus.makeMeter(label: label, dimensions: dimensions)
        }
        return self.registry.makeGauge(descriptor: descriptor, labels: dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        guard let descriptor = self.descriptor(label) else {
            return self.prometheus.makeTimer(label: label, dimensions: dimensions)
        }
        let buckets = self.prometheus.durationHistogramBuckets[label] ?? self.prometheus.defaultDurationHistogramBuckets
        return self.registry.makeDurationHistogram(descriptor: descriptor, labels: dimensions, buckets: buckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) {
        self.prometheus.destroyCounter(handler)
    }

    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        self.prometheus.destroyFloatingPointCounter(handler)
    }

    public func destroyRecorder(_ handler: any RecorderHandler) {
        self.prometheus.destroyRecorder(handler)
    }

    public func destroyMeter(_ handler: any MeterHandler) {
        self.prometheus.destroyMeter(handler)
    }

    public func destroyTimer(_ handler: any TimerHandler) {
        self.prometheus.destroyTimer(handler)
    }
}
