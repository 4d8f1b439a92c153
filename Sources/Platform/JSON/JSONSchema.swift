import DropflowCore
import Foundation

/// A compiled JSON Schema (2020-12), limited to the keywords the Dropflow contract uses:
/// `type`, `required`, `properties`, `enum`, `pattern`, `minLength`, `maxLength`, `minimum`,
/// `maximum`, `minItems`, `maxItems`, `items` and `format` (`date-time` is checked; other formats
/// are annotations). `default`, `description`, `title`, `$schema`, `$id` and any other keyword
/// are ignored; so are members not listed in `properties` (no `additionalProperties`).
///
/// - `type` is one name or an array of names; `integer` accepts any number with an integral
///   value (`3` and `3.0`, not `3.5`).
/// - `minLength`/`maxLength` count Unicode code points.
/// - `enum` compares JSON values semantically (`1` equals `1.0`, key order is irrelevant).
/// - `pattern` is searched for, not anchored. It is ECMA-262 run on ICU with `$` matching only at
///   the very end and `\d` meaning `[0-9]`, as in ECMA-262.
/// - `true` and `false` are accepted as schemas.
///
/// A schema is immutable, `Sendable`, and cheap to share.
public struct JSONSchema: Sendable {
    /// The schema document it was compiled from.
    public let source: JSONValue
    let root: Node

    /// Compiles a schema document.
    /// - Throws: ``SchemaError`` when a known keyword has a value of the wrong kind, or a
    ///   `pattern` does not compile.
    public init(_ document: JSONValue) throws(SchemaError) {
        source = document
        root = try Node(document, at: "")
    }

    /// Parses and compiles a schema document from UTF-8 JSON.
    /// - Throws: ``JSONParseError`` or ``SchemaError``.
    public init(bytes: [UInt8]) throws {
        try self.init(JSONValue.parse(bytes))
    }

    /// Parses and compiles a schema document from JSON text.
    /// - Throws: ``JSONParseError`` or ``SchemaError``.
    public init(json: String) throws {
        try self.init(JSONValue.parse(json))
    }

    /// The schema's `title`, if any.
    public var title: String? { source["title"]?.stringValue }

    /// The schema's `$id`, if any.
    public var id: String? { source["$id"]?.stringValue }

    /// Every way `value` fails the schema, in a deterministic order: depth first, object
    /// members in key order, array elements in index order; at one location `type` first, then
    /// `enum`, the string, number and array keywords. When `type` fails, that location's other
    /// keywords are not checked (they would only repeat the point). Empty when `value` is valid.
    public func validate(_ value: JSONValue) -> [SchemaViolation] {
        var violations: [SchemaViolation] = []
        root.validate(value, at: "", into: &violations)
        return violations
    }

    /// Whether `value` satisfies the schema.
    public func isValid(_ value: JSONValue) -> Bool {
        validate(value).isEmpty
    }
}

// MARK: - Compiled nodes

extension JSONSchema {
    /// One compiled (sub)schema.
    final class Node: Sendable {
        let alwaysFails: Bool  // the `false` schema
        let types: [String]?
        let enumValues: [JSONValue]?
        let minLength: Int?
        let maxLength: Int?
        let pattern: SchemaPattern?
        let dateTime: Bool
        let minimum: JSONValue?
        let maximum: JSONValue?
        let minItems: Int?
        let maxItems: Int?
        let items: Node?
        let required: Set<String>
        let properties: [String: Node]
        /// Required and described members, in the order violations are reported.
        let checkedKeys: [String]

        static let typeNames: Set<String> = ["null", "boolean", "integer", "number", "string", "array", "object"]

        init(_ schema: JSONValue, at path: String) throws(SchemaError) {
            if case .bool(let b) = schema {
                alwaysFails = !b
                types = nil; enumValues = nil; minLength = nil; maxLength = nil; pattern = nil
                dateTime = false; minimum = nil; maximum = nil; minItems = nil; maxItems = nil
                items = nil; required = []; properties = [:]; checkedKeys = []
                return
            }
            guard case .object(let k) = schema else {
                throw SchemaError(path: path, reason: "a schema must be an object or a boolean")
            }
            alwaysFails = false

            func count(_ key: String) throws(SchemaError) -> Int? {
                guard let v = k[key] else { return nil }
                guard let n = v.intValue, n >= 0 else {
                    throw SchemaError(path: path + "/" + key, reason: "must be a non-negative integer")
                }
                return n
            }
            func number(_ key: String) throws(SchemaError) -> JSONValue? {
                guard let v = k[key] else { return nil }
                guard v.isNumber else { throw SchemaError(path: path + "/" + key, reason: "must be a number") }
                return v
            }

            switch k["type"] {
            case nil: types = nil
            case .string(let t)?:
                guard Node.typeNames.contains(t) else {
                    throw SchemaError(path: path + "/type", reason: "unknown type \"\(t)\"")
                }
                types = [t]
            case .array(let list)?:
                var names: [String] = []
                for (i, t) in list.enumerated() {
                    guard let name = t.stringValue, Node.typeNames.contains(name) else {
                        throw SchemaError(path: path + "/type/\(i)", reason: "must be a type name")
                    }
                    names.append(name)
                }
                types = names
            default:
                throw SchemaError(path: path + "/type", reason: "must be a type name or an array of them")
            }

            if let e = k["enum"] {
                guard let values = e.arrayValue else { throw SchemaError(path: path + "/enum", reason: "must be an array") }
                enumValues = values
            } else {
                enumValues = nil
            }

            minLength = try count("minLength")
            maxLength = try count("maxLength")
            minItems = try count("minItems")
            maxItems = try count("maxItems")
            minimum = try number("minimum")
            maximum = try number("maximum")

            if let p = k["pattern"] {
                guard let source = p.stringValue else { throw SchemaError(path: path + "/pattern", reason: "must be a string") }
                do { pattern = try SchemaPattern(source) } catch {
                    throw SchemaError(path: path + "/pattern", reason: "not a valid regular expression: \(source)")
                }
            } else {
                pattern = nil
            }

            if let f = k["format"] {
                guard let name = f.stringValue else { throw SchemaError(path: path + "/format", reason: "must be a string") }
                dateTime = name == "date-time"
            } else {
                dateTime = false
            }

            if let i = k["items"] {
                items = try Node(i, at: path + "/items")
            } else {
                items = nil
            }

            if let r = k["required"] {
                guard let list = r.arrayValue else { throw SchemaError(path: path + "/required", reason: "must be an array") }
                var names = Set<String>()
                for (i, name) in list.enumerated() {
                    guard let s = name.stringValue else {
                        throw SchemaError(path: path + "/required/\(i)", reason: "must be a string")
                    }
                    names.insert(s)
                }
                required = names
            } else {
                required = []
            }

            if let p = k["properties"] {
                guard let members = p.objectValue else {
                    throw SchemaError(path: path + "/properties", reason: "must be an object")
                }
                var nodes: [String: Node] = [:]
                for (name, sub) in members {
                    nodes[name] = try Node(sub, at: path + "/properties/" + JSONSchema.pointerEscape(name))
                }
                properties = nodes
            } else {
                properties = [:]
            }
            checkedKeys = required.union(properties.keys).sorted(by: JSONValue.keyOrder)
        }

        func validate(_ value: JSONValue, at path: String, into out: inout [SchemaViolation]) {
            func fail(_ keyword: String, _ problem: String) {
                out.append(SchemaViolation(path: path, keyword: keyword, problem: problem))
            }
            if alwaysFails { fail("false", "is not allowed"); return }

            if let types, !types.contains(where: { JSONSchema.value(value, isOfType: $0) }) {
                let wanted = types.map(JSONSchema.article).joined(separator: " or ")
                fail("type", "must be \(wanted), got \(JSONSchema.describe(value))")
                return
            }

            if let enumValues, !enumValues.contains(value) {
                fail("enum", "must be one of \(JSONValue.array(enumValues).serializedString()), got \(JSONSchema.describe(value, bare: true))")
            }

            switch value {
            case .string(let s):
                if minLength != nil || maxLength != nil {
                    let length = s.unicodeScalars.count
                    if let minLength, length < minLength {
                        fail("minLength", "must be at least \(JSONSchema.plural(minLength, "character")) long, got \(length)")
                    }
                    if let maxLength, length > maxLength {
                        fail("maxLength", "must be at most \(JSONSchema.plural(maxLength, "character")) long, got \(length)")
                    }
                }
                if let pattern, !pattern.matches(s) {
                    fail("pattern", "must match \(pattern.source), got \(JSONSchema.describe(value, bare: true))")
                }
                if dateTime, !DateTimeFormat.isValid(s) {
                    fail("format", "must be an RFC 3339 date-time such as 2026-11-24T10:15:00Z, got \(JSONSchema.describe(value, bare: true))")
                }
            case .integer, .double:
                if let minimum, JSONSchema.compare(value, minimum) < 0 {
                    fail("minimum", "must be at least \(minimum.serializedString()), got \(value.serializedString())")
                }
                if let maximum, JSONSchema.compare(value, maximum) > 0 {
                    fail("maximum", "must be at most \(maximum.serializedString()), got \(value.serializedString())")
                }
            case .array(let elements):
                if let minItems, elements.count < minItems {
                    fail("minItems", "must have at least \(JSONSchema.plural(minItems, "item")), got \(elements.count)")
                }
                if let maxItems, elements.count > maxItems {
                    fail("maxItems", "must have at most \(JSONSchema.plural(maxItems, "item")), got \(elements.count)")
                }
                if let items {
                    for (i, element) in elements.enumerated() {
                        items.validate(element, at: path + "/\(i)", into: &out)
                    }
                }
            case .object(let members):
                for key in checkedKeys {
                    let memberPath = path + "/" + JSONSchema.pointerEscape(key)
                    if let member = members[key] {
                        properties[key]?.validate(member, at: memberPath, into: &out)
                    } else if required.contains(key) {
                        out.append(SchemaViolation(path: memberPath, keyword: "required", problem: "is required"))
                    }
                }
            case .null, .bool:
                break
            }
        }
    }
}

// MARK: - Helpers

extension JSONSchema {
    /// `key` escaped for a JSON Pointer (RFC 6901): `~` → `~0`, `/` → `~1`.
    static func pointerEscape(_ key: String) -> String {
        guard key.contains("~") || key.contains("/") else { return key }
        return key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    static func value(_ value: JSONValue, isOfType type: String) -> Bool {
        switch (type, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object),
             ("number", .integer), ("number", .double), ("integer", .integer):
            return true
        case ("integer", .double(let d)):
            return d.isFinite && d.rounded(.towardZero) == d
        default:
            return false
        }
    }

    static func article(_ type: String) -> String {
        switch type {
        case "null": return "null"
        case "integer", "object", "array": return "an \(type)"
        default: return "a \(type)"
        }
    }

    static func plural(_ n: Int, _ noun: String) -> String {
        n == 1 ? "1 \(noun)" : "\(n) \(noun)s"
    }

    /// A short description of `value` for a message; long strings are cut to 64 characters.
    /// With `bare`, a string or number is shown as its JSON text alone (`"es"`, `3.5`).
    public static func describe(_ value: JSONValue, bare: Bool = false) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return bare ? "\(b)" : "boolean \(b)"
        case .integer, .double: return bare ? value.serializedString() : "number \(value.serializedString())"
        case .string(let s):
            let scalars = s.unicodeScalars
            let shown: JSONValue = scalars.count > 64
                ? .string(String(String.UnicodeScalarView(scalars.prefix(64))) + "…") : value
            return bare ? shown.serializedString() : "string \(shown.serializedString())"
        case .array(let a): return a.isEmpty ? "an empty array" : "an array"
        case .object: return "an object"
        }
    }

    /// Compares two numbers exactly (no rounding of large integers through `Double`):
    /// negative, zero or positive as `a` is below, equal to or above `b`.
    static func compare(_ a: JSONValue, _ b: JSONValue) -> Int {
        switch (a, b) {
        case (.integer(let x), .integer(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.double(let x), .double(let y)): return x < y ? -1 : (x > y ? 1 : 0)
        case (.integer(let x), .double(let y)): return compare(x, y)
        case (.double(let x), .integer(let y)): return -compare(y, x)
        default: return 0
        }
    }

    static func compare(_ i: Int64, _ d: Double) -> Int {
        if d.isNaN { return 0 }
        if d >= 9_223_372_036_854_775_808.0 { return -1 }
        if d < -9_223_372_036_854_775_808.0 { return 1 }
        let floor = d.rounded(.down)
        let f = Int64(floor)
        if i < f { return -1 }
        if i > f { return 1 }
        return d > floor ? -1 : 0
    }
}
