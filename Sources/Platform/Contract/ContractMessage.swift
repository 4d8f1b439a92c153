import DropflowJSON
/// A JSON object with a Swift type: decoded from a parsed value, encoded back to one.
///
/// The conforming types are generated from the contract's schemas (`Generated/ContractMessages.swift`,
/// `scripts/gen-contract.sh`). Decoding checks the shape the type needs (JSON types, required
/// members, enum values); it does not check every constraint of the schema (lengths, patterns,
/// bounds): ``ContractMessage/violations()`` or ``ContractSchema/validate(_:)`` do that.
/// Members the schema does not list are kept in `unknownMembers` and written back by ``json``.
public protocol JSONObjectType: Sendable, Hashable {
    /// Decodes a JSON object; throws ContractDecodingError naming the JSON Pointer of what does not fit.
    init(json: JSONValue) throws(ContractDecodingError)
    /// The object, with `unknownMembers` merged in (known members win).
    var json: JSONValue { get }
}

/// The Swift type of one message of the Kafka contract (one file of `contract/schemas/`).
public protocol ContractMessage: JSONObjectType {
    /// The schema the message follows.
    static var schema: ContractSchema { get }
}

extension JSONObjectType {
    /// Parses UTF-8 JSON, then decodes it.
    ///
    /// - Throws: ``ContractDecodingError`` for both kinds of failure: bytes that are not JSON
    ///   give path `""` and the ``JSONParseError`` text as the problem (`invalid JSON at line 1,
    ///   column 2 (byte 1): ...`); a value that does not fit gives the path of what does not.
    ///   To tell the two apart (e.g. to dead-letter bytes that are not JSON), parse with
    ///   ``JSONValue/parse(_:)-(Array<UInt8>)`` first and call ``init(json:)``.
    public init(bytes: [UInt8]) throws(ContractDecodingError) {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw ContractDecodingError(path: "", problem: error.description)
        }
        try self.init(json: value)
    }

    /// ``json`` as compact JSON with sorted keys (``JSONValue/serialized()``).
    public func serialized() -> [UInt8] {
        json.serialized()
    }
}

extension ContractMessage {
    /// Every way ``json`` fails ``schema``; empty when the message is valid.
    public func violations() -> [SchemaViolation] {
        Self.schema.validate(json)
    }
}

/// Why a JSON value does not decode into a contract type, and where.
public struct ContractDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// JSON Pointer (RFC 6901) to what does not fit: `""` for the root, `/lines/0/quantity` for a
    /// nested value, the member's own path for a missing one (`/customer/email`).
    public let path: String
    /// What is wrong, without the path: `expected an integer, got string`,
    /// `missing required member`, `not one of economy, standard, express: "fast"`.
    public let problem: String

    /// Creates an error.
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    /// The path (`(root)` for the root), then the problem: `/lines/0/quantity: expected an integer, got string`.
    public var description: String { "\(path.isEmpty ? "(root)" : path): \(problem)" }

    /// The same error one level deeper: `prefix` (a JSON Pointer) put before the path.
    public func under(_ prefix: String) -> ContractDecodingError {
        ContractDecodingError(path: prefix + path, problem: problem)
    }
}

extension JSONValue {
    /// The member named by `field` (a generated type's `Field`: `value[OrderPlaced.Field.orderID]`)
    /// when this is an object that has it, else `nil`. For code that must touch raw JSON (a
    /// normalizer that runs before validation) without spelling member names as literals.
    public subscript<F: RawRepresentable>(field: F) -> JSONValue? where F.RawValue == String {
        self[field.rawValue]
    }
}

extension ContractExample {
    /// The example decoded as `T`; stops the process when it does not decode (the contract tests
    /// decode every example, so a tested build never does).
    func decoded<T: JSONObjectType>(as type: T.Type = T.self) -> T {
        do {
            return try T(json: value)
        } catch {
            fatalError("contract example \(rawValue) does not decode as \(T.self): \(error)")
        }
    }
}
