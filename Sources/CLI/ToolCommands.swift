import ArgumentParser
import DropflowBench
import DropflowDemo
import Foundation

/// `DROPFLOW_<NAME>` from the environment, when set and not empty.
func environment(_ name: String) -> String? {
    let v = ProcessInfo.processInfo.environment["DROPFLOW_\(name)"]
    return v?.isEmpty == false ? v : nil
}

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the pipeline end to end on a local broker against the simulated world, and score it against the truth.",
        discussion: """
        Starts a local Tansu broker (unless --bootstrap-servers is given), creates the topics,
        runs an intake, a fraud and a routing worker, and lets the simulated storefront place
        --orders orders (all scenarios, fraud ring included) at --rate per second, while the
        simulated suppliers publish their offers, statuses and carrier rates and answer the
        purchase orders from their true stock. A simulated reviewer works the review queue
        (right --reviewer-accuracy of the time). At the end it prints where every order ended,
        how much fraud was caught and missed against the simulator's truth, how the approved
        orders were routed (held, split, re-routed, the suppliers' answers), and a few
        decisions of each stage with their explanations.
        """
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Orders the storefront places.") var orders: Int = 2_000
    @Option(help: "Orders per wall-clock second.") var rate: Double = 200
    @Option(help: "Seeds the world.") var seed: UInt64 = 42
    @Option(help: "Share of the reviewer's verdicts that match the truth.") var reviewerAccuracy: Double = 0.95
    @Option(help: "Partitions of each topic.") var partitions: Int32 = 3

    func run() async throws {
        let logger = connection.logger("dropflow.demo", atLeast: .warning)
        let cluster = try connection.open(logger)
        defer { cluster.close() }
        var options = Demo.Options()
        options.orders = orders
        options.rate = rate
        options.seed = seed
        options.reviewerAccuracy = reviewerAccuracy
        options.partitions = partitions
        let demo = Demo(options: options, kafka: cluster.kafka, prefix: Demo.prefix(ownBroker: cluster.broker != nil), logger: logger)
        print(try await demo.run().text)
    }
}

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the Kafka layer's produce and consume rates next to kcat's on the same broker.",
        discussion: """
        Prints messages/s for the Swift wrapper and for kcat (librdkafka's C client tool)
        producing and consuming the same number of same-sized messages, so the Swift layer's
        overhead is visible. Asserts nothing about speed. Without --bootstrap-servers it
        starts a local Tansu broker; a fresh one per run keeps its memory small.
        """
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Messages per measurement.") var messages: Int = 200_000
    @Option(help: "Value size in bytes.") var size: Int = 200
    @Option(help: "Path of kcat (skipped when absent).") var kcat: String = "kcat"

    func run() async throws {
        let logger = connection.logger("dropflow.bench", atLeast: .warning)
        let cluster = try connection.open(logger)
        defer { cluster.close() }
        var options = KafkaBench.Options()
        options.messages = messages
        options.size = size
        options.kcat = kcat
        let rows = try await KafkaBench(options: options, kafka: cluster.kafka, logger: logger).run()
        print("")
        print(KafkaBench.table(rows, messages: messages))
    }
}

struct ChainBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-chain",
        abstract: "Measure a chain of passthrough workers end to end, next to a chain of raw librdkafka relays.",
        discussion: """
        Starts --stages `dropflow worker passthrough` processes in a chain (chain.0 → chain.1 \
        → … → chain.<stages>), feeds N orders like the contract's example into chain.0 at full \
        speed and reads the last topic, timing each order from send to receipt. Then does the \
        same with --stages copies of the C relay (bench/relay.c) on fresh topics, so the \
        runtime's overhead over raw librdkafka is visible. Prints figures; asserts nothing \
        about speed. Without --bootstrap-servers it starts a local Tansu broker for the run.
        """
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Orders to send through each chain.") var orders: Int = 20_000
    @Option(help: "Workers (and relays) in the chain.") var stages: Int = 5
    @Option(help: "Partitions of every topic of the chain.") var partitions: Int = 4
    @Option(help: "Path of the compiled C relay (bench/relay.c); the comparison is skipped when absent.") var relay: String?
    @Option(help: "Seconds to wait for the last order before reporting what arrived.") var timeout: Double = 120

    func validate() throws {
        guard orders > 0, stages > 0, partitions > 0 else { throw ValidationError("--orders, --stages and --partitions must be positive") }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func run() async throws {
        let logger = connection.logger("dropflow.bench-chain", atLeast: .warning)
        let cluster = try connection.open(logger)
        // Children and broker go on every exit: return, throw, or a signal to this process.
        let children = ChildGroup()
        children.broker = cluster.broker
        children.handleSignals("bench-chain")
        defer { children.stopAll(); cluster.close() }
        var options = ChainBench.Options()
        options.orders = orders
        options.stages = stages
        options.partitions = partitions
        options.relay = relay
        options.timeout = .seconds(fractional: timeout)
        options.kafkaProperties = connection.kafkaProperties
        let rows = try await ChainBench(options: options, kafka: cluster.kafka, logger: logger).run(children: children)
        print("")
        print(ChainBench.table(rows, orders: orders))
        if rows.contains(where: { $0.received < orders }) { throw ExitCode.failure }
    }
}

struct RoundTripCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roundtrip",
        abstract: "Send orders like the contract's example through Kafka and read them back, visibly.",
        discussion: """
        Creates a topic, sends N keyed orders with CloudEvents headers, reads them back as a
        consumer group and checks every byte. Without --bootstrap-servers it starts a local
        Tansu broker for the run and stops it afterwards.
        """
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "How many orders to send.") var orders: Int = 5
    @Option(help: "Topic prefix of the deployment.") var topicPrefix: String = "dropflow."

    func run() async throws {
        let logger = connection.logger("dropflow.roundtrip")
        let cluster = try connection.open(logger)
        defer { cluster.close() }
        var roundTrip = RoundTrip(kafka: cluster.kafka, logger: logger)
        roundTrip.orders = orders
        roundTrip.topicPrefix = topicPrefix
        let outcome = try await roundTrip.run()
        guard outcome.received == orders, outcome.mismatches == 0 else { throw ExitCode.failure }
    }
}
