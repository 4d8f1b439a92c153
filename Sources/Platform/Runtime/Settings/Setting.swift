import DropflowCore

/// One option of a worker, declared once: its flag (`--max-in-flight`), its environment
/// variable (`DROPFLOW_MAX_IN_FLIGHT`), its default and its help. A flag wins over the
/// variable, the variable over the default. `dropflow worker <stage> --help` and the README's
/// table of options are made from these declarations.
public struct Setting<Value: Sendable>: Sendable {
    /// The flag without its dashes, e.g. `max-in-flight`.
    public let name: String
    /// The environment variable, e.g. `DROPFLOW_MAX_IN_FLIGHT`.
    public let environment: String
    public let help: String
    /// How the value is shown in the help, e.g. `n`, `seconds`, `host:port[,host:port]`.
    public let valueName: String
    public let defaultValue: Value
    /// The default as the help shows it (empty: none).
    public let defaultText: String
    /// The value of a text, or why not (a sentence without the option's name).
    let parse: @Sendable (String) -> Result<Value, SettingError.Problem>

    public init(_ name: String, environment: String? = nil, default defaultValue: Value, defaultText: String? = nil,
                valueName: String, help: String, parse: @escaping @Sendable (String) -> Result<Value, SettingError.Problem>) {
        self.name = name
        self.environment = environment ?? Self.environmentName(for: name)
        self.help = help
        self.valueName = valueName
        self.defaultValue = defaultValue
        self.defaultText = defaultText ?? "\(defaultValue)"
        self.parse = parse
    }

    /// `DROPFLOW_` and the name in upper case with underscores: `max-in-flight` → `DROPFLOW_MAX_IN_FLIGHT`.
    public static func environmentName(for name: String) -> String {
        "DROPFLOW_" + name.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// The setting whatever its type: what the help and the documentation show of it, and a
    /// check of a text.
    public var declaration: SettingDescription {
        SettingDescription(name: name, environment: environment, valueName: valueName, defaultText: defaultText, help: help,
                           check: { text in if case .failure(let p) = self.parse(text) { return p } else { return nil } })
    }
}

/// A setting's name, variable, help and default, whatever its type; and a check of a text.
public struct SettingDescription: Sendable {
    public let name: String
    public let environment: String
    public let valueName: String
    public let defaultText: String
    public let help: String
    /// Why `text` is not a value of the setting, or nil.
    let check: @Sendable (String) -> SettingError.Problem?

    /// `--name`.
    public var flag: String { "--" + name }
}

/// Why the worker's options cannot be used.
public struct SettingError: Error, Sendable, CustomStringConvertible {
    /// What is wrong with a value.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public let text: String
        public init(_ text: String) { self.text = text }
        public var description: String { text }
    }

    public let description: String
    public init(_ description: String) { self.description = description }
}

// MARK: Kinds of settings

extension Setting {
    /// A setting whose values are checked by `check` (a sentence without the option's name, or nil).
    public func checked(_ check: @escaping @Sendable (Value) -> String?) -> Setting {
        let parse = self.parse
        return Setting(name, environment: environment, default: defaultValue, defaultText: defaultText, valueName: valueName,
                       help: help) { text in
            parse(text).flatMap { v in check(v).map { .failure(SettingError.Problem($0)) } ?? .success(v) }
        }
    }
}

extension Setting where Value == String {
    public static func text(_ name: String, environment: String? = nil, default value: String, valueName: String = "text",
                            help: String) -> Setting {
        Setting(name, environment: environment, default: value, valueName: valueName, help: help) { .success($0) }
    }

    /// One of `choices`.
    public static func choice(_ name: String, environment: String? = nil, default value: String, choices: [String],
                              help: String) -> Setting {
        Setting(name, environment: environment, default: value, valueName: choices.joined(separator: "|"), help: help) { text in
            choices.contains(text) ? .success(text) : .failure(SettingError.Problem("must be \(choices.joined(separator: ", ")), got \(text)"))
        }
    }
}

extension Setting where Value == String? {
    public static func optionalText(_ name: String, environment: String? = nil, valueName: String = "text",
                                    defaultText: String, help: String) -> Setting {
        Setting(name, environment: environment, default: nil, defaultText: defaultText, valueName: valueName, help: help) { .success($0) }
    }
}

extension Setting where Value == Int {
    public static func integer(_ name: String, environment: String? = nil, default value: Int, defaultText: String? = nil,
                               valueName: String = "n", help: String) -> Setting {
        Setting(name, environment: environment, default: value, defaultText: defaultText, valueName: valueName, help: help) { text in
            Int(text).map { .success($0) } ?? .failure(SettingError.Problem("wants a whole number, got \(text)"))
        }
    }
}

extension Setting where Value == Double {
    public static func number(_ name: String, environment: String? = nil, default value: Double, defaultText: String? = nil,
                              valueName: String = "x", help: String) -> Setting {
        Setting(name, environment: environment, default: value, defaultText: defaultText, valueName: valueName, help: help) { text in
            Double(text).map { .success($0) } ?? .failure(SettingError.Problem("wants a number, got \(text)"))
        }
    }
}

extension Setting where Value == Double? {
    public static func optionalNumber(_ name: String, environment: String? = nil, valueName: String = "x", defaultText: String,
                                      help: String) -> Setting {
        Setting(name, environment: environment, default: nil, defaultText: defaultText, valueName: valueName, help: help) { text in
            Double(text).map { .success($0) } ?? .failure(SettingError.Problem("wants a number, got \(text)"))
        }
    }
}

extension Setting where Value == Duration {
    /// A duration given in (fractional) seconds.
    public static func seconds(_ name: String, environment: String? = nil, default value: Duration, help: String) -> Setting {
        Setting(name, environment: environment, default: value, defaultText: "\(value.inSecondsText) s", valueName: "seconds",
                help: help) { text in
            guard let s = Double(text), s >= 0, s.isFinite else { return .failure(SettingError.Problem("wants seconds, got \(text)")) }
            return .success(.seconds(fractional: s))
        }
    }

    /// A duration given in whole milliseconds.
    public static func milliseconds(_ name: String, environment: String? = nil, default value: Duration, help: String) -> Setting {
        Setting(name, environment: environment, default: value, defaultText: "\(value.milliseconds)", valueName: "ms", help: help) { text in
            guard let ms = Int64(text), ms >= 0 else { return .failure(SettingError.Problem("wants milliseconds, got \(text)")) }
            return .success(.milliseconds(ms))
        }
    }
}

extension Duration {
    /// Seconds with no needless decimals: `2`, `0.5`.
    var inSecondsText: String {
        let s = inSeconds
        return s == s.rounded() ? String(Int64(s)) : String(s)
    }
}
