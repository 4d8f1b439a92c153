/// The metrics the stage runtime records: names, kinds, labels and help text, in one place.
///
/// Create them with swift-metrics types (`Counter`, `Gauge`, `Timer`, `Meter`) using these
/// labels and, as dimensions, the label names listed in ``MetricDefinition/labels``, in
/// that order (Prometheus series are keyed by the ordered label list).
/// ``DropflowMetricsFactory`` attaches the help text as a `# HELP` line.
public enum MetricName {
    /// Counter: records consumed from Kafka. Labels: stage, topic.
    public static let messagesIn = "dropflow_messages_in_total"
    /// Counter: records produced to an output topic. Labels: stage, topic.
    public static let messagesOut = "dropflow_messages_out_total"
    /// Counter: records sent to a dead-letter topic. Labels: stage, topic.
    public static let dlq = "dropflow_messages_dlq_total"
    /// Counter: handler retries after a retriable failure. Labels: stage, topic.
    public static let retries = "dropflow_handler_retries_total"
    /// Timer (histogram, seconds): handler run time per record. Labels: stage, topic.
    public static let handlerDuration = "dropflow_handler_duration_seconds"
    /// Gauge: consumer lag in records (high watermark - committed offset). Labels: stage, topic, partition.
    public static let consumerLag = "dropflow_consumer_lag"
    /// Counter: consumer-group rebalances seen. Labels: stage, kind (e.g. assign, revoke).
    public static let rebalances = "dropflow_rebalances_total"
    /// Gauge: records taken from Kafka and not yet committed. Labels: stage.
    public static let inFlight = "dropflow_in_flight_messages"

    /// Every metric above with its kind, labels and help text.
    public static let all: [MetricDefinition] = [
        .init(name: messagesIn, kind: .counter, labels: [MetricLabel.stage, MetricLabel.topic],
              help: "Records consumed from Kafka."),
        .init(name: messagesOut, kind: .counter, labels: [MetricLabel.stage, MetricLabel.topic],
              help: "Records produced to an output topic."),
        .init(name: dlq, kind: .counter, labels: [MetricLabel.stage, MetricLabel.topic],
              help: "Records sent to a dead-letter topic."),
        .init(name: retries, kind: .counter, labels: [MetricLabel.stage, MetricLabel.topic],
              help: "Handler retries after a retriable failure."),
        .init(name: handlerDuration, kind: .timer, labels: [MetricLabel.stage, MetricLabel.topic],
              help: "Handler run time per record, in seconds."),
        .init(name: consumerLag, kind: .gauge, labels: [MetricLabel.stage, MetricLabel.topic, MetricLabel.partition],
              help: "Consumer lag in records (high watermark minus committed offset)."),
        .init(name: rebalances, kind: .counter, labels: [MetricLabel.stage, MetricLabel.kind],
              help: "Consumer-group rebalances seen."),
        .init(name: inFlight, kind: .gauge, labels: [MetricLabel.stage],
              help: "Records taken from Kafka and not yet committed."),
    ]

    private static let byName: [String: MetricDefinition] = Dictionary(
        uniqueKeysWithValues: all.map { ($0.name, $0) }
    )

    /// The definition of a metric named `name`, if it is one of ours.
    public static func definition(named name: String) -> MetricDefinition? {
        self.byName[name]
    }
}

/// Label (dimension) names used by ``MetricName`` metrics.
public enum MetricLabel {
    public static let stage = "stage"
    public static let topic = "topic"
    public static let partition = "partition"
    /// Rebalance kind, e.g. `assign` or `revoke`.
    public static let kind = "kind"
}

/// One metric's name, kind, label names and help text.
public struct MetricDefinition: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// swift-metrics `Counter`; a Prometheus counter.
        case counter
        /// swift-metrics `Gauge` (or `Meter`); a Prometheus gauge.
        case gauge
        /// swift-metrics `Timer`; a Prometheus histogram in seconds.
        case timer
    }

    public let name: String
    public let kind: Kind
    public let labels: [String]
    public let help: String

    public init(name: String, kind: Kind, labels: [String], help: String) {
        self.name = name
        self.kind = kind
        self.labels = labels
        self.help = help
    }
}
