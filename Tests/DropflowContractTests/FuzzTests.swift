import DropflowCore
@testable import DropflowJSON
import Foundation
import Testing
@testable import DropflowContract

/// Random and mutated input never crashes the parser or the validator, and whatever parses
/// round-trips.
@Suite struct FuzzTests {
    static let alphabet = Array(#"{}[]",:-+.0123456789eEtrufalsn \"\\u/abAZ"#.utf8) + [0x00, 0x0A, 0x7F, 0xC3, 0xA9, 0xED, 0xF0, 0x9F, 0xFF]

    func exercise(_ bytes: [UInt8], _ parsed: inout Int) {
        guard let value = try? JSONValue.parse(bytes) else { return }
        parsed += 1
        for schema in [ContractSchema.orderPlaced, .supplierOffer, .shipmentEvent] {
            for violation in schema.validate(value) {
                #expect(!violation.message.isEmpty)
            }
        }
        let out = value.serialized()
        #expect((try? JSONValue.parse(out)) == value, "round trip of \(String(decoding: bytes, as: UTF8.self))")
    }

    @Test func randomBytes() {
        var rng = XorShift(seed: 0xD0F1_0001)
        var parsed = 0
        for _ in 0..<2_000 {
            let length = Int.random(in: 0...48, using: &rng)
            let bytes: [UInt8] = (0..<length).map { _ in
                Bool.random(using: &rng) ? Self.alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            }
            exercise(bytes, &parsed)
        }
        #expect(parsed > 0, "no random input parsed at all; the generator is too narrow")
    }

    @Test func mutatedOrders() throws {
        let original = try exampleOrder().serialized()
        var rng = XorShift(seed: 0xD0F1_0002)
        var parsed = 0, invalid = 0
        for _ in 0..<2_000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                let b = Self.alphabet.randomElement(using: &rng)!
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: bytes[at] = b
                case 1: bytes.insert(b, at: at)
                case 2: if bytes.count > 1 { bytes.remove(at: at) }
                default: bytes[at] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
                }
            }
            exercise(bytes, &parsed)
            if let v = try? JSONValue.parse(bytes), !ContractSchema.orderPlaced.validate(v).isEmpty { invalid += 1 }
        }
        #expect(parsed > 100)
        #expect(invalid > 0, "mutations never produced an invalid order")
    }
}

/// The compiled-schema and pattern caches are safe to hit from many tasks at once.
@Suite struct ConcurrencyTests {
    @Test func validatesFromManyTasksAtOnce() async throws {
        let order = try exampleOrder()
        let bad = order.setting(["shipping_address", "country"], to: "es")
        let counts = await withTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var failures = 0
                    for i in 0..<100 {
                        let schema = ContractSchema.allCases[(task + i) % ContractSchema.allCases.count]
                        _ = schema.validate(order)
                        failures += ContractSchema.schema(.orderPlaced).validate(bad).count
                        _ = try? JSONSchema(json: #"{"pattern":"^t\#(task)-\#(i % 5)$"}"#).validate("t1-1")
                    }
                    return failures
                }
            }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts == Array(repeating: 100, count: 8))
    }
}
