import Logging

/// Masking of secret values in log metadata.
public enum LogRedaction {
    /// What a secret value is replaced with.
    public static let mask = "******"

    /// Key fragments that mark a value as secret, compared case-insensitively.
    public static let sensitiveKeyFragments = ["password", "secret", "token"]

    /// Whether `key` names a secret, e.g. `sasl.password`, `clientSecret`, `api_token`.
    public static func isSensitive(key: String) -> Bool {
        let lowered = key.lowercased()
        return self.sensitiveKeyFragments.contains { lowered.contains($0) }
    }

    /// `metadata` with the value of every secret key replaced by ``mask``, at every depth
    /// (dictionaries inside dictionaries and arrays are walked too).
    public static func redact(_ metadata: Logger.Metadata) -> Logger.Metadata {
        var result = Logger.Metadata(minimumCapacity: metadata.count)
        for (key, value) in metadata {
            result[key] = self.isSensitive(key: key) ? .string(self.mask) : self.redact(value)
        }
        return result
    }

    static func redact(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .string, .stringConvertible:
            return value
        case .dictionary(let dictionary):
            return .dictionary(self.redact(dictionary))
        case .array(let array):
            return .array(array.map { self.redact($0) })
        }
    }
}

/// Wraps another handler (the human format's `StreamLogHandler`) and masks secret
/// metadata before it reaches it. Values coming from the wrapped handler's own
/// metadata provider are not seen here; ``JSONLogHandler`` masks those too.
struct RedactingLogHandler: LogHandler {
    private var inner: any LogHandler

    init(wrapping inner: any LogHandler) {
        self.inner = inner
    }

    var logLevel: Logger.Level {
        get { self.inner.logLevel }
        set { self.inner.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { self.inner.metadata }
        set { self.inner.metadata = LogRedaction.redact(newValue) }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { self.inner.metadataProvider }
        set { self.inner.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.inner[metadataKey: key] }
        set {
            self.inner[metadataKey: key] =
                LogRedaction.isSensitive(key: key) ? newValue.map { _ in .string(LogRedaction.mask) } : newValue.map(LogRedaction.redact)
        }
    }

    func log(event: LogEvent) {
        var event = event
        event.metadata = event.metadata.map(LogRedaction.redact)
        self.inner.log(event: event)
    }
}
