@testable import DropflowJSON
import Foundation
import Testing
@testable import DropflowContract

/// The generated message types (`Generated/ContractMessages.swift`): the examples round-trip,
/// what the types write satisfies the schemas, unknown members survive, errors say where.
@Suite struct ContractMessagesTests {
    // MARK: - Examples

    /// Every example file decodes into its schema's type and re-encodes to the same value and,
    /// after `serialized()`, the same bytes.
    @Test func everyExampleFileRoundTrips() throws {
        let files = try ContractDirectories.jsonFiles(in: ContractDirectories.repo.appendingPathComponent("examples"))
        #expect(files.count == ContractExample.allCases.count)
        for file in files {
            let stem = file.deletingPathExtension().lastPathComponent
            let schema = try #require(ContractSchema(rawValue: stem))
            let bytes = try [UInt8](Data(contentsOf: file))
            let value = try JSONValue.parse(bytes)
            let message = try schema.messageType.init(json: value)
            #expect(message.json == value, "\(stem): re-encoded value differs")
            #expect(message.serialized() == value.serialized(),
                    "\(stem): re-encoded bytes differ:\n\(message.json)\n\(value)")
            #expect(message.violations().isEmpty)
            // From the bytes directly, too.
            let fromBytes = try schema.messageType.init(bytes: bytes)
            #expect(fromBytes.json == value)
        }
    }

    /// The `example` of each type with an example file is that file, decoded.
    @Test func staticExamplesAreTheFiles() throws {
        #expect(CarrierRate.example == (try CarrierRate(json: ContractExample.carrierRate.value)))
        #expect(CustomerInquiry.example == (try CustomerInquiry(json: ContractExample.customerInquiry.value)))
        #expect(OrderPlaced.example == (try OrderPlaced(json: ContractExample.orderPlaced.value)))
        #expect(ReturnRequested.example == (try ReturnRequested(json: ContractExample.returnRequested.value)))
        #expect(ReviewDecision.example == (try ReviewDecision(json: ContractExample.reviewDecision.value)))
        #expect(ShipmentEvent.example == (try ShipmentEvent(json: ContractExample.shipmentEvent.value)))
        #expect(SupplierOffer.example == (try SupplierOffer(json: ContractExample.supplierOffer.value)))
        #expect(SupplierOrderUpdate.example == (try SupplierOrderUpdate(json: ContractExample.supplierOrderUpdate.value)))
        #expect(SupplierStatus.example == (try SupplierStatus(json: ContractExample.supplierStatus.value)))

        let order = OrderPlaced.example
        #expect(order.orderID == "ord-1001")
        #expect(order.customer.id == "cus-42")
        #expect(order.customer.previousOrders == 6)
        #expect(order.customer.phone == nil)
        #expect(order.shippingAddress.postalCode == "28013")
        #expect(order.payment.method == .card)
        #expect(order.payment.cardBin == "454313")
        #expect(order.lines.map(\.quantity) == [1, 2])
        #expect(order.lines[1].unitPrice == "7.49")
        #expect(order.lines[1].title == nil)
        #expect(order.shippingOption == .standard)
        #expect(order.merchantPriority == .balanced)
        #expect(order.shippingPaid == "0.00")
        #expect(MoneyAmount(order.lines[0].unitPrice) == MoneyAmount("49.99"))
        #expect(order.unknownMembers.isEmpty)
        #expect(CarrierRate.example.transitDays.p50 == 4)
        #expect(CarrierRate.example.perKg == "6.20")
        #expect(SupplierOffer.example.carriers == ["cainiao-standard", "dhl-express"])
        #expect(ShipmentEvent.example.status == .inTransit)
    }

    @Test(arguments: ContractSchema.allCases)
    func messageTypeNamesItsSchema(_ schema: ContractSchema) {
        #expect(schema.messageType.schema == schema)
    }

    // MARK: - What the types write satisfies the schemas

    /// For every schema: an instance with every optional member set and one with only the
    /// required members both satisfy the schema and decode back to themselves.
    @Test(arguments: ContractSchema.allCases)
    func instancesSatisfyTheirSchema(_ schema: ContractSchema) throws {
        let pair = try #require(ContractMessageInstances.all[schema],
                                "no test instances for \(schema.rawValue): add them to ContractMessageInstances")
        let schemaDocument = try JSONValue.parse(schema.json)
        for (kind, message) in [("full", pair.full), ("minimal", pair.minimal)] {
            #expect(type(of: message).schema == schema, "\(schema.rawValue) \(kind): instance of the wrong type")
            let json = message.json
            #expect(message.violations().isEmpty, "\(schema.rawValue) \(kind): \(message.violations().map(\.message))")
            #expect(schema.validate(json).isEmpty)
            let decoded = try type(of: message).init(json: json)
            #expect(decoded.json == json)
            #expect(AnyHashable(decoded) == AnyHashable(message), "\(schema.rawValue) \(kind) does not decode to itself")
        }
        // The full instance really has every member the schema lists; the minimal one only the required.
        #expect(Self.absentMembers(of: pair.full.json, schema: schemaDocument, at: "") == [],
                "\(schema.rawValue): the full instance leaves these out")
        #expect(Self.optionalMembers(of: pair.minimal.json, schema: schemaDocument, at: "") == [],
                "\(schema.rawValue): the minimal instance sets these optional members")
    }

    /// Paths of members the schema lists that `value` lacks (and arrays left empty), at any depth.
    static func absentMembers(of value: JSONValue, schema: JSONValue, at path: String) -> [String] {
        var out: [String] = []
        if let properties = schema["properties"]?.objectValue, let members = value.objectValue {
            for (key, sub) in properties.sorted(by: { $0.key < $1.key }) {
                if let member = members[key] {
                    out += absentMembers(of: member, schema: sub, at: path + "/" + key)
                } else {
                    out.append(path + "/" + key)
                }
            }
        }
        if let items = schema["items"], let elements = value.arrayValue {
            if elements.isEmpty { out.append(path + " (empty)") }
            for (i, e) in elements.enumerated() { out += absentMembers(of: e, schema: items, at: "\(path)/\(i)") }
        }
        return out
    }

    /// Paths of members present in `value` that the schema does not require, at any depth.
    static func optionalMembers(of value: JSONValue, schema: JSONValue, at path: String) -> [String] {
        var out: [String] = []
        if let properties = schema["properties"]?.objectValue, let members = value.objectValue {
            let required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                if !required.contains(key) { out.append(path + "/" + key); continue }
                if let sub = properties[key] { out += optionalMembers(of: member, schema: sub, at: path + "/" + key) }
            }
        }
        if let items = schema["items"], let elements = value.arrayValue {
            for (i, e) in elements.enumerated() { out += optionalMembers(of: e, schema: items, at: "\(path)/\(i)") }
        }
        return out
    }

    // MARK: - Unknown members

    @Test func unknownMembersSurviveARoundTrip() throws {
        var value = try exampleOrder()
        value = value.setting(["x_storefront_ref"], to: ["batch": 7, "tags": ["vip", nil, 1.5]])
        value = value.setting(["customer", "loyalty_tier"], to: "gold")
        value = value.setting(["lines", 1, "gift_wrap"], to: true)
        value = value.setting(["payment", "three_ds"], to: ["version": "2.2"])
        value = value.setting(["shipping_address", "what3words"], to: "index.home.raft")

        let order = try OrderPlaced(json: value)
        #expect(order.unknownMembers == ["x_storefront_ref": ["batch": 7, "tags": ["vip", nil, 1.5]]])
        #expect(order.customer.unknownMembers == ["loyalty_tier": "gold"])
        #expect(order.lines[0].unknownMembers.isEmpty)
        #expect(order.lines[1].unknownMembers == ["gift_wrap": true])
        #expect(order.payment.unknownMembers == ["three_ds": ["version": "2.2"]])
        #expect(order.shippingAddress.unknownMembers == ["what3words": "index.home.raft"])
        #expect(order.billingAddress?.unknownMembers == [:])
        #expect(order.json == value)
        #expect(order.serialized() == value.serialized())
        #expect(order.violations().isEmpty)

        // A stage that changes a known member keeps the unknown ones.
        var changed = order
        changed.lines[1].quantity = 3
        #expect(changed.json[OrderPlaced.Field.lines]?[1]?["gift_wrap"] == true)
        #expect(changed.json["lines"]?[1]?["quantity"] == 3)
    }

    @Test func knownMembersWinOverUnknownOnes() throws {
        let inquiry = CustomerInquiry(inquiryID: "inq-1", customerID: "cus-1", text: "hi", at: "2026-11-28T16:40:00Z",
                                      unknownMembers: ["inquiry_id": "other", "language": "fr", "extra": 1])
        let json = inquiry.json
        #expect(json["inquiry_id"] == "inq-1")
        // The typed member is absent, so the member is absent: the typed value decides.
        #expect(json["language"] == nil)
        #expect(json["extra"] == 1)
        // Decoding never puts a known member among the unknown ones.
        let decoded = try CustomerInquiry(json: json)
        #expect(decoded.unknownMembers == ["extra": 1])
    }

    @Test func unknownMembersInDeeplyNestedObjectsSurvive() throws {
        var value = RoutingDecision.exampleForTests.json
        value = value.setting(["assignments", 0, "delivery_window", "basis"], to: "p90")
        value = value.setting(["assignments", 0, "lines", 0, "split"], to: true)
        value = value.setting(["explanation", "model"], to: "v3")
        let decision = try RoutingDecision(json: value)
        #expect(decision.assignments[0].deliveryWindow.unknownMembers == ["basis": "p90"])
        #expect(decision.assignments[0].lines?[0].unknownMembers == ["split": true])
        #expect(decision.explanation.unknownMembers == ["model": "v3"])
        #expect(decision.explanation.scores == [["supplier_id": "sup-lyon-2", "score": 0.91]])
        #expect(decision.serialized() == value.serialized())
    }

    // MARK: - Decoding errors

    func decodingError(_ value: JSONValue) throws -> ContractDecodingError {
        do {
            _ = try OrderPlaced(json: value)
        } catch {
            return error
        }
        Issue.record("decoded without an error: \(value)")
        return ContractDecodingError(path: "?", problem: "?")
    }

    @Test func aWrongTypeNamesItsPath() throws {
        let error = try decodingError(exampleOrder().setting(["lines", 0, "quantity"], to: "2"))
        #expect(error.path == "/lines/0/quantity")
        #expect(error.problem == "expected an integer, got string")
        #expect(error.description == "/lines/0/quantity: expected an integer, got string")

        let fraction = try decodingError(exampleOrder().setting(["lines", 1, "quantity"], to: 2.5))
        #expect(fraction.description == "/lines/1/quantity: expected an integer, got 2.5")
        let object = try decodingError(exampleOrder().setting(["customer"], to: "cus-42"))
        #expect(object.description == "/customer: expected an object, got string")
        let array = try decodingError(exampleOrder().setting(["lines"], to: ["sku": "A"]))
        #expect(array.description == "/lines: expected an array, got object")
        let element = try decodingError(exampleOrder().setting(["lines", 1], to: 3))
        #expect(element.description == "/lines/1: expected an object, got integer")
        let root = try decodingError([1, 2])
        #expect(root.path == "")
        #expect(root.description == "(root): expected an object, got array")
    }

    @Test func aMissingMemberNamesItsPath() throws {
        let error = try decodingError(exampleOrder().setting(["customer", "email"], to: nil))
        #expect(error.path == "/customer/email")
        #expect(error.problem == "missing required member")
        let top = try decodingError(exampleOrder().setting(["order_id"], to: nil))
        #expect(top.description == "/order_id: missing required member")
        // null is not a value for a required member.
        let null = try decodingError(exampleOrder().setting(["order_id"], to: JSONValue.null))
        #expect(null.description == "/order_id: expected a string, got null")
    }

    @Test func anEnumValueOutsideTheListIsAnError() throws {
        let error = try decodingError(exampleOrder().setting(["shipping_option"], to: "fast"))
        #expect(error.path == "/shipping_option")
        #expect(error.problem == #"not one of economy, standard, express: "fast""#)
        let nested = try decodingError(exampleOrder().setting(["payment", "method"], to: "cheque"))
        #expect(nested.description == #"/payment/method: not one of card, paypal, wallet, bank_transfer, cod, other: "cheque""#)
        let number = try decodingError(exampleOrder().setting(["merchant_priority"], to: 1))
        #expect(number.description == "/merchant_priority: expected a string (one of margin, balanced, speed), got integer")
    }

    @Test func lenientWhereTheSchemaIs() throws {
        // An integral double is an integer, as for the schema.
        let order = try OrderPlaced(json: exampleOrder().setting(["lines", 1, "quantity"], to: 2.0))
        #expect(order.lines[1].quantity == 2)
        // null for an optional member is absent; re-encoding omits it.
        let withNull = try OrderPlaced(json: exampleOrder().setting(["channel"], to: JSONValue.null).setting(["billing_address"], to: JSONValue.null))
        #expect(withNull.channel == nil)
        #expect(withNull.billingAddress == nil)
        #expect(withNull.json["channel"] == nil)
        // A number member accepts integers and keeps fractions.
        let rate = try CarrierRate(json: ContractExample.carrierRate.value.setting(["transit_days", "p90"], to: 7.25))
        #expect(rate.transitDays.p90 == 7.25)
        #expect(rate.json["transit_days"]?["p90"] == 7.25)
        // The decoder checks shape, not every constraint: that is what violations() is for.
        let tooMany = try OrderPlaced(json: exampleOrder().setting(["lines", 0, "quantity"], to: 0))
        #expect(tooMany.violations().map(\.message) == ["/lines/0/quantity: must be at least 1, got 0"])
    }

    @Test func bytesThatAreNotJSONAreADecodingErrorAtTheRoot() {
        let error = #expect(throws: ContractDecodingError.self) {
            try OrderPlaced(bytes: Array("{\"order_id\": }".utf8))
        }
        #expect(error?.path == "")
        #expect(error?.problem.hasPrefix("invalid JSON at line 1") == true, "\(String(describing: error))")
    }

    // MARK: - Names and fields

    @Test func fieldsAreTheJSONNames() throws {
        #expect(OrderPlaced.Field.orderID.rawValue == "order_id")
        #expect(OrderPlaced.Field.allCases.first == .orderID)
        #expect(OrderPlaced.Field.allCases.count == 12)
        #expect(OrderPlaced.Customer.Field.id.rawValue == "id")
        #expect(OrderPlaced.Payment.Field.cardBin.rawValue == "card_bin")
        #expect(OrderPlaced.Payment.Field.ipAddress.rawValue == "ip_address")
        #expect(PurchaseOrder.Field.purchaseOrderID.rawValue == "purchase_order_id")
        #expect(CarrierRate.Field.perKg.rawValue == "per_kg")
        #expect(CarrierRate.TransitDays.Field.p50.rawValue == "p50")
        #expect(ReturnDecision.Line.Disposition.returnToSupplier.rawValue == "return_to_supplier")
        #expect(OrderPlaced.Payment.Method.bankTransfer.rawValue == "bank_transfer")
        #expect(ServiceLevel.allCases.map(\.rawValue) == ["economy", "standard", "express"])

        let value = try exampleOrder()
        #expect(value[OrderPlaced.Field.orderID] == "ord-1001")
        #expect(value[OrderPlaced.Field.customer]?[OrderPlaced.Customer.Field.email] == "maria.lopez@example.com")
        #expect(value[OrderPlaced.Field.billingAddress]?[Address.Field.postalCode] == "28013")
        #expect(JSONValue.string("x")[OrderPlaced.Field.orderID] == nil)
    }

    @Test func numbersAreWrittenAsTheyWereMostLikelyWritten() {
        #expect(JSONValue.number(4).serializedString() == "4")
        #expect(JSONValue.number(7.5).serializedString() == "7.5")
        #expect(JSONValue.number(-0.0).serializedString() == "-0.0")
        #expect(JSONValue.number(1e300).serializedString() == "1e+300")
        #expect(JSONValue.number(9_007_199_254_740_992).serializedString() == "9007199254740992")
        #expect(JSONValue.number(18_014_398_509_481_984).serializedString() == "1.8014398509481984e+16")
    }

    @Test func typesAreHashableAndSendable() async throws {
        let a = OrderPlaced.example
        var b = a
        #expect(a == b)
        b.customer.unknownMembers["x"] = 1
        #expect(a != b)
        #expect(Set([a, b, a]).count == 2)
        let copy = await Task.detached { OrderPlaced.example }.value
        #expect(copy == a)
    }
}

extension RoutingDecision {
    /// The full test instance (there is no example file for routing decisions).
    static var exampleForTests: RoutingDecision {
        ContractMessageInstances.all[.routingDecision]!.full as! RoutingDecision
    }
}
