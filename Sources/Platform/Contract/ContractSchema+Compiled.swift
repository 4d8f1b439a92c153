import DropflowJSON
extension ContractSchema {
    /// Every contract schema, parsed and compiled once (on first use, thread-safely).
    private static let compiled: [ContractSchema: JSONSchema] = {
        var all: [ContractSchema: JSONSchema] = [:]
        for schema in ContractSchema.allCases {
            do {
                all[schema] = try JSONSchema(json: schema.json)
            } catch {
                // The embedded schemas are checked by the contract tests; this cannot happen in a
                // tested build.
                fatalError("embedded contract schema \(schema.rawValue) does not compile: \(error)")
            }
        }
        return all
    }()

    /// The compiled schema for `schema` (compiled once per process).
    public static func schema(_ schema: ContractSchema) -> JSONSchema {
        compiled[schema]!
    }

    /// The compiled schema (compiled once per process).
    public var schema: JSONSchema { ContractSchema.schema(self) }

    /// Every way `value` fails this schema; empty when it is valid. See ``JSONSchema/validate(_:)``.
    public func validate(_ value: JSONValue) -> [SchemaViolation] {
        schema.validate(value)
    }
}
