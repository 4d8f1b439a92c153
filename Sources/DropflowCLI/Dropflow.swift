import ArgumentParser

@main
struct Dropflow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dropflow",
        abstract: "Dropflow: a Kafka-native fulfillment pipeline for dropshipping merchants.",
        discussion: """
        Every stage of the pipeline is a worker on Kafka. Until the stages exist, this
        command runs the local broker, a visible round trip through it, and the Kafka
        layer's benchmark.
        """,
        subcommands: [RoundTripCommand.self, BrokerCommand.self, BenchCommand.self]
    )
}
