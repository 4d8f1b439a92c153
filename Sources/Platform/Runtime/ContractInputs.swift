import DropflowCore
import DropflowJSON
import DropflowContract

extension InputTopic {
    /// A topic whose values must be JSON objects valid under the topic's contract schema.
    /// A value that is not JSON, not an object, or breaks the schema is
    /// refused with the reasons (which go into the DLQ's `dlq-reason`).
    /// The handler finds the parsed value in ``StageInput/json``.
    public static func contract(_ topic: TopicDeclaration) -> InputTopic {
        guard let schema = topic.schema else { preconditionFailure("\(topic.name) declares no contract schema") }
        let compiled = ContractSchema.schema(schema)
        return InputTopic(topic, decodeJSON: { (value: [UInt8]?) throws(InvalidInput) -> JSONValue in
            let json = try decodeObject(value, ifNull: "null value (tombstone) where a \(schema.rawValue) object is expected")
            let violations = compiled.validate(json)
            guard violations.isEmpty else {
                throw InvalidInput(reason: "invalid \(schema.rawValue): " + violations.prefix(20).map(\.message).joined(separator: "; "))
            }
            return json
        })
    }

    /// A topic whose values must be JSON objects (no schema). The handler finds the parsed
    /// value in ``StageInput/json``.
    public static func jsonObject(_ topic: TopicDeclaration) -> InputTopic {
        InputTopic(topic, decodeJSON: { (value: [UInt8]?) throws(InvalidInput) -> JSONValue in
            try decodeObject(value, ifNull: "null value where a JSON object is expected")
        })
    }

    private static func decodeObject(_ value: [UInt8]?, ifNull: String) throws(InvalidInput) -> JSONValue {
        guard let value else { throw InvalidInput(reason: ifNull) }
        let json: JSONValue
        do { json = try JSONValue.parse(value) } catch { throw InvalidInput(reason: "not JSON: \(error)") }
        guard json.objectValue != nil else { throw InvalidInput(reason: "not a JSON object but \(json.typeName)") }
        return json
    }
}

/// Why an input was refused (the DLQ's `dlq-reason`).
public struct InvalidInput: Error, Sendable {
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

extension StageError {
    /// `value` as a typed message, or a permanent failure naming what does not fit (the input
    /// goes to the dead-letter topic): for a handler that reads more than the runtime checked.
    public static func decode<T: JSONObjectType>(_ type: T.Type, _ value: JSONValue, as what: String) throws -> T {
        do { return try T(json: value) } catch { throw StageError.permanent("not \(what): \(error)") }
    }
}
