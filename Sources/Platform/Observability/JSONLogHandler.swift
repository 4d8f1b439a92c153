import DropflowCore
import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A `LogHandler` writing one JSON object per line.
///
/// Fields, in this order: `ts` (RFC 3339, UTC, milliseconds), `level`, `label`, `msg`,
/// `source`, then every metadata item flattened at top level under its own key, sorted
/// (`"kafka.topic": "orders"`). A metadata key equal to one of the five fixed fields is
/// written as `meta.<key>`. Strings and string-convertible values are JSON strings,
/// arrays are arrays and dictionaries objects. Values of keys containing `password`,
/// `secret` or `token` (any case, at any depth) are written as `"******"`.
/// An error attached to the event adds `error.message` and `error.type`.
public struct JSONLogHandler: LogHandler {
    /// Receives one encoded line, without the trailing newline.
    public typealias Sink = @Sendable (String) -> Void

    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?

    private let label: String
    private let sink: Sink
    private let clock: @Sendable () -> Date

    /// - Parameters:
    ///   - label: The logger's label, written as `label`.
    ///   - metadataProvider: Defaults to the one given to `LoggingSystem.bootstrap`, if any.
    ///   - sink: Where lines go; defaults to stderr (newline-terminated, one `write` per line).
    ///   - clock: Time source for `ts`.
    public init(
        label: String,
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider,
        sink: @escaping Sink = JSONLogHandler.standardError,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.sink = sink
        self.clock = clock
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = self.metadata
        if let provided = self.metadataProvider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, new in new }
        }
        if let explicit = event.metadata, !explicit.isEmpty {
            merged.merge(explicit) { _, new in new }
        }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        self.sink(
            Self.encode(
                timestamp: self.clock(),
                level: event.level,
                label: self.label,
                message: event.message.description,
                source: event.source,
                metadata: merged
            )
        )
    }

    /// The default sink: writes the line and a newline to file descriptor 2.
    public static let standardError: Sink = { line in
        let bytes = Array((line + "\n").utf8)
        stderrLock.withLock { _ in
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                    if written > 0 {
                        offset += written
                    } else if written < 0 && errno == EINTR {
                        continue
                    } else {
                        return
                    }
                }
            }
        }
    }

    private static let stderrLock = Locked(())

    static let reservedKeys: Set<String> = ["ts", "level", "label", "msg", "source"]

    static func encode(
        timestamp: Date,
        level: Logger.Level,
        label: String,
        message: String,
        source: String,
        metadata: Logger.Metadata
    ) -> String {
        var out = JSONWriter()
        out.beginObject()
        out.key("ts")
        out.string(DateTimeFormat.format(timestamp))
        out.key("level")
        out.string(level.rawValue)
        out.key("label")
        out.string(label)
        out.key("msg")
        out.string(message)
        out.key("source")
        out.string(source)
        for key in metadata.keys.sorted() {
            out.key(self.reservedKeys.contains(key) ? "meta.\(key)" : key)
            out.value(metadata[key]!, redacted: LogRedaction.isSensitive(key: key))
        }
        out.endObject()
        return out.text
    }
}

/// Minimal JSON text builder for log lines.
struct JSONWriter {
    private(set) var text = ""
    private var needsComma = false

    init() {
        self.text.reserveCapacity(256)
    }

    mutating func beginObject() {
        self.separate()
        self.text.append("{")
        self.needsComma = false
    }

    mutating func endObject() {
        self.text.append("}")
        self.needsComma = true
    }

    mutating func beginArray() {
        self.separate()
        self.text.append("[")
        self.needsComma = false
    }

    mutating func endArray() {
        self.text.append("]")
        self.needsComma = true
    }

    mutating func key(_ key: String) {
        self.string(key)
        self.text.append(":")
        self.needsComma = false
    }

    mutating func string(_ value: String) {
        self.separate()
        self.text.append("\"")
        Self.appendEscaped(value, to: &self.text)
        self.text.append("\"")
        self.needsComma = true
    }

    mutating func value(_ value: Logger.MetadataValue, redacted: Bool = false) {
        if redacted {
            self.string(LogRedaction.mask)
            return
        }
        switch value {
        case .string(let string):
            self.string(string)
        case .stringConvertible(let convertible):
            self.string(convertible.description)
        case .array(let array):
            self.beginArray()
            for element in array {
                self.value(element)
            }
            self.endArray()
        case .dictionary(let dictionary):
            self.beginObject()
            for key in dictionary.keys.sorted() {
                self.key(key)
                self.value(dictionary[key]!, redacted: LogRedaction.isSensitive(key: key))
            }
            self.endObject()
        }
    }

    private mutating func separate() {
        if self.needsComma {
            self.text.append(",")
        }
    }

    /// Escapes per RFC 8259: quote, backslash and control characters; everything else,
    /// including non-ASCII, is kept as UTF-8. U+2028/U+2029 are escaped too, so a line
    /// is also safe to embed in JavaScript.
    static func appendEscaped(_ string: String, to out: inout String) {
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case "\u{08}": out.append("\\b")
            case "\u{0C}": out.append("\\f")
            case "\u{2028}": out.append("\\u2028")
            case "\u{2029}": out.append("\\u2029")
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out.append("\\u")
                    out.append(String(repeating: "0", count: 4 - hex.count))
                    out.append(hex)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
    }
}
