import ArgumentParser
import DropflowLocalBroker
import Logging

struct BrokerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run a local Tansu broker in the foreground (Ctrl-C stops it).",
        discussion: """
        Tansu is an Apache-2.0, Kafka-compatible broker; this one keeps everything in memory,
        so a restart starts empty. scripts/setup.sh installs it. Clients connect to
        127.0.0.1:PORT, e.g. `dropflow roundtrip --bootstrap-servers 127.0.0.1:9092`.
        """
    )

    @Option(help: "Loopback port to listen on.")
    var port: Int = 9092

    @Option(help: "Path of the tansu binary (default: $DROPFLOW_TANSU, PATH, then where scripts/setup.sh installs it).")
    var tansu: String?

    func run() throws {
        var logger = Logger(label: "dropflow.broker")
        logger.logLevel = .info
        try LocalBroker.runInForeground(port: port, binary: tansu, logger: logger)
    }
}
