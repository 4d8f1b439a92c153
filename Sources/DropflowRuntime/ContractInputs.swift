import DropflowContract

extension InputTopic {
    /// A topic whose values must be JSON objects valid under a contract schema.
    /// A value that is not JSON, not an object, or breaks the schema is
    /// refused with the reasons (which go into the DLQ's `dlq-reason`).
    public static func contract(_ name: String, schema: ContractSchema) -> InputTopic {
        let compiled = ContractSchema.schema(schema)
        return InputTopic(name) { _, value in
            guard let value else { return "null value (tombstone) where a \(schema.rawValue) object is expected" }
            let json: JSONValue
            do { json = try JSONValue.parse(value) } catch { return "not JSON: \(error)" }
            guard json.objectValue != nil else { return "not a JSON object but \(json.typeName)" }
            let violations = compiled.validate(json)
            guard violations.isEmpty else {
                return "invalid \(schema.rawValue): " + violations.prefix(20).map(\.message).joined(separator: "; ")
            }
            return nil
        }
    }

    /// A topic whose values must be JSON objects (no schema).
    public static func jsonObject(_ name: String) -> InputTopic {
        InputTopic(name) { _, value in
            guard let value else { return "null value where a JSON object is expected" }
            do {
                let json = try JSONValue.parse(value)
                return json.objectValue == nil ? "not a JSON object but \(json.typeName)" : nil
            } catch { return "not JSON: \(error)" }
        }
    }
}
