import DropflowCore
import CoreMetrics
import Prometheus

/// The process's Prometheus registry and the swift-metrics factory writing into it.
///
/// The executable calls ``bootstrap()`` once; libraries record through swift-metrics
/// (`Counter(label:dimensions:)` ...) and never touch this type. Tests create an
/// instance with ``init(durationBuckets:)`` and pass ``factory`` explicitly
/// (`Counter(label:dimensions:factory:)`), leaving the global `MetricsSystem` alone.
public final class DropflowMetrics: Sendable {
    /// Histogram buckets for durations: 0.5 ms to 10 s.
    public static let defaultDurationBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5),
        .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
        .seconds(5), .seconds(10),
    ]

    /// Where every metric lives; ``exposition()`` renders it.
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics factory over ``registry``.
    public let factory: DropflowMetricsFactory

    /// A registry and factory of its own; the global `MetricsSystem` is not touched.
    public init(durationBuckets: [Duration] = DropflowMetrics.defaultDurationBuckets) {
        let registry = PrometheusCollectorRegistry()
        var prometheus = PrometheusMetricsFactory(registry: registry)
        prometheus.defaultDurationHistogramBuckets = durationBuckets
        self.registry = registry
        self.factory = DropflowMetricsFactory(prometheus: prometheus)
    }

    private static let shared = Locked<DropflowMetrics?>(nil)

    /// Creates the process's metrics and calls `MetricsSystem.bootstrap` with its factory.
    /// Later calls return the same instance without bootstrapping again. (swift-metrics
    /// traps if something else already bootstrapped `MetricsSystem`.)
    public static func bootstrap() -> DropflowMetrics {
        self.shared.withLock { shared in
            if let shared {
                return shared
            }
            let metrics = DropflowMetrics()
            MetricsSystem.bootstrap(metrics.factory)
            shared = metrics
            return metrics
        }
    }

    /// Every registered metric in the Prometheus text exposition format (0.0.4).
    public func exposition() -> String {
        self.registry.emitToString()
    }
}
