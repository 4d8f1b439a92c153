import DropflowJSON
/// What the generated decoders (`Generated/ContractMessages.swift`) call, one function per kind
/// of member; the pipeline's own message types use them too, so every message decodes by the
/// same rules. Each takes the member's value (`nil` when absent) and its path relative to the
/// object being decoded (`/quantity`); a nested object's or an array element's errors are
/// prefixed with its path on the way out, so paths are only built when something fails.
public enum MessageDecoding {
    /// The members of an object.
    public static func members(_ value: JSONValue) throws(ContractDecodingError) -> [String: JSONValue] {
        guard case .object(let members) = value else {
            throw ContractDecodingError(path: "", problem: "expected an object, got \(value.typeName)")
        }
        return members
    }

    /// The members of `members` whose names are not in `known`, as they came.
    public static func unknownMembers(_ members: [String: JSONValue], known: Set<String>) -> [String: JSONValue] {
        var unknown: [String: JSONValue] = [:]
        for (key, value) in members where !known.contains(key) {
            unknown[key] = value
        }
        return unknown
    }

    public static func missing(_ path: String) -> ContractDecodingError {
        ContractDecodingError(path: path, problem: "missing required member")
    }

    public static func wrongType(_ value: JSONValue, _ path: String, expected: String) -> ContractDecodingError {
        ContractDecodingError(path: path, problem: "expected \(expected), got \(value.typeName)")
    }

    /// An optional member: absent or JSON `null` is `nil` (null is treated as absent, so a
    /// producer that writes `null` for "none" is understood; re-encoding then omits the member).
    public static func optional<T>(
        _ value: JSONValue?, _ path: String,
        _ decode: (JSONValue?, String) throws(ContractDecodingError) -> T
    ) throws(ContractDecodingError) -> T? {
        guard let value, !value.isNull else { return nil }
        return try decode(value, path)
    }

    public static func string(_ value: JSONValue?, _ path: String) throws(ContractDecodingError) -> String {
        guard let value else { throw missing(path) }
        guard case .string(let s) = value else { throw wrongType(value, path, expected: "a string") }
        return s
    }

    /// An integer: any number with an integral value that fits in `Int` (`3` and `3.0`).
    public static func int(_ value: JSONValue?, _ path: String) throws(ContractDecodingError) -> Int {
        guard let value else { throw missing(path) }
        switch value {
        case .integer(let i):
            if let n = Int(exactly: i) { return n }
        case .double:
            if let n = value.intValue { return n }
        default:
            throw wrongType(value, path, expected: "an integer")
        }
        throw ContractDecodingError(path: path, problem: "expected an integer, got \(value.serializedString())")
    }

    public static func double(_ value: JSONValue?, _ path: String) throws(ContractDecodingError) -> Double {
        guard let value else { throw missing(path) }
        guard let d = value.doubleValue else { throw wrongType(value, path, expected: "a number") }
        return d
    }

    public static func bool(_ value: JSONValue?, _ path: String) throws(ContractDecodingError) -> Bool {
        guard let value else { throw missing(path) }
        guard case .bool(let b) = value else { throw wrongType(value, path, expected: "a boolean") }
        return b
    }

    /// An object the schema does not describe, kept as it is.
    public static func jsonObject(_ value: JSONValue?, _ path: String) throws(ContractDecodingError) -> JSONValue {
        guard let value else { throw missing(path) }
        guard case .object = value else { throw wrongType(value, path, expected: "an object") }
        return value
    }

    /// A string that must be one of the enum's raw values.
    public static func enumeration<E: RawRepresentable & CaseIterable>(
        _ value: JSONValue?, _ path: String
    ) throws(ContractDecodingError) -> E where E.RawValue == String {
        guard let value else { throw missing(path) }
        func allowed() -> String { E.allCases.map(\.rawValue).joined(separator: ", ") }
        guard case .string(let s) = value else {
            throw ContractDecodingError(path: path, problem: "expected a string (one of \(allowed())), got \(value.typeName)")
        }
        guard let e = E(rawValue: s) else {
            throw ContractDecodingError(path: path, problem: "not one of \(allowed()): \(JSONSchema.describe(value, bare: true))")
        }
        return e
    }

    /// A nested object of a generated type.
    public static func object<T: JSONObjectType>(_ value: JSONValue?, _ path: String) throws(ContractDecodingError) -> T {
        guard let value else { throw missing(path) }
        do {
            return try T(json: value)
        } catch {
            throw error.under(path)
        }
    }

    /// An array, each element decoded by `element` (errors name the element: `/lines/1/sku`).
    public static func array<T>(
        _ value: JSONValue?, _ path: String,
        _ element: (JSONValue?, String) throws(ContractDecodingError) -> T
    ) throws(ContractDecodingError) -> [T] {
        guard let value else { throw missing(path) }
        guard case .array(let elements) = value else { throw wrongType(value, path, expected: "an array") }
        var out: [T] = []
        out.reserveCapacity(elements.count)
        for (i, e) in elements.enumerated() {
            do {
                out.append(try element(e, ""))
            } catch {
                throw error.under("\(path)/\(i)")
            }
        }
        return out
    }

    /// An optional array: absent or `null` is `nil`.
    public static func optionalArray<T>(
        _ value: JSONValue?, _ path: String,
        _ element: (JSONValue?, String) throws(ContractDecodingError) -> T
    ) throws(ContractDecodingError) -> [T]? {
        guard let value, !value.isNull else { return nil }
        return try array(value, path, element)
    }
}

extension JSONValue {
    /// A `number` member as the generated encoders write it: an integral value of magnitude up
    /// to 2^53 as ``integer(_:)`` (so `"p50": 4` re-encodes as `4`, byte-identical, not `4.0`),
    /// anything else (and -0.0) as ``double(_:)``. Either way the value is equal to the
    /// `Double` (``JSONValue`` equality is semantic), and it is valid for `type: number`.
    public static func number(_ d: Double) -> JSONValue {
        if d.magnitude <= 9_007_199_254_740_992, d.rounded(.towardZero) == d, !(d == 0 && d.sign == .minus) {
            return .integer(Int64(d))
        }
        return .double(d)
    }
}
