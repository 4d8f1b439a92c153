import DropflowCore
/// One way a JSON value fails a ``JSONSchema``.
///
/// ``path`` is a JSON Pointer (RFC 6901) to the offending value: `""` for the root,
/// `/lines/0/quantity` for a nested one (`~` and `/` in keys are written `~0` and `~1`). For a
/// missing `required` member the path is the member's own path, e.g. `/customer/email`.
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// JSON Pointer to the offending value; `""` is the root.
    public let path: String
    /// The schema keyword that failed: `type`, `required`, `enum`, `pattern`, `format`,
    /// `minLength`, `maxLength`, `minimum`, `maximum`, `minItems`, `maxItems`, or `false`
    /// (a `false` schema).
    public let keyword: String
    /// What is wrong, without the path, e.g. `must be at least 1, got 0`.
    public let problem: String

    /// Creates a violation.
    public init(path: String, keyword: String, problem: String) {
        self.path = path
        self.keyword = keyword
        self.problem = problem
    }

    /// The path, or `(root)` for the root, then the problem: `/lines/0/quantity: must be at least 1, got 0`.
    /// Written for the sender of the message (a merchant, a supplier) to act on.
    public var message: String { "\(path.isEmpty ? "(root)" : path): \(problem)" }

    /// Same as ``message``.
    public var description: String { message }
}

/// Why a schema could not be compiled: ``path`` is a JSON Pointer into the schema document.
public struct SchemaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where in the schema document, e.g. `/properties/lines/minItems`.
    public let path: String
    /// What is wrong there.
    public let reason: String
    public var description: String { "invalid schema at \(path.isEmpty ? "(root)" : path): \(reason)" }
}
