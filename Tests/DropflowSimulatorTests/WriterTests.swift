import DropflowCore
import DropflowJSON
import DropflowContract
import Foundation
import Testing
@testable import DropflowSimulator

/// The JSON Lines output and the truth summary.
@Suite struct WriterTests {
    @Test func writesOneLinePerRecordAndATruthSummary() throws {
        let config = SimulationConfig(seed: 12, orders: 800, ordersPerDay: 800, scenarios: Scenario.all(from: start, days: 1))
        let run = Simulation.run(config)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dropflow-sim-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("sim.jsonl").path
        let truthPath = directory.appendingPathComponent("truth.jsonl").path

        let summary = try SimulationWriter.write(run, to: output, truthTo: truthPath)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: output)))
        #expect(bytes == SimulationWriter.jsonLines(run))
        let lines = bytes.split(separator: 0x0A)
        #expect(lines.count == summary.records)
        #expect(summary.orders == 800)
        for line in lines.prefix(500) {
            let object = try JSONValue.parse(Array(line))
            #expect(object.objectValue.map { Set($0.keys) } == ["at", "key", "topic", "truth", "value"])
            #expect(object["at"]?.stringValue.flatMap(SimInstant.init(rfc3339:)) != nil)
        }

        let truth = try String(contentsOfFile: truthPath, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(truth.first?["kind"] == "run")
        #expect(truth.filter { $0["kind"] == "supplier" }.count == config.supplierCount)
        #expect(truth.filter { $0["kind"] == "scenario" }.count == config.scenarios.count)
        let outage = try #require(truth.first { $0["scenario"] == "supplier_outage" })
        #expect(outage["supplier_id"]?.stringValue == run.world.suppliers[run.world.majorSupplierIndex].id)
        let orderTruth = truth.filter { $0["kind"] == "order" }
        #expect(orderTruth.count == 800)
        #expect(orderTruth.filter { $0["is_fraud"] == true }.count == summary.fraudulentOrders)
        #expect(orderTruth.allSatisfy { $0["pattern"]?.stringValue != nil && $0["order_id"]?.stringValue != nil })
    }
}
