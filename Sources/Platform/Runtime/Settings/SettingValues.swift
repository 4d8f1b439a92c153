/// The values of a worker's settings: from its command-line flags (`--name value` or
/// `--name=value`), else its environment variables, else the defaults. Every value is checked
/// when this is made, so reading one cannot fail.
public struct SettingValues: Sendable {
    /// The texts given, by setting name: flags first, then the environment; the last flag wins.
    private let given: [String: String]
    /// `key=value` pairs of `--kafka-property`, in order.
    public let kafkaProperties: [String]
    /// The environment it read.
    public let environment: [String: String]

    /// The flag that takes any librdkafka property, repeatable; `DROPFLOW_KAFKA_<KEY>` variables too.
    public static let kafkaPropertyFlag = "kafka-property"

    /// Reads `arguments` against `settings`.
    /// - Throws: ``SettingError`` for an unknown flag, a flag without its value, or a value the
    ///   setting refuses (naming the flag or the variable it came from).
    public init(arguments: [String], environment: [String: String], settings: [SettingDescription]) throws(SettingError) {
        let byName = Dictionary(settings.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var given: [String: String] = [:]
        for s in settings {
            guard let text = environment[s.environment], !text.isEmpty else { continue }
            if let problem = s.check(text) { throw SettingError("\(s.environment): \(problem)") }
            given[s.name] = text
        }
        var properties: [String] = []
        var i = 0
        while i < arguments.count {
            let arg = arguments[i]
            guard arg.hasPrefix("--"), arg.count > 2 else {
                throw SettingError("unexpected argument \(arg); options are --name value (see --help)")
            }
            var name = String(arg.dropFirst(2))
            var value: String?
            if let eq = name.firstIndex(of: "=") {
                value = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if value == nil {
                guard i + 1 < arguments.count else { throw SettingError("--\(name) wants a value") }
                i += 1
                value = arguments[i]
            }
            i += 1
            if name == Self.kafkaPropertyFlag {
                properties.append(value!)
                continue
            }
            guard let s = byName[name] else { throw SettingError("unknown option --\(name) (see --help)") }
            if let problem = s.check(value!) { throw SettingError("--\(name): \(problem)") }
            given[name] = value!
        }
        self.given = given
        kafkaProperties = properties
        self.environment = environment
    }

    /// The value of `setting`.
    public subscript<Value>(_ setting: Setting<Value>) -> Value {
        guard let text = given[setting.name] else { return setting.defaultValue }
        guard case .success(let value) = setting.parse(text) else {
            preconditionFailure("\(setting.name) was checked when the values were read")
        }
        return value
    }

    /// Whether `setting` was given (by flag or variable) rather than defaulted.
    public func isGiven<Value>(_ setting: Setting<Value>) -> Bool { given[setting.name] != nil }
}
