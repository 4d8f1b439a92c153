/// A Kafka record header. Values are bytes; `nil` is a header without a value.
public struct KafkaHeader: Sendable, Hashable, CustomStringConvertible {
    public var key: String
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    public init(key: String, string: String) {
        self.key = key
        self.value = Array(string.utf8)
    }

    /// The value as UTF-8 text, if it is valid UTF-8.
    public var stringValue: String? {
        value.flatMap { String(validating: $0, as: UTF8.self) }
    }

    public var description: String { "\(key)=\(stringValue ?? value.map { "\($0.count) bytes" } ?? "null")" }
}

extension Array where Element == KafkaHeader {
    /// The value of the last header with this key, as text.
    public func string(_ key: String) -> String? {
        last(where: { $0.key == key })?.stringValue
    }
}
