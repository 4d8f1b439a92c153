import ArgumentParser

@main
struct Dropflow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dropflow",
        abstract: "Dropflow: a Kafka-native fulfillment pipeline for dropshipping merchants.",
        discussion: """
        Every stage of the pipeline is a worker on Kafka: `dropflow worker <stage>` runs
        one. `dropflow demo` runs the pipeline end to end against the simulated world,
        `dropflow topics create` prepares a cluster, `dropflow broker` runs a local broker,
        `dropflow roundtrip` sends orders through Kafka visibly, and `dropflow bench` and
        `dropflow bench-chain` measure the Kafka layer and the runtime.
        """,
        subcommands: [DemoCommand.self, WorkerCommand.self, SimulateCommand.self, TrainCommand.self, ReportCommand.self, TopicsCommand.self,
                      BrokerCommand.self, RoundTripCommand.self, BenchCommand.self, ChainBenchCommand.self]
    )
}
