import DropflowCore
@testable import DropflowJSON
import Foundation
import Testing
@testable import DropflowContract

/// The validator, keyword by keyword, mostly on the storefront's order.
@Suite struct JSONSchemaTests {
    let orderSchema = ContractSchema.schema(.orderPlaced)

    /// The violations of the example order after changing the value at `path`.
    func violations(_ path: [JSONValue.PathComponent], _ newValue: JSONValue?) throws -> [SchemaViolation] {
        orderSchema.validate(try exampleOrder().setting(path, to: newValue))
    }

    @Test func exampleOrderIsValid() throws {
        #expect(orderSchema.validate(try exampleOrder()) == [])
        #expect(orderSchema.isValid(try exampleOrder()))
    }

    @Test func missingRequiredMember() throws {
        let v = try violations(["customer", "email"], nil)
        #expect(v.map(\.message) == ["/customer/email: is required"])
        #expect(v.first?.keyword == "required")
        #expect(v.first?.path == "/customer/email")
        // An optional member may be missing.
        #expect(try violations(["channel"], nil) == [])
    }

    @Test func wrongType() throws {
        #expect(try violations(["lines", 0, "quantity"], "2").map(\.message)
                == [#"/lines/0/quantity: must be an integer, got string "2""#])
        #expect(try violations(["customer"], "cus-42").map(\.message)
                == ["/customer: must be an object, got string \"cus-42\""])
        #expect(try violations(["lines"], [:]).map(\.message) == ["/lines: must be an array, got an object"])
        #expect(try violations(["order_id"], nil).map(\.keyword) == ["required"])
        #expect(try violations(["order_id"], .null).map(\.message) == ["/order_id: must be a string, got null"])
        // A boolean is not a number.
        #expect(try violations(["lines", 0, "quantity"], true).map(\.keyword) == ["type"])
        // The root.
        let root = orderSchema.validate([1, 2])
        #expect(root.map(\.path) == [""])
        #expect(root.map(\.message) == ["(root): must be an object, got an array"])
    }

    @Test func integerAcceptsIntegralNumbersOnly() throws {
        #expect(try violations(["lines", 0, "quantity"], 3.0) == [])
        #expect(try violations(["lines", 0, "quantity"], .double(1e2)) == [])
        let v = try violations(["lines", 0, "quantity"], 3.5)
        #expect(v.map(\.message) == ["/lines/0/quantity: must be an integer, got number 3.5"])
        // "number" takes both kinds.
        let schema = try JSONSchema(json: #"{"type":"number","minimum":0}"#)
        #expect(schema.validate(3) == [])
        #expect(schema.validate(3.5) == [])
        #expect(schema.validate("3").map(\.keyword) == ["type"])
    }

    @Test func nestedPathsAreExact() throws {
        let v = try violations(["lines", 1, "unit_price"], 7.49)
        #expect(v.map(\.path) == ["/lines/1/unit_price"])
        #expect(v.map(\.message) == ["/lines/1/unit_price: must be a string, got number 7.49"])
    }

    @Test func pattern() throws {
        let v = try violations(["shipping_address", "country"], "es")
        #expect(v.map(\.message) == [#"/shipping_address/country: must match ^[A-Z]{2}$, got "es""#])
        #expect(v.map(\.keyword) == ["pattern"])
        #expect(try violations(["shipping_address", "country"], "ESP").map(\.keyword) == ["pattern"])
        // "$" is the end of the string, not "before a final newline" as ICU would have it.
        #expect(try violations(["shipping_address", "country"], "ES\n").map(\.keyword) == ["pattern"])
        #expect(try violations(["lines", 0, "unit_price"], "19.99") == [])
        #expect(try violations(["lines", 0, "unit_price"], "-3") == [])
        #expect(try violations(["lines", 0, "unit_price"], "19.99999").map(\.keyword) == ["pattern"])
        #expect(try violations(["lines", 0, "unit_price"], "1,99").map(\.keyword) == ["pattern"])
        // \d is ASCII only, as in ECMA-262: Arabic-Indic digits are not digits.
        let digits = try JSONSchema(json: #"{"type":"string","pattern":"^\\d+$"}"#)
        #expect(digits.validate("123") == [])
        #expect(digits.validate("١٢٣").map(\.keyword) == ["pattern"])
        // Unanchored patterns search.
        let anywhere = try JSONSchema(json: #"{"pattern":"[0-9]"}"#)
        #expect(anywhere.validate("abc1def") == [])
        #expect(anywhere.validate("abcdef").map(\.keyword) == ["pattern"])
        // A pattern applies to strings only.
        #expect(anywhere.validate(5) == [])
    }

    @Test func lengthsCountCodePoints() throws {
        let schema = try JSONSchema(json: #"{"type":"string","minLength":2,"maxLength":3}"#)
        #expect(schema.validate("éé") == [])            // 2 code points, 4 UTF-8 bytes
        #expect(schema.validate("😀😀😀") == [])         // 3 code points, 6 UTF-16 units
        #expect(schema.validate("e\u{301}") == [])      // 2 code points, 1 grapheme
        #expect(schema.validate("é").map(\.message) == ["(root): must be at least 2 characters long, got 1"])
        #expect(schema.validate("😀😀😀😀").map(\.message) == ["(root): must be at most 3 characters long, got 4"])
        #expect(schema.validate("").map(\.keyword) == ["minLength"])

        #expect(try violations(["order_id"], "").map(\.message) == ["/order_id: must be at least 1 character long, got 0"])
        #expect(try violations(["order_id"], .string(String(repeating: "ü", count: 128))) == [])
        #expect(try violations(["order_id"], .string(String(repeating: "ü", count: 129))).map(\.message)
                == ["/order_id: must be at most 128 characters long, got 129"])
    }

    @Test func minimumAndMaximum() throws {
        #expect(try violations(["lines", 0, "quantity"], 0).map(\.message) == ["/lines/0/quantity: must be at least 1, got 0"])
        #expect(try violations(["lines", 0, "quantity"], 10_000) == [])
        #expect(try violations(["lines", 0, "quantity"], 10_001).map(\.message)
                == ["/lines/0/quantity: must be at most 10000, got 10001"])
        #expect(try violations(["customer", "previous_orders"], -1).map(\.keyword) == ["minimum"])
        // Exact comparison of big integers against bounds.
        let schema = try JSONSchema(json: #"{"type":"integer","minimum":9007199254740993,"maximum":9007199254740993.0}"#)
        #expect(schema.validate(.integer(9_007_199_254_740_992)).map(\.keyword) == ["minimum"])
        #expect(schema.validate(.integer(9_007_199_254_740_993)).map(\.keyword) == ["maximum"])  // the max is 2^53 as a double
        let fractional = try JSONSchema(json: #"{"minimum":1.5,"maximum":2.5}"#)
        #expect(fractional.validate(1).map(\.keyword) == ["minimum"])
        #expect(fractional.validate(2) == [])
        #expect(fractional.validate(1.5) == [])
        #expect(fractional.validate(3).map(\.message) == ["(root): must be at most 2.5, got 3"])
    }

    @Test func minItemsAndMaxItems() throws {
        #expect(try violations(["lines"], []).map(\.message) == ["/lines: must have at least 1 item, got 0"])
        let line: JSONValue = ["sku": "A", "quantity": 1, "unit_price": "1.00"]
        #expect(try violations(["lines"], .array(Array(repeating: line, count: 200))) == [])
        #expect(try violations(["lines"], .array(Array(repeating: line, count: 201))).map(\.message)
                == ["/lines: must have at most 200 items, got 201"])
    }

    @Test func enumComparesJSONValues() throws {
        let v = try violations(["payment", "method"], "bitcoin")
        #expect(v.map(\.message)
                == [#"/payment/method: must be one of ["card","paypal","wallet","bank_transfer","cod","other"], got "bitcoin""#])
        #expect(try violations(["payment", "method"], "Card").map(\.keyword) == ["enum"])
        #expect(try violations(["payment", "method"], 1).map(\.keyword) == ["enum"])
        let schema = try JSONSchema(json: #"{"enum":[1,"a",{"x":[1,2],"y":null},null]}"#)
        #expect(schema.validate(1.0) == [])
        #expect(schema.validate(["y": nil, "x": [1.0, 2]]) == [])
        #expect(schema.validate(nil) == [])
        #expect(schema.validate(2).map(\.keyword) == ["enum"])
        #expect(schema.validate(true).map(\.keyword) == ["enum"])
        #expect(schema.validate(["x": [1, 2]]).map(\.keyword) == ["enum"])
    }

    @Test(arguments: [
        "2026-11-24 10:15:00", "2026-11-24 10:15:00Z", "yesterday", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z", "2026-11-24T24:00:00Z", "2026-11-24T10:60:00Z", "2026-11-24T10:15:61Z",
        "2026-11-24T10:15:00", "2026-11-24T10:15Z", "2026-11-24T10:15:00.Z", "2026-11-24T10:15:00+0100",
        "2026-11-24T10:15:00+24:00", "2026-11-24", "26-11-24T10:15:00Z", "2026-11-24T10:15:00Z ",
        " 2026-11-24T10:15:00Z", "2026-11-24T10:15:00ZZ", "2026-1-24T10:15:00Z", "2026-11-24T10:15:60Z",
        "２０２６-11-24T10:15:00Z", "",
    ])
    func badDateTimes(_ text: String) throws {
        #expect(!DateTimeFormat.isValid(text))
        let v = try violations(["placed_at"], .string(text))
        #expect(v.map(\.keyword) == ["format"])
        #expect(v.first?.message.hasPrefix("/placed_at: must be an RFC 3339 date-time") == true)
    }

    @Test(arguments: [
        "2026-11-24T10:15:00Z", "2026-11-24T10:15:00.5Z", "2026-11-24T10:15:00.123456789Z",
        "2026-11-24T10:15:00+01:00", "2026-11-24T10:15:00-08:30", "2028-02-29T00:00:00Z", "2000-02-29T23:59:59Z",
        "2026-11-24t10:15:00z", "2016-12-31T23:59:60Z", "2016-12-31T15:59:60-08:00",
    ])
    func goodDateTimes(_ text: String) throws {
        #expect(DateTimeFormat.isValid(text))
        #expect(try violations(["placed_at"], .string(text)) == [])
    }

    @Test func collectsEveryViolationInPathOrder() throws {
        var order = try exampleOrder()
        order = order.setting(["order_id"], to: nil)
        order = order.setting(["customer", "email"], to: "x")
        order = order.setting(["shipping_address", "country"], to: "es")
        order = order.setting(["lines", 0, "quantity"], to: 0)
        order = order.setting(["lines", 1, "unit_price"], to: 7.49)
        order = order.setting(["lines", 1, "sku"], to: nil)
        order = order.setting(["currency"], to: "euro")
        order = order.setting(["placed_at"], to: "yesterday")
        let v = orderSchema.validate(order)
        #expect(v.map(\.message) == [
            "/currency: must match ^[A-Z]{3}$, got \"euro\"",
            "/customer/email: must be at least 3 characters long, got 1",
            "/lines/0/quantity: must be at least 1, got 0",
            "/lines/1/sku: is required",
            "/lines/1/unit_price: must be a string, got number 7.49",
            "/order_id: is required",
            "/placed_at: must be an RFC 3339 date-time such as 2026-11-24T10:15:00Z, got \"yesterday\"",
            "/shipping_address/country: must match ^[A-Z]{2}$, got \"es\"",
        ])
        #expect(orderSchema.validate(order) == v)  // deterministic
    }

    @Test func everythingMissing() {
        let v = orderSchema.validate([:])
        #expect(v.map(\.path) == ["/currency", "/customer", "/lines", "/order_id", "/payment", "/placed_at", "/shipping_address"])
        #expect(v.allSatisfy { $0.keyword == "required" })
    }

    @Test func longValuesAreCutInMessages() throws {
        let v = try violations(["currency"], .string(String(repeating: "x", count: 10_000)))
        #expect(v.count == 1)
        #expect(v[0].message.count < 120)
        #expect(v[0].message.hasSuffix("…\""))
    }

    @Test func pointerEscapingAndBooleanSchemas() throws {
        let schema = try JSONSchema(json: #"{"type":"object","required":["a/b","c~d"],"properties":{"no":false,"yes":true}}"#)
        #expect(schema.validate(["no": 1, "yes": [1]]).map(\.message) == ["/a~1b: is required", "/c~0d: is required", "/no: is not allowed"])
    }

    @Test func unknownKeywordsAreIgnored() throws {
        let schema = try JSONSchema(json: #"{"type":"object","additionalProperties":false,"x-custom":{"a":1},"format":"email","properties":{"a":{"type":"string","format":"uuid"}}}"#)
        #expect(schema.validate(["a": "not-a-uuid", "extra": 1]) == [])
    }

    @Test func malformedSchemasAreRefused() {
        for text in [
            #"{"type":"strin"}"#, #"{"type":5}"#, #"{"minLength":-1}"#, #"{"maxItems":1.5}"#, #"{"minimum":"1"}"#,
            #"{"pattern":"("}"#, #"{"required":"a"}"#, #"{"required":[1]}"#, #"{"properties":[]}"#,
            #"{"properties":{"a":{"type":"nope"}}}"#, #"{"items":3}"#, #"{"enum":1}"#, #"[1]"#, "not json",
        ] {
            #expect(throws: (any Error).self, "\(text) should be refused") { try JSONSchema(json: text) }
        }
        #expect { try JSONSchema(json: #"{"properties":{"a":{"items":{"minItems":-2}}}}"#) } throws: {
            ($0 as? SchemaError)?.path == "/properties/a/items/minItems"
        }
    }

    @Test func patternTranslation() throws {
        #expect(SchemaPattern.icuPattern(fromECMA: "^[A-Z]{2}$") == "^[A-Z]{2}\\z")
        #expect(SchemaPattern.icuPattern(fromECMA: #"^-?[0-9]+(\.[0-9]{1,4})?$"#) == #"^-?[0-9]+(\.[0-9]{1,4})?\z"#)
        #expect(SchemaPattern.icuPattern(fromECMA: #"\d[\d$]\$"#) == #"[0-9][0-9$]\$"#)
        #expect(SchemaPattern.icuPattern(fromECMA: "[a&&b]") == #"[a\&\&b]"#)
        // In ECMA-262 "[[a]&&b]" is the class {[, a} then the literal "&&b]".
        #expect(SchemaPattern.icuPattern(fromECMA: "[[a]&&b]") == #"[\[a]&&b]"#)
        #expect(SchemaPattern.icuPattern(fromECMA: "a[]b|[^]") == #"a(?!)b|[\s\S]"#)
        let nested = try JSONSchema(json: #"{"pattern":"^[[a]&&b]$"}"#)
        #expect(nested.validate("[&&b]") == [])
        #expect(nested.validate("a&&b]") == [])
        #expect(nested.validate("a").map(\.keyword) == ["pattern"])
        let empty = try JSONSchema(json: #"{"pattern":"x[]"}"#)
        #expect(empty.validate("x").map(\.keyword) == ["pattern"])
        let any = try JSONSchema(json: #"{"pattern":"^[^]$"}"#)
        #expect(any.validate("\n") == [])
        #expect(any.validate("ab").map(\.keyword) == ["pattern"])
    }
}
