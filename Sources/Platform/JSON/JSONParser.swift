import DropflowCore
import Foundation

/// Why some bytes are not JSON, and where: ``offset`` counts bytes from 0, ``line`` and
/// ``column`` count from 1 (the column in bytes).
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Byte offset of the problem, from 0.
    public let offset: Int
    /// Line of the problem, from 1.
    public let line: Int
    /// Column (in bytes) of the problem, from 1.
    public let column: Int
    /// What was wrong or expected, e.g. `expected ',' or '}' after an object member, found ']'`.
    public let reason: String

    /// `invalid JSON at line L, column C (byte B): reason`.
    public var description: String { "invalid JSON at line \(line), column \(column) (byte \(offset)): \(reason)" }
}

extension JSONValue {
    /// Arrays and objects nested deeper than this are refused with a ``JSONParseError``
    /// (rather than risking the stack).
    public static let maximumDepth = 512

    /// Parses one JSON text (RFC 8259) from UTF-8 bytes.
    ///
    /// Strict: no comments, trailing commas, leading zeros, NaN/Infinity, byte order mark,
    /// invalid UTF-8, unescaped control characters or unpaired surrogate escapes; only
    /// whitespace may follow the value. A key repeated in one object keeps its last value.
    /// Integers that do not fit in `Int64`, and numbers with a fraction or exponent, become
    /// ``double(_:)``; a number too large for a `Double` is an error.
    /// - Throws: ``JSONParseError``.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        do {
            return try bytes.withUnsafeBufferPointer { buffer in
                var parser = JSONParser(bytes: buffer)
                return try parser.parseDocument()
            }
        } catch let error as JSONParseError {
            throw error
        } catch {
            // withUnsafeBufferPointer rethrows an untyped error; it is always ours.
            throw JSONParseError(offset: 0, line: 1, column: 1, reason: "\(error)")
        }
    }

    /// Parses one JSON text from UTF-8 `data`. See ``parse(_:)-(Array<UInt8>)``.
    public static func parse(_ data: Data) throws(JSONParseError) -> JSONValue {
        try parse([UInt8](data))
    }

    /// Parses one JSON text from `text`. See ``parse(_:)-(Array<UInt8>)``.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

/// A recursive-descent parser over a byte buffer. Depth is bounded by ``JSONValue/maximumDepth``.
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var pos = 0
    var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        let value = try parseValue()
        skipWhitespace()
        if pos < bytes.count { throw error("unexpected \(found()) after the JSON value") }
        return value
    }

    // MARK: Helpers

    func error(_ reason: String, at offset: Int? = nil) -> JSONParseError {
        let offset = min(offset ?? pos, bytes.count)
        var line = 1, lineStart = 0
        for i in 0..<offset where bytes[i] == UInt8(ascii: "\n") { line += 1; lineStart = i + 1 }
        return JSONParseError(offset: offset, line: line, column: offset - lineStart + 1, reason: reason)
    }

    /// The byte at `pos`, described for an error message.
    func found() -> String {
        guard pos < bytes.count else { return "end of input" }
        let b = bytes[pos]
        if b >= 0x20 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x" + String(b, radix: 16, uppercase: true).leftPadded(to: 2)
    }

    mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    // MARK: Values

    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard pos < bytes.count else { throw error("unexpected end of input, expected a value") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default:
            throw error("expected a value (object, array, string, number, true, false or null), found \(found())")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let start = pos
        let count = literal.utf8CodeUnitCount
        let text = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        for i in 0..<count {
            guard pos < bytes.count, bytes[pos] == text[i] else {
                throw error("invalid literal, expected '\(literal)'", at: start)
            }
            pos += 1
        }
    }

    mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > JSONValue.maximumDepth {
            throw error("nesting deeper than \(JSONValue.maximumDepth) levels")
        }
    }

    mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enter()
        pos += 1  // {
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "}") {
            pos += 1; depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else {
                throw error(members.isEmpty ? "expected a string key or '}', found \(found())"
                                            : "expected a string key after ',', found \(found())")
            }
            let key = try parseString()
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else {
                throw error("expected ':' after an object key, found \(found())")
            }
            pos += 1
            members[key] = try parseValue()
            skipWhitespace()
            guard pos < bytes.count else { throw error("unexpected end of input, expected ',' or '}'") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "}") { pos += 1; break }
            throw error("expected ',' or '}' after an object member, found \(found())")
        }
        depth -= 1
        return .object(members)
    }

    mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enter()
        pos += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "]") {
            pos += 1; depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            if pos < bytes.count && bytes[pos] == UInt8(ascii: "]") {
                throw error("expected a value after ',', found ']' (trailing comma)")
            }
            elements.append(try parseValue())
            skipWhitespace()
            guard pos < bytes.count else { throw error("unexpected end of input, expected ',' or ']'") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "]") { pos += 1; break }
            throw error("expected ',' or ']' after an array element, found \(found())")
        }
        depth -= 1
        return .array(elements)
    }

    // MARK: Numbers

    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = pos
        let negative = bytes[pos] == UInt8(ascii: "-")
        if negative { pos += 1 }
        guard pos < bytes.count, isDigit(bytes[pos]) else {
            throw error("expected a digit after '-', found \(found())")
        }
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
            if pos < bytes.count && isDigit(bytes[pos]) { throw error("leading zeros are not allowed in numbers") }
        } else {
            while pos < bytes.count && isDigit(bytes[pos]) { pos += 1 }
        }
        var isInteger = true
        if pos < bytes.count && bytes[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            guard pos < bytes.count, isDigit(bytes[pos]) else {
                throw error("expected a digit after the decimal point, found \(found())")
            }
            while pos < bytes.count && isDigit(bytes[pos]) { pos += 1 }
        }
        if pos < bytes.count && (bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E")) {
            isInteger = false
            pos += 1
            if pos < bytes.count && (bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-")) { pos += 1 }
            guard pos < bytes.count, isDigit(bytes[pos]) else {
                throw error("expected a digit in the exponent, found \(found())")
            }
            while pos < bytes.count && isDigit(bytes[pos]) { pos += 1 }
        }
        if isInteger, let value = integer(from: start, to: pos, negative: negative) {
            return .integer(value)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error("number \(text.prefix(40)) is out of range", at: start)
        }
        return .double(value)
    }

    /// The integer in `bytes[start..<end]` (an optional '-' and digits), or nil when it overflows `Int64`.
    func integer(from start: Int, to end: Int, negative: Bool) -> Int64? {
        // Accumulate negatively so that Int64.min fits.
        var value: Int64 = 0
        for i in (negative ? start + 1 : start)..<end {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.subtractingReportingOverflow(Int64(bytes[i] &- UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            value = next
        }
        if negative { return value }
        return value == .min ? nil : -value
    }

    func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    // MARK: Strings

    /// Parses a string starting at the opening quote; validates UTF-8 and escapes.
    mutating func parseString() throws(JSONParseError) -> String {
        pos += 1  // opening quote
        let start = pos
        var decoded: [UInt8]? = nil  // set once an escape is seen
        while true {
            guard pos < bytes.count else { throw error("unexpected end of input inside a string (missing '\"')") }
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                let text: String
                if let decoded {
                    text = String(decoding: decoded, as: UTF8.self)
                } else {
                    text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
                }
                pos += 1
                return text
            }
            if b == UInt8(ascii: "\\") {
                if decoded == nil { decoded = Array(bytes[start..<pos]) }
                try parseEscape(into: &decoded!)
                continue
            }
            if b < 0x20 {
                throw error("control character U+00" + String(b, radix: 16, uppercase: true).leftPadded(to: 2)
                            + " must be escaped in a string")
            }
            let length = b < 0x80 ? 1 : try utf8SequenceLength()
            decoded?.append(contentsOf: bytes[pos..<(pos + length)])
            pos += length
        }
    }

    /// Validates the multi-byte UTF-8 sequence at `pos` and returns its length.
    func utf8SequenceLength() throws(JSONParseError) -> Int {
        let b = bytes[pos]
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF  // range of the second byte
        switch b {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F  // no UTF-16 surrogates
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F  // nothing above U+10FFFF
        default:
            throw error("invalid UTF-8 byte 0x" + String(b, radix: 16, uppercase: true) + " in a string")
        }
        for i in 1..<length {
            let at = pos + i
            guard at < bytes.count else { throw error("truncated UTF-8 sequence in a string") }
            let c = bytes[at]
            let (lo, hi) = i == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
            guard c >= lo && c <= hi else {
                throw error("invalid UTF-8 sequence in a string (byte 0x"
                            + String(c, radix: 16, uppercase: true).leftPadded(to: 2) + ")", at: at)
            }
        }
        return length
    }

    /// Decodes the escape at `pos` (a backslash) into `out`.
    mutating func parseEscape(into out: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = pos
        pos += 1
        guard pos < bytes.count else { throw error("unexpected end of input inside a string escape") }
        let c = bytes[pos]
        pos += 1
        switch c {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                    throw error("unpaired surrogate \\u" + String(scalar, radix: 16, uppercase: true)
                                + " (a high surrogate must be followed by a \\u low surrogate)", at: escapeStart)
                }
                pos += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw error("unpaired surrogate \\u" + String(scalar, radix: 16, uppercase: true)
                                + " (followed by \\u" + String(low, radix: 16, uppercase: true)
                                + ", not a low surrogate)", at: escapeStart)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw error("unpaired surrogate \\u" + String(scalar, radix: 16, uppercase: true)
                            + " (a low surrogate without a high one)", at: escapeStart)
            }
            // Surrogates are excluded above, so the scalar always exists.
            UTF8.encode(Unicode.Scalar(scalar) ?? "\u{FFFD}") { out.append($0) }
        default:
            pos -= 1
            throw error("invalid escape '\\' followed by \(found()) in a string", at: escapeStart)
        }
    }

    /// Reads four hex digits at `pos`.
    mutating func hex4() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard pos < bytes.count else { throw error("unexpected end of input in a \\u escape") }
            let c = bytes[pos]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("expected four hex digits after \\u, found \(found())")
            }
            value = value << 4 | digit
            pos += 1
        }
        return value
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
