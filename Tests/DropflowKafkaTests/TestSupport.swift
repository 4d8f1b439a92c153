import DropflowKafkaTesting
import Testing

/// Each Kafka-layer test runs on both backends: librdkafka's mock cluster and a real Tansu broker.
typealias Backend = TestCluster.Backend

extension TestCluster.Backend: CustomTestStringConvertible {
    public var testDescription: String { rawValue }
}
