@testable import DropflowJSON
import Foundation
import Testing
@testable import DropflowContract

/// Prints throughput figures for the generated message types against Foundation's Codable;
/// asserts nothing about speed (debug builds are slow, machines differ).
@Suite("Message throughput (printed, not asserted)")
struct ContractMessageThroughputTests {
    /// A hand-written Codable mirror of OrderPlaced, for comparison only.
    struct CodableOrder: Codable, Equatable {
        struct Customer: Codable, Equatable {
            var id: String
            var email: String
            var phone: String?
            var account_created_at: String?
            var previous_orders: Int?
            var previous_chargebacks: Int?
            var language: String?
        }
        struct Address: Codable, Equatable {
            var name: String
            var line1: String
            var line2: String?
            var city: String
            var region: String?
            var postal_code: String
            var country: String
            var phone: String?
        }
        struct Payment: Codable, Equatable {
            var method: String
            var card_bin: String?
            var card_last4: String?
            var card_country: String?
            var avs_result: String?
            var cvv_result: String?
            var ip_address: String?
            var ip_country: String?
            var amount: String?
        }
        struct Line: Codable, Equatable {
            var sku: String
            var quantity: Int
            var unit_price: String
            var title: String?
            var category: String?
        }
        var order_id: String
        var placed_at: String
        var channel: String?
        var customer: Customer
        var shipping_address: Address
        var billing_address: Address?
        var payment: Payment
        var lines: [Line]
        var currency: String
        var shipping_option: String?
        var shipping_paid: String?
        var merchant_priority: String?
    }

    /// The example order with `count` lines.
    static func order(lines count: Int) throws -> [UInt8] {
        var value = ContractExample.orderPlaced.value
        let lines: [JSONValue] = (0..<count).map { i in
            ["sku": .string("SKU-\(i)-BLK"), "quantity": .integer(Int64(1 + i % 3)), "unit_price": .string("\(5 + i).99"),
             "title": .string("Item number \(i)"), "category": "home"]
        }
        value = value.setting(["lines"], to: .array(lines))
        return value.serialized()
    }

    @Test("parse, decode and encode OrderPlaced per second, against JSONDecoder/JSONEncoder")
    func throughput() throws {
        let clock = ContinuousClock()
        func rate(_ n: Int, _ d: Duration) -> Int {
            let s = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
            return Int(Double(n) / max(s, 1e-9))
        }
        let cases: [(String, [UInt8])] = [
            ("example order (2 lines)", Array(ContractExample.orderPlaced.text.utf8)),
            ("order with 10 lines", try Self.order(lines: 10)),
        ]
        for (name, bytes) in cases {
            let n = 2_000
            var sink = 0
            let parse = try clock.measure {
                for _ in 0..<n { sink &+= try JSONValue.parse(bytes).objectValue?.count ?? 0 }
            }
            let decode = try clock.measure {
                for _ in 0..<n { sink &+= try OrderPlaced(json: JSONValue.parse(bytes)).lines.count }
            }
            let order = try OrderPlaced(bytes: bytes)
            let encode = clock.measure {
                for _ in 0..<n { sink &+= order.json.serialized().count }
            }
            let data = Data(bytes)
            let decoder = JSONDecoder()
            let codableDecode = try clock.measure {
                for _ in 0..<n { sink &+= try decoder.decode(CodableOrder.self, from: data).lines.count }
            }
            let codable = try decoder.decode(CodableOrder.self, from: data)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let codableEncode = try clock.measure {
                for _ in 0..<n { sink &+= try encoder.encode(codable).count }
            }
            print("throughput (this build), \(name), \(bytes.count) bytes: parse bytes to JSONValue \(rate(n, parse))/s")
            print("throughput (this build), \(name): parse + OrderPlaced(json:) \(rate(n, decode))/s")
            print("throughput (this build), \(name): OrderPlaced json.serialized() \(rate(n, encode))/s")
            print("throughput (this build), \(name): JSONDecoder Codable mirror \(rate(n, codableDecode))/s")
            print("throughput (this build), \(name): JSONEncoder Codable mirror (sorted keys) \(rate(n, codableEncode))/s"
                  + " (checksum \(sink))")
            #expect(order.lines.count == codable.lines.count)
        }
    }
}
