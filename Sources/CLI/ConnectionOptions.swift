import ArgumentParser
import DropflowLocalBroker
import Logging

/// How a command reaches Kafka: a cluster's bootstrap servers and any librdkafka property,
/// from flags or `DROPFLOW_*` environment variables.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("bootstrap-servers"),
            help: "Kafka brokers as host:port[,host:port]. Default: $DROPFLOW_BOOTSTRAP_SERVERS, else a local Tansu broker started for this run.")
    var bootstrapServers: String?

    @Option(name: .customLong("kafka-property"), parsing: .singleValue,
            help: ArgumentHelp("Any librdkafka property, e.g. security.protocol=SASL_SSL (repeatable). Also DROPFLOW_KAFKA_<KEY> variables, with _ for dots.", valueName: "key=value"))
    var kafkaProperties: [String] = []

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func logger(_ label: String, atLeast floor: Logger.Level = .trace) -> Logger {
        var l = Logger(label: label)
        l.logLevel = max(Logger.Level(rawValue: logLevel) ?? .info, floor)
        return l
    }

    /// The cluster named, else a local broker started for the run (with `requireCluster`, the
    /// default address instead).
    func open(_ logger: Logger, requireCluster: Bool = false) throws -> ClusterConnection {
        try ClusterConnection(bootstrapServers: bootstrapServers, kafkaProperties: kafkaProperties, requireCluster: requireCluster,
                              logger: logger)
    }
}
