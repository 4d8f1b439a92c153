import DropflowCore
import ArgumentParser
import DropflowLocalBroker
import Foundation
import Logging

struct BrokerCommand: AsyncParsableCommand {
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

    func run() async throws {
        var logger = Logger(label: "dropflow.broker")
        logger.logLevel = .info
        let broker = try LocalBroker(port: port, binary: tansu, logger: logger, echoOutput: true)
        print("Tansu is listening on 127.0.0.1:\(port); press Ctrl-C to stop.")
        // Stop the broker when we are told to stop.
        let signals = [SIGINT, SIGTERM].map { sig -> DispatchSourceSignal in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { broker.stop(); Foundation.exit(0) }
            source.resume()
            return source
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async { broker.waitUntilExit(); c.resume() }
        }
        _ = signals
        throw ExitCode(1)
    }
}
