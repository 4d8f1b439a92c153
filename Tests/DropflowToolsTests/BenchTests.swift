import DropflowContract
import DropflowCore
import DropflowKafkaTesting
import DropflowRuntimeTesting
import Foundation
import Testing
@testable import DropflowBench

/// The benchmarks measure what they say: latencies through an HdrHistogram, the example order
/// the contract gives, and chains of real worker processes that are stopped afterwards.
/// (Figures are printed, never asserted.)
@Suite(.serialized) struct BenchTests {
    @Test func latencyPercentilesComeFromTheHistogram() {
        var r = LatencyRecorder()
        #expect(r.summary.p50.isNaN, "nothing recorded yet")
        for ms in 1...1_000 { r.record(nanoseconds: UInt64(ms) * 1_000_000) }
        let s = r.summary
        #expect(r.count == 1_000)
        #expect(abs(s.p50 - 500) <= 0.5 && abs(s.p99 - 990) <= 1 && abs(s.max - 1_000) <= 1, "\(s)")
    }

    @Test func theExampleOrderIsTheContractsUnderAnotherID() throws {
        let order = try OrderPlaced(bytes: ExampleOrder.bytes(orderID: "ord-bench-7"))
        var expected = OrderPlaced.example
        expected.orderID = "ord-bench-7"
        #expect(order == expected)
        #expect(order.violations().isEmpty)
    }

    @Test func tablesLineUp() {
        var swift = ChainBench.Row(name: "Swift runtime (dropflow worker)")
        swift.received = 10; swift.elapsed = 2; swift.throughput = 5
        swift.latency = LatencySummary(p50: 10, p99: 20, max: 30)
        var c = ChainBench.Row(name: "raw librdkafka (C relay)")
        c.received = 8; c.elapsed = 1; c.throughput = 10
        c.latency = LatencySummary(p50: 5, p99: 10, max: 15)
        let lines = ChainBench.table([swift, c], orders: 10).split(separator: "\n")
        #expect(lines.count == 4)
        #expect(Set(lines.map(\.count)).count <= 2, "columns line up")
        #expect(lines[2].contains("8/10"), "a chain that lost orders says how many arrived")
        #expect(lines[3].contains("0.50x") && lines[3].contains("2.00x"))
    }

    @Test(.timeLimit(.minutes(3))) func aShortChainOfWorkerProcessesCarriesEveryOrder() async throws {
        let cluster = try TestCluster()
        var options = ChainBench.Options()
        options.orders = 300
        options.stages = 2
        options.partitions = 2
        options.executable = try dropflowBinary()
        let children = ChildGroup()
        let rows = try await ChainBench(options: options, kafka: cluster.kafka, logger: testLogger).run(children: children) { _ in }
        #expect(rows.count == 1, "no relay given: the Swift chain alone")
        #expect(rows[0].received == 300 && rows[0].duplicates == 0)
        #expect(rows[0].latency.p50 > 0 && rows[0].throughput > 0)
        print(ChainBench.table(rows, orders: 300))
    }

    @Test(.timeLimit(.minutes(2))) func theKafkaBenchAndTheRoundTripRunOnABroker() async throws {
        let cluster = try TestCluster()
        var options = KafkaBench.Options()
        options.messages = 2_000
        let rows = try await KafkaBench(options: options, kafka: cluster.kafka, logger: testLogger).run { _ in }
        #expect(rows.first?.failedDeliveries == 0 && rows.first?.produce != nil && rows.first?.consume != nil)
        print(KafkaBench.table(rows, messages: 2_000))

        var roundTrip = RoundTrip(kafka: cluster.kafka, logger: testLogger)
        roundTrip.orders = 3
        roundTrip.topicPrefix = cluster.prefix
        let lines = Collector<String>()
        #expect(try await roundTrip.run { lines.append($0) } == RoundTrip.Outcome(received: 3, mismatches: 0))
        #expect(lines.all.filter { $0.contains("byte-exact") }.count == 3)
    }
}
