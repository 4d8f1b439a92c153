import DropflowCore
import ArgumentParser
import DropflowKafka
import DropflowLocalBroker
import Foundation
import Logging

/// How a command reaches Kafka: a cluster's bootstrap servers and any
/// librdkafka property, from flags or `DROPFLOW_*` environment variables.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .customLong("bootstrap-servers"),
            help: "Kafka brokers as host:port[,host:port]. Default: $DROPFLOW_BOOTSTRAP_SERVERS, else a local Tansu broker started for this run.")
    var bootstrapServers: String?

    @Option(name: .customLong("kafka-property"), parsing: .singleValue,
            help: ArgumentHelp("Any librdkafka property, e.g. security.protocol=SASL_SSL (repeatable). Also DROPFLOW_KAFKA_<KEY> variables, with _ for dots.", valueName: "key=value"))
    var kafkaProperties: [String] = []

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func logger(_ label: String) -> Logger {
        var l = Logger(label: label)
        l.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        return l
    }

    /// librdkafka properties from the environment, then the flags (which win).
    func properties(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> [String: String] {
        var props: [String: String] = [:]
        for (k, v) in environment where k.hasPrefix("DROPFLOW_KAFKA_") {
            props[k.dropFirst("DROPFLOW_KAFKA_".count).lowercased().replacingOccurrences(of: "_", with: ".")] = v
        }
        for kv in kafkaProperties {
            guard let eq = kv.firstIndex(of: "="), eq != kv.startIndex else {
                throw ValidationError("--kafka-property wants key=value, got \(kv)")
            }
            props[String(kv[..<eq])] = String(kv[kv.index(after: eq)...])
        }
        return props
    }

    /// The cluster to use, starting a local broker when none is configured
    /// (or, with `requireCluster`, using the local broker's default address).
    func connect(logger: Logger, requireCluster: Bool = false) throws -> (KafkaConfiguration, LocalBroker?) {
        var servers = bootstrapServers ?? ProcessInfo.processInfo.environment["DROPFLOW_BOOTSTRAP_SERVERS"]
        if requireCluster && (servers ?? "").isEmpty { servers = "127.0.0.1:9092" }
        var broker: LocalBroker?
        let list: [String]
        if let servers, !servers.isEmpty {
            list = servers.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
        } else {
            let b = try LocalBroker(logger: logger)
            broker = b
            list = b.bootstrapServers
        }
        let config = KafkaConfiguration(bootstrapServers: list, clientID: "dropflow-cli", properties: try properties())
        logger.info("kafka", metadata: ["kafka.bootstrap": "\(list.joined(separator: ","))",
                                        "kafka.properties": "\(KafkaConfiguration.redacted(config.properties))"])
        return (config, broker)
    }
}
