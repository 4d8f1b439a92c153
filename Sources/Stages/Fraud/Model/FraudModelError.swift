/// Why a model file could not be used.
public enum FraudModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The bytes are not JSON.
    case notJSON(String)
    /// Not a fraud model file, or a format version this build does not read.
    case unsupportedFormat(String)
    /// The file was trained on other features than this build computes.
    case featureMismatch(expected: [String], found: [String])
    /// A required part is missing or malformed.
    case malformed(String)
    /// The file could not be read.
    case unreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .notJSON(let why): return "fraud model file is not JSON: \(why)"
        case .unsupportedFormat(let what): return "unsupported fraud model file: \(what)"
        case .featureMismatch(let expected, let found):
            let missing = expected.filter { !found.contains($0) }
            let extra = found.filter { !expected.contains($0) }
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing " + missing.joined(separator: ", ")) }
            if !extra.isEmpty { parts.append("unknown " + extra.joined(separator: ", ")) }
            if parts.isEmpty { parts.append("same names in another order") }
            return "fraud model was trained on other features than this build computes (\(parts.joined(separator: "; "))); retrain it"
        case .malformed(let what): return "malformed fraud model file: \(what)"
        case .unreadable(let path, let reason): return "cannot read fraud model file \(path): \(reason)"
        }
    }
}
