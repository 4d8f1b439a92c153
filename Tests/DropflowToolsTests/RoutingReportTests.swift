@testable import DropflowReports
import DropflowRouting
import DropflowSimulator
import Testing

/// `dropflow report routing` at a small size: on one simulated world, every outage, strike and
/// surge included, Dropflow's routing delivers more orders on time and in full than each naive
/// policy, at a lower landed cost per order so delivered, and its figures are those of the run.
@Suite struct RoutingReportTests {
    @Test("Dropflow beats every baseline on on-time-in-full and on landed cost per on-time order")
    func beatsTheBaselines() async throws {
        var options = RoutingReport.Options()
        options.orders = 1_500
        options.ordersPerDay = 750
        options.seed = 11
        options.policies = [.dropflow, .fixedCheapest, .firstInStock, .cheapestInStock]
        let rows = await RoutingReport(options: options).run()
        print(RoutingReport.table(rows, currency: "EUR"))
        print(RoutingReport(options: options).notes(rows))
        #expect(rows.map(\.policy) == options.policies)
        #expect(RoutingReport.shortfalls(rows).isEmpty, "\(RoutingReport.shortfalls(rows))")
        for row in rows {
            let s = row.summary
            #expect(s.orders > 1_350 && s.orders == rows[0].summary.orders, "the same legitimate orders for every policy")
            #expect(s.onTimeInFull <= s.inFull && s.inFull <= s.sent && s.sent <= s.orders)
            #expect(s.landedCents > 0 && s.p90Days >= s.meanDays)
            #expect(s.early + s.late + s.insideWindow == s.withWindow)
        }
        let ours = try #require(rows.first { $0.policy == .dropflow })
        #expect(ours.held != nil && ours.summary.sent >= ours.summary.orders - (ours.held ?? 0))
        let fixed = try #require(rows.first { $0.policy == .fixedCheapest })
        #expect(fixed.summary.sent == fixed.summary.orders, "a fixed supplier takes every order")
        #expect(fixed.summary.backorderedLines > ours.summary.backorderedLines, "a fixed supplier oversells")
        // The comparison fails when the figures are the other way round.
        let swapped = [RoutingReport.Row(policy: .dropflow, summary: fixed.summary), RoutingReport.Row(policy: .fixedCheapest, summary: ours.summary)]
        let lost = RoutingReport.shortfalls(swapped)
        #expect(lost.count == 2 && lost.allSatisfy { $0.contains("fixed-cheapest") }, "\(lost)")
    }
}

/// The report's oracle sees the same draws as the run: what it foresees for the plan it picks is
/// what then happens, order by order.
@Suite struct RoutingOracleTests {
    @Test("the oracle's foresight is what the run then delivers")
    func foresight() throws {
        var request = SimulationRequest()
        request.orders = 400
        request.ordersPerDay = 400
        request.seed = 5
        request.scenarios = ["all"]
        let run = Simulation.run(request.config)
        let oracle = RoutingOracle(world: run.world)
        var tally = FulfilmentTally(world: run.world)
        var records = MerchantRun(run: run, merchant: RoutingMerchant(decider: RoutingDecider(), learns: false, reroutes: false, oracle: oracle))
            .makeIterator()
        while let record = records.next() { tally.observe(record) }
        let foreseen = oracle.foreseen
        #expect(foreseen.count > 300)
        var same = 0
        for (id, completion) in foreseen where tally.fates[id]?.completedAt == completion { same += 1 }
        #expect(same == foreseen.count, "\(foreseen.count - same) of \(foreseen.count) orders came otherwise than foreseen")
        #expect(foreseen.values.filter { $0 != nil }.count > 300, "most orders are foreseen delivered in full")
    }
}
