import ArgumentParser
import DropflowReports
import Foundation

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Judge a stage's decisions against the simulated world's truth.",
        subcommands: [RoutingReportCommand.self]
    )
}

struct RoutingReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routing",
        abstract: "Route one simulated world with Dropflow and with naive policies, and compare what happened, from the truth.",
        discussion: """
        Every policy routes the same world (orders, feeds, true stock, the same handling and \
        transit for the same purchase order on the same lane); suppliers answer from their true \
        stock and parcels travel their lane's true transit. Policies: dropflow (the routing \
        stage's decision), fixed-cheapest (each SKU from its cheapest supplier, always), \
        first-in-stock (the first supplier whose feed states enough units), cheapest-in-stock \
        (the cheapest such supplier). Fraudulent orders are left out. Prints, per policy: on \
        time in full against the storefront's promise (economy 16, standard 9, express 5 days), \
        delivered in full, mean and p90 delivery days, landed cost per order, backordered \
        lines, the share of orders delivered inside their promised window and its mean width, \
        and the landed cost per order delivered on time in full. Exits 1 when Dropflow does not \
        beat every other policy on on-time-in-full and on landed cost per on-time order.
        """
    )

    @Option(help: "Orders the storefront places.") var orders: Int = 20_000
    @Option(help: "Orders per simulated day.") var ordersPerDay: Double = 2_000
    @Option(help: "Seeds the world.") var seed: UInt64 = 7
    @Option(help: "Scenarios (normal, surge, outage, strike, fraud-ring, all), comma-separated.") var scenarios: String = "all"
    @Option(help: "Policies to run, comma-separated.") var policies: String = RoutingReport.Policy.allCases.map(\.rawValue).joined(separator: ",")

    func validate() throws {
        guard orders > 0, ordersPerDay > 0 else { throw ValidationError("--orders and --orders-per-day must be positive") }
        for name in policies.split(separator: ",") where RoutingReport.Policy(rawValue: String(name)) == nil {
            throw ValidationError("unknown policy \(name); known: \(RoutingReport.Policy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        var options = RoutingReport.Options()
        options.orders = orders
        options.ordersPerDay = ordersPerDay
        options.seed = seed
        options.scenarios = scenarios.split(separator: ",").map(String.init)
        options.policies = policies.split(separator: ",").compactMap { RoutingReport.Policy(rawValue: String($0)) }
        if let problem = options.problem { throw ValidationError(problem) }
        let report = RoutingReport(options: options)
        let rows = await report.run()
        print(RoutingReport.table(rows, currency: options.simulation.currency))
        print("")
        print(report.notes(rows))
        let shortfalls = RoutingReport.shortfalls(rows)
        if rows.contains(where: { $0.policy == .dropflow }) && rows.count > 1 {
            print("")
            print(shortfalls.isEmpty ? "dropflow beats every other policy on on-time-in-full and on landed cost per on-time order"
                                     : "dropflow falls short: " + shortfalls.joined(separator: "; "))
            if !shortfalls.isEmpty { throw ExitCode(1) }
        }
    }
}
