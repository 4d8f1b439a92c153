import DropflowKafka
import Foundation
import Logging

/// How a command reaches Kafka: the cluster's bootstrap servers and any librdkafka property,
/// or, when no cluster is named, a local Tansu broker started for the run.
public final class ClusterConnection: @unchecked Sendable {
    public let kafka: KafkaConfiguration
    /// The local broker started for this run, if any; stopped by ``close()``.
    public let broker: LocalBroker?

    /// The variable that names the cluster when no flag does.
    public static let bootstrapVariable = "DROPFLOW_BOOTSTRAP_SERVERS"
    /// The variables librdkafka properties are read from: `DROPFLOW_KAFKA_<KEY>`.
    public static let propertyPrefix = "DROPFLOW_KAFKA_"
    /// Where a cluster is looked for when a command needs one and none is named.
    public static let defaultBootstrapServers = "127.0.0.1:9092"

    /// Connects: `bootstrapServers`, else `$DROPFLOW_BOOTSTRAP_SERVERS`, else (with
    /// `requireCluster`) the default address, else a local broker started now. Properties come
    /// from `DROPFLOW_KAFKA_*` variables, then `kafkaProperties` (`key=value`), which win.
    public init(bootstrapServers: String?, kafkaProperties: [String], requireCluster: Bool = false,
                clientID: String = "dropflow-cli", environment: [String: String] = ProcessInfo.processInfo.environment,
                logger: Logger) throws {
        var servers = bootstrapServers ?? environment[Self.bootstrapVariable]
        if requireCluster && (servers ?? "").isEmpty { servers = Self.defaultBootstrapServers }
        let list: [String]
        if let servers, !servers.isEmpty {
            list = servers.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            broker = nil
        } else {
            let b = try LocalBroker(logger: logger)
            broker = b
            list = b.bootstrapServers
        }
        let properties = try KafkaConfiguration.properties(environment: environment, prefix: Self.propertyPrefix, pairs: kafkaProperties)
        kafka = KafkaConfiguration(bootstrapServers: list, clientID: clientID, properties: properties)
        logger.info("kafka", metadata: ["kafka.bootstrap": "\(list.joined(separator: ","))",
                                        "kafka.properties": "\(KafkaConfiguration.redacted(properties))"])
    }

    /// Stops the local broker, if this run started one.
    public func close() { broker?.stop() }
}
