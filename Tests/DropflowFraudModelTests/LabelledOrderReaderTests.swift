import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowSimulator
import Testing
@testable import DropflowFraudModel

@Suite("Labelled order readers")
struct LabelledOrderReaderTests {
    @Test("reads simulator lines, ignores other topics and reports bad lines")
    func simulatorLines() {
        var late = OrderBuilder()
        late.id = "ord-2"
        late.placedAt += 60
        let lines: [JSONValue] = [
            ["topic": "orders.placed", "value": late.json, "truth": ["is_fraud": true, "pattern": "stolen_card",
                                                                      "chargeback_at": "2026-12-20T00:00:00Z"]],
            ["topic": "supplier.offers", "value": ["sku": "X"], "truth": nil],
            ["topic": "orders.placed", "value": OrderBuilder().json, "truth": ["is_fraud": false, "pattern": "legit"]],
            ["topic": "orders.placed", "value": OrderBuilder().json, "truth": ["is_fraud": false]],
            ["topic": "orders.placed", "value": ["order_id": "ord-3"], "truth": ["is_fraud": false]],
            ["topic": "orders.placed", "value": OrderBuilder().json, "truth": nil],
        ]
        var bytes: [UInt8] = []
        for l in lines { bytes += l.serialized() + [0x0A] }
        bytes += Array("{not json\n\n".utf8)
        let result = LabelledOrderReader.read(jsonLines: bytes)
        #expect(result.orders.map { $0.order.orderID } == ["ord-1", "ord-2"])  // sorted by time
        #expect(result.orders[1].isFraud && result.orders[1].chargebackAt != nil)
        #expect(result.ignored == 1)
        #expect(result.skipped.map(\.line) == [4, 5, 6, 7])
        #expect(result.skipped[0].reason.contains("duplicate"))
        #expect(result.skipped[1].reason.contains("placed_at"))
        #expect(result.skipped[2].reason.contains("is_fraud"))
        #expect(result.skipped[3].reason.contains("not JSON"))
    }

    @Test("reads what the simulator writes, other topics ignored")
    func realSimulatorOutput() {
        let run = Simulation.run(SimulationConfig(seed: 3, orders: 400))
        let result = LabelledOrderReader.read(jsonLines: SimulationWriter.jsonLines(run))
        #expect(result.orders.count == 400)
        #expect(result.skipped.isEmpty, "\(result.skipped.prefix(3))")
        #expect(result.ignored > 0)  // supplier offers and status
        let frauds = run.filter { $0.topic == SimRecord.Topic.ordersPlaced && $0.truth?["is_fraud"]?.boolValue == true }.count
        #expect(result.orders.filter(\.isFraud).count == frauds)
        #expect(zip(result.orders, result.orders.dropFirst()).allSatisfy { $0.at <= $1.at })
    }

    @Test("reads the merchant export format with tolerant labels")
    func merchantExport() {
        var b = OrderBuilder()
        var text = ""
        for (i, label) in ["true", "0", "\"yes\"", "\"maybe\""].enumerated() {
            b.id = "m-\(i)"
            text += "{\"order\":\(b.json.serializedString()),\"is_fraud\":\(label)}\n"
        }
        b.id = "m-9"
        text += "{\"order\":\(b.json.serializedString()),\"is_fraud\":false,\"chargeback_at\":\"yesterday\"}\r\n"
        text += "{\"something\":1}\n"
        let result = LabelledOrderReader.read(jsonLines: Array(text.utf8))
        #expect(result.orders.map(\.isFraud) == [true, false, true])
        #expect(result.skipped.count == 3)
        #expect(result.skipped.map(\.line) == [4, 5, 6])
        #expect(result.skipped[1].reason.contains("chargeback_at"))
    }
}
