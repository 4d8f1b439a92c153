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

/// What the libFuzzer target (`scripts/fuzz.sh`) found, each as a focused test; a test stays
/// disabled, with the bug in its reason, until the bug is fixed (`DROPFLOW_TEST_KNOWN_BUGS=1`
/// runs it anyway).
@Suite struct FuzzFindingsTests {
    static let skip = ProcessInfo.processInfo.environment["DROPFLOW_TEST_KNOWN_BUGS"] == nil

    /// JSON Schema calls any number with a zero fractional part an integer, so `1e300` and
    /// `9223372036854775808` are valid `previous_orders`; the typed message holds an `Int` and
    /// refuses them, and intake rejects a contract-valid order (`invalid_field`). The contract
    /// says the pipeline must accept every message that validates. Whatever the fix (a
    /// `maximum` in the schema, a wider or saturating type), the two must agree.
    @Test(.disabled(if: skip, "bug: an integral number outside Int's range (1e300, 2^63) satisfies the schema's integer but does not decode into the typed message (OrderPlaced.customer.previousOrders and every other Int member)"))
    func everyIntegerTheSchemaAcceptsDecodes() throws {
        for literal in ["1e19", "9223372036854775808", "1e300"] {
            let text = String(decoding: try exampleOrder().serialized(), as: UTF8.self)
                .replacingOccurrences(of: #""previous_orders":6"#, with: #""previous_orders":\#(literal)"#)
            let order = try JSONValue.parse(text)
            #expect(ContractSchema.orderPlaced.validate(order).isEmpty, "\(literal) is an integer to JSON Schema")
            #expect(throws: Never.self, "previous_orders \(literal) decodes") { try OrderPlaced(json: order) }
        }
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
