import ArgumentParser
import DropflowContract
import DropflowSimulator
import DropflowSimulatorLive
import Foundation

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate the world around the pipeline: storefront, customers, fraudsters, suppliers and carriers.",
        discussion: """
        With --output FILE it writes the world's messages as JSON Lines, one object per line:
        {"at", "key", "topic", "truth", "value"} (value is what Kafka would carry; truth is the
        ground truth, never sent). With --bootstrap-servers it publishes to a broker at a rate
        and answers the pipeline's purchase orders as they come (supplier updates, carrier
        tracking, customers' questions and returns). Same --seed and options, same output.

        The world publishes carrier.rates (every lane but a few, at the start; a few price
        changes), supplier.offers (with unit_weight_grams) and supplier.status beside the
        orders. Suppliers answer purchase orders from their true stock and honour
        action: cancel until the lines ship.

        The truth summary (--truth; by default next to --output) holds the run, every supplier's
        true behaviour, the carriers' rates (lanes without a rate, lanes quoting another
        currency) and each lane's true transit and customs, each scenario as resolved, and one
        line per order with its fraud label.

        Scenarios (repeatable, they compose): normal, surge, outage, strike, fraud-ring, all.
        They are placed within the run's span (orders ÷ orders per day).
        """
    )

    @Option(help: "Orders to place (the run ends with the last one).") var orders: Int = 1_000
    @Option(help: "Seeds the whole world.") var seed: UInt64 = 1
    @Option(name: .customLong("scenario"), help: "normal, surge, outage, strike, fraud-ring or all (repeatable).")
    var scenarios: [String] = ["normal"]
    @Option(help: "Orders per simulated day at base rate.") var ordersPerDay: Double = 5_000
    @Option(help: "Share of fraudulent orders (0–1), fraud rings aside.") var fraudRate: Double = 0.03
    @Option(help: "Order-rate multiple during a promotion surge.") var surgeMultiple: Double = 3
    @Option(help: "Write the world's messages here as JSON Lines (file mode).") var output: String?
    @Option(help: "Write the truth summary here. Default: beside --output, as <name>.truth.jsonl.") var truth: String?
    @Flag(help: "File mode: a naive merchant also routes every order, so the file holds whole lifecycles (purchase orders, supplier answers, parcels, questions, returns).")
    var lifecycle = false
    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Live mode: average orders per wall-clock second.") var rate: Double = 50
    @Option(help: "Live mode: simulated seconds per wall second (overrides the one --rate implies).") var timeScale: Double?
    @Option(help: "Live mode: stop once the pipeline sent no purchase order for this many seconds after the last order.")
    var quietSeconds: Double = 10
    @Flag(help: "Live mode: publish only; do not answer purchase orders.") var noAnswers = false
    @Option(help: "Topic prefix of the deployment.") var topicPrefix: String = Contract.defaultPrefix

    var request: SimulationRequest {
        var r = SimulationRequest()
        r.orders = orders
        r.seed = seed
        r.scenarios = scenarios
        r.ordersPerDay = ordersPerDay
        r.fraudRate = fraudRate
        r.surgeMultiple = surgeMultiple
        return r
    }

    func validate() throws {
        if let problem = request.problem { throw ValidationError(problem) }
        guard rate > 0 else { throw ValidationError("--rate must be positive") }
        if output == nil && connection.bootstrapServers == nil && environment("BOOTSTRAP_SERVERS") == nil {
            throw ValidationError("say where the world goes: --output FILE, or --bootstrap-servers HOST:PORT for a live run")
        }
        if lifecycle && output == nil { throw ValidationError("--lifecycle is for file mode (--output)") }
    }

    func run() async throws {
        let run = Simulation.run(request.config)
        let truthPath = truth ?? output.map(SimulationRequest.truthPath(beside:))
        if let output, connection.bootstrapServers == nil {
            let start = ContinuousClock.now
            let summary = lifecycle
                ? try SimulationWriter.write(FulfilledRun(run: run), worldTruth: run.worldTruth, to: output, truthTo: truthPath)
                : try SimulationWriter.write(run, to: output, truthTo: truthPath)
            print(summary.report(output: output, truthPath: truthPath, seconds: (ContinuousClock.now - start).inSeconds))
            return
        }
        let logger = connection.logger("dropflow.simulate")
        let cluster = try connection.open(logger, requireCluster: true)
        defer { cluster.close() }
        var options = LiveSimulationOptions()
        options.topicPrefix = topicPrefix
        options.ordersPerSecond = rate
        options.timeScale = timeScale
        options.quiet = .seconds(fractional: quietSeconds)
        options.answerPurchaseOrders = !noAnswers
        let live = LiveSimulation(run: run, kafka: cluster.kafka, options: options, logger: logger)
        print(try await live.run(recordsTo: output, truthTo: truthPath))
    }
}
