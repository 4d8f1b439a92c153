import DropflowCore
import CRdKafka
import Foundation
import Logging

/// librdkafka's in-process mock cluster, for fast tests and fault injection
/// (request errors, brokers going down, latency). It is not a real broker:
/// it keeps a few MiB per partition and lives in this process only.
public final class KafkaMockCluster: @unchecked Sendable {
    /// Kafka protocol requests whose answers can be made to fail.
    public enum Request: Int16, Sendable {
        case produce = 0, fetch = 1, listOffsets = 2, metadata = 3, offsetCommit = 8, offsetFetch = 9
        case findCoordinator = 10, joinGroup = 11, heartbeat = 12, syncGroup = 14, initProducerID = 22
    }

    private let client: RDKafkaClient
    private let cluster: OpaquePointer
    /// `host:port` list to give clients.
    public let bootstrapServers: [String]

    public init(brokers: Int = 3, logger: Logger = Logger(label: "dropflow.kafka.mock")) throws(KafkaError) {
        // A bare handle hosts the cluster; clients connect to it over loopback.
        client = try RDKafkaClient(kind: .producer, properties: ["client.id": "dropflow-mock-host"], logger: logger)
        guard let c = rd_kafka_mock_cluster_new(client.handle, Int32(brokers)) else {
            throw KafkaError.client("cannot create the mock cluster", code: RD_KAFKA_RESP_ERR__FAIL)
        }
        cluster = c
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(c)).split(separator: ",").map(String.init)
    }

    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws(KafkaError) {
        let err = rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, message: "mock topic \(name)") }
    }

    /// The next `errors.count` requests of this kind fail with these codes, in order.
    public func failNext(_ request: Request, with errors: [Int32]) {
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0) }
        codes.withUnsafeBufferPointer { buf in
            rd_kafka_mock_push_request_errors_array(cluster, request.rawValue, buf.count, buf.baseAddress)
        }
    }

    /// The broker stops answering and drops its connections.
    public func setBrokerDown(_ id: Int32) throws(KafkaError) {
        let err = rd_kafka_mock_broker_set_down(cluster, id)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
    }

    public func setBrokerUp(_ id: Int32) throws(KafkaError) {
        let err = rd_kafka_mock_broker_set_up(cluster, id)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
    }

    /// Adds this round-trip time to every answer of the broker.
    public func setBrokerLatency(_ id: Int32, _ latency: Duration) throws(KafkaError) {
        let err = rd_kafka_mock_broker_set_rtt(cluster, id, Int32(clamping: latency.milliseconds))
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err) }
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        client.destroy()
    }
}
