import DropflowCore
@testable import DropflowJSON
import Foundation
import Testing
@testable import DropflowContract

@Suite struct JSONParsingTests {
    static let invalid: [(String, [UInt8])] = [
        ("empty", []),
        ("whitespace only", Array(" \n\t".utf8)),
        ("truncated object", Array(#"{"a":"#.utf8)),
        ("truncated string", Array(#"{"a":"b"#.utf8)),
        ("truncated array", Array("[1,2".utf8)),
        ("trailing comma in object", Array(#"{"a":1,}"#.utf8)),
        ("trailing comma in array", Array("[1,2,]".utf8)),
        ("garbage bytes", [0xFF, 0xFE, 0x00, 0x13]),
        ("byte order mark", [0xEF, 0xBB, 0xBF] + Array("{}".utf8)),
        ("invalid UTF-8 in string", [0x22, 0xC3, 0x28, 0x22]),
        ("overlong UTF-8", [0x22, 0xC0, 0xAF, 0x22]),
        ("UTF-8 encoded surrogate", [0x22, 0xED, 0xA0, 0x80, 0x22]),
        ("truncated UTF-8", [0x22, 0xE2, 0x82]),
        ("above U+10FFFF", [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22]),
        ("lone high surrogate", Array(#""\uD800""#.utf8)),
        ("lone low surrogate", Array(#""\uDC00""#.utf8)),
        ("high surrogate then letter", Array(#""\uD800\u0041""#.utf8)),
        ("bad escape", Array(#""\x41""#.utf8)),
        ("short unicode escape", Array(#""\u12""#.utf8)),
        ("raw control character", Array("\"a\u{01}b\"".utf8)),
        ("raw newline in string", Array("\"a\nb\"".utf8)),
        ("leading zero", Array("01".utf8)),
        ("lone minus", Array("-".utf8)),
        ("plus sign", Array("+1".utf8)),
        ("dot first", Array(".5".utf8)),
        ("dot last", Array("1.".utf8)),
        ("empty exponent", Array("1e".utf8)),
        ("NaN", Array("NaN".utf8)),
        ("Infinity", Array("-Infinity".utf8)),
        ("too large", Array("1e400".utf8)),
        ("single quotes", Array("'a'".utf8)),
        ("unquoted key", Array("{a:1}".utf8)),
        ("missing colon", Array(#"{"a" 1}"#.utf8)),
        ("missing comma", Array("[1 2]".utf8)),
        ("two values", Array("1 2".utf8)),
        ("partial literal", Array("tru".utf8)),
        ("wrong literal", Array("nul1".utf8)),
        ("comment", Array("[1] // x".utf8)),
    ]

    @Test(arguments: invalid.map(\.0))
    func invalidJSONThrows(_ name: String) {
        let bytes = Self.invalid.first { $0.0 == name }!.1
        #expect(throws: JSONParseError.self, "\(name) should not parse") { try JSONValue.parse(bytes) }
    }

    @Test func errorsSayWhereAndWhat() {
        func failure(_ text: String) -> JSONParseError? {
            do { _ = try JSONValue.parse(text); return nil } catch { return error }
        }
        let comma = failure(#"{"a":1,}"#)
        #expect(comma?.offset == 7)
        #expect(comma?.column == 8)
        #expect(comma?.reason == "expected a string key after ',', found '}'")

        let literal = failure("{\n  \"a\": tru\n}")
        #expect(literal?.line == 2)
        #expect(literal?.column == 8)
        #expect(literal?.reason == "invalid literal, expected 'true'")
        #expect(literal?.description == "invalid JSON at line 2, column 8 (byte 9): invalid literal, expected 'true'")

        #expect(failure("[1,2,]")?.reason.contains("trailing comma") == true)
        #expect(failure(#"{"a":"#)?.reason == "unexpected end of input, expected a value")
        #expect(failure("[1 2]")?.reason == "expected ',' or ']' after an array element, found '2'")
        #expect(failure(#""\uD800""#)?.reason.contains("unpaired surrogate") == true)
        #expect(failure("1 x")?.reason == "unexpected 'x' after the JSON value")
        #expect((try? JSONValue.parse([0x22, 0xC3, 0x28, 0x22])) == nil)
    }

    @Test func stringsAndEscapes() throws {
        let v = try JSONValue.parse(#""caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t \u0000 ñ""#)
        #expect(v == .string("café 😀 \"q\" \\ / \u{8}\u{C}\n\r\t \u{0} ñ"))
        #expect(try JSONValue.parse(#""""#) == "")
    }

    @Test func numbersKeepTheirKind() throws {
        #expect(try JSONValue.parse("9007199254740993") == .integer(9_007_199_254_740_993))
        #expect(try JSONValue.parse("9007199254740993").serializedString() == "9007199254740993")
        #expect(try JSONValue.parse("-9223372036854775808") == .integer(.min))
        #expect(try JSONValue.parse("9223372036854775807") == .integer(.max))
        if case .double(let d) = try JSONValue.parse("9223372036854775808") {
            #expect(d == 9_223_372_036_854_775_808.0)
        } else {
            Issue.record("an integer beyond Int64 should become a double")
        }
        #expect(try JSONValue.parse("-0") == .integer(0))
        #expect(try JSONValue.parse("-12") == .integer(-12))
        #expect(try JSONValue.parse("1e2") == .double(100))
        #expect(try JSONValue.parse("1E2") == .integer(100))  // semantic equality
        #expect(try JSONValue.parse("-2.5e+10") == .double(-2.5e10))
        #expect(try JSONValue.parse("1.5E-3") == .double(0.0015))
        #expect(try JSONValue.parse("0.1").serializedString() == "0.1")
        #expect(try JSONValue.parse("3.0").serializedString() == "3.0")
        #expect(try JSONValue.parse("1e300") == .double(1e300))
        // A large integer is not confused with its nearest double.
        #expect(JSONValue.integer(9_007_199_254_740_993) != .double(9_007_199_254_740_992))
        #expect(JSONValue.integer(1) == .double(1.0))
        #expect(Set<JSONValue>([.integer(1), .double(1.0), .double(1.5)]).count == 2)
        #expect(JSONValue.bool(true) != .integer(1))
    }

    @Test func nestingIsBounded() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(throws: Never.self) { try JSONValue.parse(ok) }
        let tooDeep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect { try JSONValue.parse(tooDeep) } throws: { ($0 as? JSONParseError)?.reason.contains("nesting deeper than 512") == true }
        let hostile = [UInt8](repeating: UInt8(ascii: "["), count: 200_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(hostile) }
        let objects = String(repeating: #"{"a":"#, count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(objects) }
    }

    @Test func duplicateKeysKeepTheLastValue() throws {
        #expect(try JSONValue.parse(#"{"a":1,"a":2}"#) == ["a": 2])
    }

    @Test func parsesFromDataAndString() throws {
        let text = #"{"a":[true,false,null]}"#
        #expect(try JSONValue.parse(Data(text.utf8)) == JSONValue.parse(text))
        #expect(try JSONValue.parse(text) == ["a": [true, false, nil]])
    }
}

@Suite struct JSONSerializationTests {
    @Test func keysAreSortedAndOutputIsCompact() throws {
        let v = try JSONValue.parse(#" { "b" : 1 , "a" : { "d" : [ 2 , 3.5 ] , "c" : "x" } , "B" : null , "é" : true , "z" : false } "#)
        #expect(v.serializedString() == #"{"B":null,"a":{"c":"x","d":[2,3.5]},"b":1,"z":false,"é":true}"#)
        let reordered = try JSONValue.parse(#"{"z":false,"é":true,"B":null,"a":{"c":"x","d":[2,3.5]},"b":1}"#)
        #expect(reordered.serialized() == v.serialized())
        #expect(v.serialized() == v.serialized())
        #expect(v.description == v.serializedString())
    }

    @Test func stringsAreEscaped() throws {
        let v: JSONValue = .string("q\"b\\s/\n\r\t\u{8}\u{C}\u{1}\u{1F}é😀\u{2028}")
        #expect(v.serializedString() == #""q\"b\\s/\n\r\t\b\f\u0001\u001fé😀"# + "\u{2028}\"")
        #expect(try JSONValue.parse(v.serialized()) == v)
    }

    @Test func roundTripIsEqualAndStable() throws {
        var values: [JSONValue] = [
            nil, true, false, 0, -1, .integer(.max), .integer(.min), 0.5, -1.25e-8, 1e300, 123_456_789.125,
            "", "ünïcødé 😀", [], [:], [[], [:], [nil]],
            ["nested": ["deeper": ["deepest": [1, 2.5, "three", nil, false]]]],
        ]
        values.append(try exampleOrder())
        for file in try ContractDirectories.jsonFiles(in: ContractDirectories.repo.appendingPathComponent("schemas")) {
            values.append(try loadJSON(file))
        }
        for v in values {
            let bytes = v.serialized()
            let again = try JSONValue.parse(bytes)
            #expect(again == v)
            #expect(again.serialized() == bytes, "serialization of \(v) is not stable")
        }
    }

    @Test func nonFiniteDoublesBecomeNull() {
        #expect(JSONValue.array([.double(.infinity), .double(.nan)]).serializedString() == "[null,null]")
    }

    @Test func codableRoundTrip() throws {
        let v: JSONValue = ["b": [true, 1, 1.5, nil, "x"], "a": ["k": -7], "big": .integer(9_007_199_254_740_993)]
        let encoded = try JSONEncoder().encode(v)
        let decoded = try JSONDecoder().decode(JSONValue.self, from: encoded)
        #expect(decoded == v)
        // Kinds survive the trip: a boolean stays a boolean, an integer an integer.
        let list = try #require(decoded["b"]?.arrayValue)
        #expect(list[0] == .bool(true))
        if case .integer(1) = list[1] {} else { Issue.record("1 decoded as \(list[1])") }
        if case .double(1.5) = list[2] {} else { Issue.record("1.5 decoded as \(list[2])") }
        #expect(decoded["big"] == .integer(9_007_199_254_740_993))
        // And our own parser reads what JSONEncoder wrote.
        #expect(try JSONValue.parse(encoded) == v)

        struct Envelope: Codable, Equatable { var id: String; var payload: JSONValue }
        let envelope = Envelope(id: "e1", payload: try exampleOrder())
        let back = try JSONDecoder().decode(Envelope.self, from: JSONEncoder().encode(envelope))
        #expect(back == envelope)
    }

    @Test func accessors() throws {
        let order = try exampleOrder()
        #expect(order["order_id"]?.stringValue == "ord-1001")
        #expect(order["lines"]?[1]?["quantity"]?.intValue == 2)
        #expect(order["lines"]?[2] == nil)
        #expect(order["lines"]?[-1] == nil)
        #expect(order["missing"] == nil)
        #expect(order["order_id"]?["x"] == nil)
        #expect(order["customer"]?.objectValue?.count == 5)
        #expect(order["lines"]?.arrayValue?.count == 2)
        #expect(JSONValue.double(3.0).intValue == 3)
        #expect(JSONValue.double(3.5).intValue == nil)
        #expect(JSONValue.double(1e30).intValue == nil)
        #expect(JSONValue.integer(4).doubleValue == 4)
        #expect(JSONValue.string("4").intValue == nil)
        #expect(JSONValue.bool(false).boolValue == false)
        #expect(JSONValue.integer(0).boolValue == nil)
        #expect(JSONValue.null.isNull)
        #expect(JSONValue.double(2).typeName == "number")
    }
}
