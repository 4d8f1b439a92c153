import ArgumentParser
import DropflowKafka
import DropflowPipeline
import DropflowRuntime

struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Manage Dropflow's topics.",
        subcommands: [Create.self, List.self, Table.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create every contract and internal topic, and their .dlq topics (existing ones are left as they are).",
            discussion: "Topics keyed by order_id must be co-partitioned: give them all the same --partitions."
        )
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Partitions of each topic (default $DROPFLOW_PARTITIONS, else 6).") var partitions: Int32?
        @Option(help: "Replication factor (-1: the broker's default).") var replicationFactor: Int32 = -1
        @Option(help: "Prefix of every topic name (default $DROPFLOW_TOPIC_PREFIX, else dropflow.).") var topicPrefix: String?

        func run() async throws {
            let logger = connection.logger("dropflow.topics")
            let cluster = try connection.open(logger, requireCluster: true)
            defer { cluster.close() }
            let specs = TopicSetup.specs(Topology.all + [PassthroughStage.input, PassthroughStage.output],
                                         prefix: topicPrefix ?? environment("TOPIC_PREFIX") ?? "dropflow.",
                                         partitions: partitions ?? Int32(environment("PARTITIONS") ?? "") ?? 6,
                                         replicationFactor: replicationFactor)
            let admin = try KafkaAdmin(configuration: cluster.kafka, logger: logger)
            let created = try await admin.createTopics(specs)
            await admin.close()
            for spec in specs { print("\(created.contains(spec.name) ? "created" : "exists ") \(spec.name)") }
            print("\(created.count) created, \(specs.count - created.count) already there")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the cluster's topics with their partition counts.")
        @OptionGroup var connection: ConnectionOptions
        func run() async throws {
            let logger = connection.logger("dropflow.topics")
            let cluster = try connection.open(logger, requireCluster: true)
            defer { cluster.close() }
            let admin = try KafkaAdmin(configuration: cluster.kafka, logger: logger)
            for t in try await admin.listTopics() { print("\(t.name)\t\(t.partitionCount)") }
            await admin.close()
        }
    }

    struct Table: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the table of the pipeline's own topics (docs/topics.md) from their declarations.")
        func run() { print(Topology.documentationTable, terminator: "") }
    }
}
