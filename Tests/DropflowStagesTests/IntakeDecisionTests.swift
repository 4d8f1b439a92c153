import DropflowCore
import DropflowJSON
import DropflowContract
import Foundation
import DropflowIntake
import DropflowPipeline
import Testing

/// The contract's example order, parsed.
func exampleOrder() throws -> JSONValue {
    ContractExample.orderPlaced.value
}

extension IntakeOutcome {
    /// An accepted order's parts, as the tests read them; nil for any other outcome.
    var accepted: (order: ValidatedOrder, fingerprint: String, hold: [Reason])? {
        guard case .accept(let v) = self else { return nil }
        return (v, v.intake.fingerprint, v.intake.holdReasons)
    }
}

extension JSONValue {
    /// A copy with the value at `path` (object keys and array indices) replaced, or removed when nil.
    func setting(_ path: [String], _ newValue: JSONValue?) -> JSONValue {
        guard let head = path.first else { return newValue ?? .null }
        switch self {
        case .object(var o):
            if path.count == 1 && newValue == nil { o[head] = nil } else { o[head] = (o[head] ?? .object([:])).setting(Array(path.dropFirst()), newValue) }
            return .object(o)
        case .array(var a):
            let i = Int(head)!
            a[i] = a[i].setting(Array(path.dropFirst()), newValue)
            return .array(a)
        default:
            return self
        }
    }
}

/// Intake's decision for one order: what is accepted, rejected (with reasons a merchant can act
/// on), dropped as a retry, or dead-lettered.
@Suite struct IntakeDecisionTests {
    let decider = IntakeDecider()

    func decide(_ order: JSONValue, seen: [String: String] = [:], offered: Set<String>? = nil,
                decider: IntakeDecider? = nil) -> IntakeOutcome {
        (decider ?? self.decider).decide(order.serialized(), seenFingerprint: { seen[$0] }, isOffered: offered.map { s in { s.contains($0) } })
    }

    @Test func theContractExampleIsAcceptedWithItsValue() throws {
        guard let (order, _, hold) = decide(try exampleOrder()).accepted else { Issue.record("not accepted"); return }
        #expect(order.intake.orderValue == "64.97")
        #expect(hold.isEmpty)
        #expect(ContractSchema.orderPlaced.validate(order.json).isEmpty, "the accepted order still satisfies the contract")
    }

    @Test func notAnObjectOrNoOrderIDGoesToTheDeadLetterTopic() throws {
        for bytes: [UInt8]? in [nil, Array("not json".utf8), Array("[1,2]".utf8), Array("{\"order_id\": 7}".utf8), Array("{}".utf8)] {
            guard case .deadLetter(let reason) = decider.decide(bytes, seenFingerprint: { _ in nil }, isOffered: nil) else {
                Issue.record("\(String(decoding: bytes ?? [], as: UTF8.self)) was not dead-lettered"); continue
            }
            #expect(!reason.isEmpty)
        }
    }

    @Test func anInvalidOrderIsRejectedWithTheFieldAndTheProblem() throws {
        let order = try exampleOrder().setting(["lines", "0", "quantity"], 0).setting(["customer", "email"], nil)
            .setting(["payment", "card_country"], "Spain")
        guard case .reject(let id, let reasons) = decide(order) else { Issue.record("not rejected"); return }
        #expect(id == "ord-1001")
        let details = reasons.map { "\($0.code) \($0.detail)" }
        #expect(details.contains { $0.hasPrefix("out_of_range lines[0].quantity:") })
        #expect(details.contains { $0.hasPrefix("missing_field customer.email:") })
        #expect(details.contains { $0.hasPrefix("bad_format payment.card_country:") })
    }

    @Test func normalizationRepairsCaseAndWhitespaceButNothingElse() throws {
        let messy = try exampleOrder()
            .setting(["customer", "email"], "  Maria.Lopez@Example.COM ")
            .setting(["shipping_address", "country"], " es")
            .setting(["currency"], "eur")
            .setting(["shipping_address", "postal_code"], " 28013 ")
            .setting(["customer", "phone"], "0612 34 56 78")
        guard let (validated, fingerprint, _) = decide(messy).accepted else { Issue.record("not accepted"); return }
        let order = validated.order
        #expect(order.customer.email == "maria.lopez@example.com")
        #expect(order.shippingAddress.country == "ES")
        #expect(order.currency == "EUR")
        #expect(order.shippingAddress.postalCode == "28013")
        #expect(order.customer.phone == "+34612345678")
        // The clean example and its messy twin are the same order.
        guard let (_, clean, _) = decide(try exampleOrder().setting(["customer", "phone"], "+34 612 345 678")).accepted else { return }
        #expect(fingerprint == clean)
        // A wrong code is not guessed at.
        guard case .reject = decide(try exampleOrder().setting(["shipping_address", "country"], "ESP")) else { Issue.record("ESP accepted"); return }
    }

    @Test func postalCodesAndPhonesTakeTheirCountrysForm() {
        #expect(OrderNormalizer.normalizePostalCode("sw1a1aa", country: "GB") == "SW1A 1AA")
        #expect(OrderNormalizer.normalizePostalCode("k1a 0b1", country: "CA") == "K1A 0B1")
        #expect(OrderNormalizer.normalizePostalCode("1234ab", country: "NL") == "1234 AB")
        #expect(OrderNormalizer.normalizePostalCode("123456789", country: "US") == "12345-6789")
        #expect(OrderNormalizer.normalizePostalCode("00950", country: "PL") == "00-950")
        #expect(OrderNormalizer.normalizePostalCode("11422", country: "SE") == "114 22")
        #expect(OrderNormalizer.normalizePostalCode(" 10 115 ", country: "DE") == "10115")
        #expect(OrderNormalizer.normalizePhone("(415) 555-0100", country: "US") == "+14155550100")
        #expect(OrderNormalizer.normalizePhone("0049 30 1234567", country: "DE") == "+49301234567")
        #expect(OrderNormalizer.normalizePhone("030 1234567", country: "DE") == "+49301234567")
        #expect(OrderNormalizer.normalizePhone("+44 20 7946 0000", country: "FR") == "+442079460000")
        #expect(OrderNormalizer.normalizeEmail(" A@B.Example ") == "a@b.example")
    }

    @Test func aRetryIsDroppedAndAConflictIsRejected() throws {
        guard let (_, fingerprint, _) = decide(try exampleOrder()).accepted else { Issue.record("not accepted"); return }
        #expect(decide(try exampleOrder(), seen: ["ord-1001": fingerprint]) == .duplicate(orderID: "ord-1001"))
        let changed = try exampleOrder().setting(["lines", "1", "quantity"], 3)
        guard case .reject(_, let reasons) = decide(changed, seen: ["ord-1001": fingerprint]) else { Issue.record("not rejected"); return }
        #expect(reasons.map(\.code) == ["duplicate_conflict"])
    }

    @Test func anOrderDatedAheadOfTheClockIsHeldWithTheReason() throws {
        let decider = IntakeDecider()
        let bound = DateTimeFormat.epochSeconds("2026-12-01T00:00:00Z")!
        let ahead = try exampleOrder().setting(["placed_at"], "2999-01-01T00:00:00Z").serialized()
        guard case .accept(let held) = decider.decide(ahead, seenFingerprint: { _ in nil }, isOffered: nil, latestPlausible: bound) else {
            Issue.record("not accepted")
            return
        }
        #expect(held.intake.holdReasons.map(\.code) == ["placed_at_ahead_of_clock"])
        #expect(held.intake.holdReasons.first?.detail.contains("2026-12-01T00:00:00Z") == true)
        guard case .accept(let plain) = decider.decide(try exampleOrder().serialized(), seenFingerprint: { _ in nil }, isOffered: nil,
                                                       latestPlausible: bound) else { Issue.record("not accepted"); return }
        #expect(plain.intake.holdReasons.isEmpty)
    }

    @Test func businessLimitsRejectWithTheLimitInTheDetail() throws {
        var policy = IntakePolicy()
        policy.maxQuantityPerLine = 5
        policy.maxOrderValue = MoneyAmount("50.00")!
        let strict = IntakeDecider(policy: policy)
        let order = try exampleOrder().setting(["lines", "1", "quantity"], 9)
        guard case .reject(_, let reasons) = decide(order, decider: strict) else { Issue.record("not rejected"); return }
        #expect(reasons.map(\.code).sorted() == ["order_value_above_limit", "quantity_above_limit"])
        #expect(reasons.first { $0.code == "quantity_above_limit" }?.detail.contains("BULB-E27-WW") == true)
        #expect(reasons.first { $0.code == "order_value_above_limit" }?.detail.contains("117.40 EUR") == true)
        let free = try exampleOrder().setting(["lines", "0", "unit_price"], "0").setting(["lines", "1", "unit_price"], "0")
        guard case .reject(_, let r2) = decide(free) else { Issue.record("free order accepted"); return }
        #expect(r2.map(\.code) == ["order_value_below_minimum"])
    }

    @Test func unknownSKUsAreHeldOrRejectedAsConfigured() throws {
        let offered: Set<String> = ["LAMP-ARC-BLK"]
        guard let (order, _, hold) = decide(try exampleOrder(), offered: offered).accepted else { Issue.record("not accepted"); return }
        #expect(hold.map(\.code) == ["unknown_sku"])
        #expect(hold[0].detail.contains("BULB-E27-WW"))
        #expect(order.json["intake"]?["hold_reasons"]?.arrayValue?.count == 1)
        var policy = IntakePolicy()
        policy.unknownSKU = .reject
        guard case .reject(_, let reasons) = decide(try exampleOrder(), offered: offered, decider: IntakeDecider(policy: policy)) else {
            Issue.record("not rejected"); return
        }
        #expect(reasons.map(\.code) == ["unknown_sku"])
        // No supplier catalogue yet: nothing to check against.
        guard let (_, _, none) = decide(try exampleOrder(), offered: nil).accepted else { Issue.record("not accepted"); return }
        #expect(none.isEmpty)
    }

    @Test func moneyIsExactDecimal() {
        #expect(MoneyAmount("19.99")?.tenThousandths == 199_900)
        #expect(MoneyAmount("-3.5")?.description == "-3.50")
        #expect(MoneyAmount("0.1254")?.description == "0.1254")
        #expect(MoneyAmount("1.23456") == nil)
        #expect(MoneyAmount("1e3") == nil)
        #expect(MoneyAmount("") == nil)
        #expect(MoneyAmount("99999999999999999999") == nil)
        #expect(MoneyAmount("7.49")!.times(2)!.plus(MoneyAmount("49.99")!)!.description == "64.97")
    }
}
