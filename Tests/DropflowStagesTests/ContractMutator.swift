import DropflowCore
import DropflowJSON
import DropflowKafka

/// A seeded generator of broken and borderline versions of a contract message: what a buggy
/// storefront, a half-written supplier feed or a hostile client could put on an input topic.
///
/// Each ``Mutant`` starts from a valid message (a JSON object) and applies one to three
/// mutations (``Kind``): structural ones on the parsed value (wrong types, nulls, missing keys,
/// extra fields, huge strings, limits of numbers and dates, deep nesting, array sizes) and
/// byte-level ones on its text (bit flips, truncation, invalid UTF-8, a repeated key, values
/// that are not objects at all). Some mutants also carry odd CloudEvents headers. The same seed
/// gives the same mutants, byte for byte.
///
/// Raw text that a `JSONValue` cannot hold (a number of 400 digits, a nesting 50,000 deep,
/// invalid UTF-8) is spliced into the serialized message in place of a placeholder string.
struct ContractMutator {
    enum Kind: String, CaseIterable, Sendable, Comparable {
        case bitFlip = "bit flips"
        case truncation = "truncation"
        case wrongType = "wrong type"
        case hugeString = "huge string"
        case invalidUTF8 = "invalid UTF-8"
        case deepNesting = "deep nesting"
        case numberLimit = "number limits"
        case dateLimit = "date limits"
        case nullValue = "null value"
        case missingKey = "missing key"
        case extraField = "extra field"
        case arrayLimit = "array limits"
        case duplicateKey = "repeated key"
        case notAnObject = "not an object"
        case headers = "odd headers"

        static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }
    }

    /// One mutated message.
    struct Mutant: Sendable {
        /// The bytes to send; nil is a Kafka null value (a tombstone).
        var value: [UInt8]?
        /// What was done to it, in order; the first is its main kind.
        var kinds: [Kind]
        /// CloudEvents headers to send with it (odd ones for ``Kind/headers``), never `traceparent`.
        var headers: [KafkaHeader]
    }

    /// The largest huge string.
    static let largestString = 200_000
    /// The largest mutant (mutations compound: 1,000 copies of a line with a huge string):
    /// an input this size, and any output or dead-letter copy made of it, stays well under
    /// Kafka's default 1,000,000-byte message limit. A bigger one is drawn again. The big sizes
    /// are drawn rarely, so that 10,000 mutants stay near 20 MB (librdkafka's mock cluster keeps
    /// only the last 5 MiB of each partition).
    static let largestMessage = 300_000

    private var rng: SplitMix64
    private var splices: [(placeholder: [UInt8], raw: [UInt8])] = []

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    // MARK: Mutants

    /// A mutant of `base` (a valid message, a JSON object); `id` makes its odd headers unique
    /// (a `ce_id` is unique per event, even a broken one).
    mutating func mutate(_ base: JSONValue, id: String) -> Mutant {
        while true {
            let mutant = draw(base, id: id)
            if (mutant.value?.count ?? 0) <= Self.largestMessage { return mutant }
        }
    }

    private mutating func draw(_ base: JSONValue, id: String) -> Mutant {
        splices = []
        var kinds: [Kind] = []
        var value = base
        var byteLevel: Kind?

        let structural: [Kind] = [.wrongType, .hugeString, .invalidUTF8, .deepNesting, .numberLimit, .dateLimit,
                                  .nullValue, .missingKey, .extraField, .arrayLimit]
        let textual: [Kind] = [.bitFlip, .truncation, .duplicateKey, .notAnObject]
        let first = pick(structural + textual + [.bitFlip, .truncation])  // bytes twice as likely: they are cheap
        var planned = [first]
        if chance(0.35) { planned.append(pick(structural)) }
        if chance(0.10) { planned.append(pick(structural)) }
        if !textual.contains(first), chance(0.15) { planned.append(pick(textual)) }

        for kind in planned {
            if textual.contains(kind) {
                if byteLevel == nil { byteLevel = kind; kinds.append(kind) }
            } else if let mutated = apply(kind, to: value) {
                value = mutated
                kinds.append(kind)
            }
        }
        if kinds.isEmpty {  // nothing applied (e.g. no array to resize): at least a missing key
            value = apply(.missingKey, to: value) ?? .null
            kinds.append(.missingKey)
        }

        var bytes: [UInt8]? = spliced(value.serialized())
        switch byteLevel {
        case .bitFlip?: bytes = flipBits(bytes!)
        case .truncation?: bytes = Array(bytes!.prefix(int(0..<bytes!.count)))
        case .duplicateKey?: bytes = repeatKey(bytes!, of: value)
        case .notAnObject?: bytes = notAnObject(bytes!)
        default: break
        }
        var headers: [KafkaHeader] = []
        if chance(0.10) {
            headers = oddHeaders(id: id)
            kinds.append(.headers)
        }
        return Mutant(value: bytes, kinds: kinds, headers: headers)
    }

    // MARK: Structural mutations

    /// `kind` applied at a node of `value` it suits, or nil when there is none.
    private mutating func apply(_ kind: Kind, to value: JSONValue) -> JSONValue? {
        let all = Self.nodes(of: value)
        let inner = all.filter { !$0.path.isEmpty }
        switch kind {
        case .wrongType:
            guard let (path, node) = pickNode(inner) else { return nil }
            let candidates: [JSONValue] = [.null, true, false, 0, -1, 1.5, "", "x", "1", [], [node], [:], ["value": node]]
            let other = candidates.filter { $0.typeName != node.typeName }
            return value.replacing(path, with: pick(other))
        case .hugeString:
            let strings = inner.filter { $0.node.stringValue != nil }
            guard let (path, _) = pickNode(chance(0.85) && !strings.isEmpty ? strings : inner) else { return nil }
            return value.replacing(path, with: hugeString())
        case .invalidUTF8:
            let strings = inner.filter { $0.node.stringValue != nil }
            guard let (path, node) = pickNode(strings) else { return nil }
            return value.replacing(path, with: splice(badString(node.stringValue!)))
        case .deepNesting:
            guard let (path, _) = pickNode(inner) else { return nil }
            return value.replacing(path, with: splice(deepNesting()))
        case .numberLimit:
            let numeric = inner.filter { $0.node.isNumber || Self.looksNumeric($0.node.stringValue) }
            guard let (path, node) = pickNode(chance(0.9) && !numeric.isEmpty ? numeric : inner) else { return nil }
            if node.stringValue != nil && chance(0.7) { return value.replacing(path, with: .string(pick(Self.moneyLimits))) }
            return value.replacing(path, with: splice(Array(pick(Self.numberLimits()).utf8)))
        case .dateLimit:
            let dates = inner.filter { $0.node.stringValue.map(DateTimeFormat.isValid) == true }
            let strings = inner.filter { $0.node.stringValue != nil }
            guard let (path, _) = pickNode(chance(0.9) && !dates.isEmpty ? dates : strings) else { return nil }
            return value.replacing(path, with: .string(pick(Self.dateLimits)))
        case .nullValue:
            guard let (path, _) = pickNode(inner) else { return nil }
            return value.replacing(path, with: .null)
        case .missingKey:
            let members = inner.filter { if case .key = $0.path.last! { return true } else { return false } }
            guard let (path, _) = pickNode(members) else { return nil }
            return value.replacing(path, with: nil)
        case .extraField:
            let objects = all.filter { $0.node.objectValue != nil }
            guard let (path, _) = pickNode(objects) else { return nil }
            let key = extraKey()
            return value.replacing(path + [.key(key)], with: extraValue())
        case .arrayLimit:
            let arrays = inner.filter { $0.node.arrayValue != nil }
            guard let (path, node) = pickNode(arrays) else { return nil }
            let element = node.arrayValue!.first ?? "x"
            let count = pick([0: 1, 1: 1, 2: 1, 50: 1, 51: 1, 200: 1, 201: 1, 1_000: 0.3])
            let elements: [JSONValue] = chance(0.8) ? Array(repeating: element, count: count)
                                                    : (0..<count).map { $0 % 2 == 0 ? element : pick([.null, 7, "x", [:]]) }
            return value.replacing(path, with: .array(elements))
        default:
            return nil
        }
    }

    /// A string of about 129 bytes to ``largestString``, spliced in as text (serializing it as a
    /// `JSONValue` would cost a debug build a byte at a time).
    private mutating func hugeString() -> JSONValue {
        let length = pick([129: 3, 255: 2, 256: 2, 1_000: 3, 10_000: 3, 100_000: 0.5, Self.largestString: 0.25])
        let unit = pick(["a", "é", "😀", "\u{0}", "\"\\", "e\u{301}", " "])
        let written = JSONValue.string(unit).serialized().dropFirst().dropLast()  // NUL is \u0000, a quote \"
        let size = max(1, length / written.count) * written.count
        var body = Array(written)
        while body.count < size { body += body }  // doubling: a few copies of whole buffers
        return splice([UInt8(ascii: "\"")] + body.prefix(size) + [UInt8(ascii: "\"")])
    }

    /// `s` as a JSON string literal with bytes a JSON text must not have, or escapes it must not use.
    private mutating func badString(_ s: String) -> [UInt8] {
        let bad: [[UInt8]] = [
            [0xFF], [0xFE], [0x80], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80],
            [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0x01], [0x7F],
            Array(#"\ud800"#.utf8), Array(#"\udc00\ud800"#.utf8), Array(#"\uD83Dx"#.utf8), Array(#"\x41"#.utf8), Array(#"\u12"#.utf8),
            // Valid, but unusual: NUL, a byte order mark, a noncharacter, a line separator.
            Array(#"\u0000"#.utf8), [0xEF, 0xBB, 0xBF], [0xEF, 0xBF, 0xBF], [0xE2, 0x80, 0xA8],
        ]
        let ascii = Array(s.utf8.filter { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
        let at = ascii.isEmpty ? 0 : int(0...ascii.count)
        return [UInt8(ascii: "\"")] + ascii[..<at] + pick(bad) + ascii[at...] + [UInt8(ascii: "\"")]
    }

    private mutating func deepNesting() -> [UInt8] {
        let depth = pick([16: 1, 100: 1, 255: 1, 500: 1, 509: 1, 510: 1, 511: 1, 512: 1, 513: 1, 1_000: 1, 50_000: 0.3])
        switch int(0..<3) {
        case 0: return Array(repeating: UInt8(ascii: "["), count: depth) + Array("1".utf8) + Array(repeating: UInt8(ascii: "]"), count: depth)
        case 1: return Array(String(repeating: #"{"a":"#, count: depth).utf8) + Array("null".utf8) + Array(repeating: UInt8(ascii: "}"), count: depth)
        default: return Array(String(repeating: #"[{"a":"#, count: depth / 2).utf8) + Array("[]".utf8)
            + Array(String(repeating: "}]", count: depth / 2).utf8)
        }
    }

    private mutating func extraKey() -> String {
        pick(["", " ", "x", "__proto__", "constructor", "order_id ", "ORDER_ID", "a/b~c~1", "\u{0}", "\u{7F}", "é", "e\u{301}",
              "😀", "intake", "fraud", "reasons", "$ref", String(repeating: "k", count: 1_000), "extra_\(rng.next() % 1000)"])
    }

    private mutating func extraValue() -> JSONValue {
        switch int(0..<6) {
        case 0: return hugeString()
        case 1: return splice(deepNesting())
        case 2: return pick([.null, true, 0, -0.0, 1e308, "", [], [:]])
        case 3: return ["nested": ["deeper": [1, "two", nil]]]
        case 4: return splice(Array(pick(Self.numberLimits()).utf8))
        default: return .string(pick(Self.dateLimits))
        }
    }

    private static let moneyLimits = [
        "0", "0.00", "-0", "-0.00", "-19.99", "19.999", "19.9999", "19.99999", "+19.99", " 19.99", "19.99 ", "19,99", "1e308", "1e3",
        "99999999999999999999.99", "922337203685477.5807", "922337203685477.5808", "-922337203685477.5808", "0.00001", ".99", "19.",
        "١٩.٩٩", "１９.９９", "NaN", "Infinity", "-Infinity", "0x1F", "", "25000.00", "25000.01", "24999.99",
    ]

    private static func numberLimits() -> [String] {
        ["1e308", "-1e308", "1.7976931348623157e308", "1.7976931348623159e308", "1e309", "-1e309", "-0", "-0.0", "0e0", "-0e-0",
         "5e-324", "1e-400", "2.2250738585072014e-308", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
         "-9223372036854775809", "18446744073709551616", "-1", "-2147483649", "4294967296", "1E2", "1e+2", "0.1", "1.0", "100.0",
         "10000", "10001", "1e99999", "1e-99999", "0e99999",
         String(repeating: "9", count: 400), "1" + String(repeating: "0", count: 300), "0." + String(repeating: "1", count: 500),
         "-" + String(repeating: "123456789", count: 35), String(repeating: "7", count: 25) + ".5e-10"]
    }

    private static let dateLimits = [
        "0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59.999999999999999999-23:59",
        "0000-01-01T00:00:00+23:59", "2016-12-31T23:59:60Z", "2016-12-31T22:59:60-01:00", "2016-12-31T23:59:60+01:00",
        "2026-11-24T10:15:60Z", "2026-11-24T10:15:00+24:00", "2026-11-24T10:15:00+00:60", "2026-11-24T10:15:00-00:00",
        "2026-11-24T10:15:00+0100", "2026-11-24 10:15:00Z", "2026-11-24t10:15:00z", "2026-02-29T00:00:00Z", "2024-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z", "2000-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-11-31T00:00:00Z",
        "2026-11-24T24:00:00Z", "2026-11-24T10:15:00.Z", "2026-11-24T10:15:00." + String(repeating: "9", count: 1_000) + "Z",
        "1970-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "2026-11-24", "10:15:00Z", "", "-2026-11-24T10:15:00Z",
        "+12026-11-24T10:15:00Z", "２０２６-11-24T10:15:00Z", "2026-11-24T10:15:00Z ", "2026-11-24T10:15:00ZZ",
    ]

    static func looksNumeric(_ s: String?) -> Bool {
        guard let s, !s.isEmpty else { return false }
        return s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
            && !DateTimeFormat.isValid(s)
    }

    // MARK: Byte-level mutations

    private mutating func flipBits(_ bytes: [UInt8]) -> [UInt8] {
        guard !bytes.isEmpty else { return bytes }
        var out = bytes
        for _ in 0..<pick([1, 1, 1, 2, 3, 8]) {
            out[int(0..<out.count)] ^= UInt8(1) << UInt8(int(0..<8))
        }
        return out
    }

    /// The object's text with one of its members written a second time, with another value (the
    /// last one counts), at its start or end.
    private mutating func repeatKey(_ bytes: [UInt8], of value: JSONValue) -> [UInt8] {
        guard let key = value.objectValue?.keys.sorted().randomElement(using: &rng), bytes.first == UInt8(ascii: "{") else { return bytes }
        let member = JSONValue.string(key).serialized() + [UInt8(ascii: ":")] + pick([JSONValue.null, 42, "other", [], [:]]).serialized()
        if chance(0.5) || bytes.count < 3 {
            return [UInt8(ascii: "{")] + member + [UInt8(ascii: ",")] + bytes.dropFirst()
        }
        return bytes.dropLast() + [UInt8(ascii: ",")] + member + [UInt8(ascii: "}")]
    }

    private mutating func notAnObject(_ bytes: [UInt8]) -> [UInt8]? {
        switch int(0..<16) {
        case 0: return nil                                        // a tombstone
        case 1: return []
        case 2: return Array("   \n".utf8)
        case 3: return Array("null".utf8)
        case 4: return [UInt8(ascii: "[")] + bytes + [UInt8(ascii: "]")]
        case 5: return JSONValue.string(String(decoding: bytes.prefix(300), as: UTF8.self)).serialized()
        case 6: return Array(pick(["42", "-0", "1e308", "true", "\"order\""]).utf8)
        case 7: return bytes + Array(" trailing".utf8)
        case 8: return bytes + bytes
        case 9: return [0xEF, 0xBB, 0xBF] + bytes                  // a byte order mark
        case 10: return bytes.dropLast() + Array(",}".utf8)       // a trailing comma
        case 11: return [0x1F, 0x8B, 0x08, 0x00] + bytes.prefix(40) // what gzip would start with
        case 12: return (0..<int(1...200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        case 13: return Array("{".utf8)
        case 14: return Array("{\"order_id\":".utf8)
        default: return Array(bytes.map { $0 == UInt8(ascii: "\"") ? UInt8(ascii: "'") : $0 })  // single quotes
        }
    }

    // MARK: Headers

    private mutating func oddHeaders(id: String) -> [KafkaHeader] {
        var headers: [KafkaHeader] = []
        let ids = ["\(id)", "\(id)-" + String(repeating: "x", count: 10_000), "\(id)-😀", ""]
        headers.append(KafkaHeader(key: "ce_id", string: pick(ids)))
        headers.append(KafkaHeader(key: "ce_time", value: pick([
            Array(pick(Self.dateLimits).utf8), Array("yesterday".utf8), [0xFF, 0xFE], nil])))
        if chance(0.5) { headers.append(KafkaHeader(key: "ce_specversion", string: pick(["0.3", "", "1.0", "2"]))) }
        if chance(0.5) { headers.append(KafkaHeader(key: "ce_type", string: pick(["dropflow.order.rejected", "", "x"]))) }
        if chance(0.5) { headers.append(KafkaHeader(key: "content-type", string: pick(["application/xml", "text/plain", ""]))) }
        if chance(0.3) { headers.append(KafkaHeader(key: "dlq-reason", string: "forged by the sender")) }
        if chance(0.3) { headers.append(KafkaHeader(key: "", value: [0xFF])) }
        return headers
    }

    // MARK: Splicing raw text

    /// A placeholder string that ``spliced(_:)`` replaces with `raw`.
    private mutating func splice(_ raw: [UInt8]) -> JSONValue {
        let placeholder = "\u{2063}splice-\(splices.count)-\(rng.next())\u{2063}"
        splices.append((JSONValue.string(placeholder).serialized(), raw))
        return .string(placeholder)
    }

    private func spliced(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes
        for (placeholder, raw) in splices {
            guard let range = Self.firstRange(of: placeholder, in: out) else { continue }  // overwritten since
            out.replaceSubrange(range, with: raw)
        }
        return out
    }

    private static func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        guard needle.count <= haystack.count else { return nil }
        var i = 0
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0] && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i..<(i + needle.count) }
            i += 1
        }
        return nil
    }

    // MARK: Nodes and randomness

    enum Step: Hashable { case key(String), index(Int) }

    /// Every node of `value` with its path, root first, object members in key order.
    static func nodes(of value: JSONValue) -> [(path: [Step], node: JSONValue)] {
        var out: [(path: [Step], node: JSONValue)] = []
        func walk(_ v: JSONValue, _ path: [Step]) {
            out.append((path, v))
            switch v {
            case .object(let members): for k in members.keys.sorted() { walk(members[k]!, path + [.key(k)]) }
            case .array(let elements): for (i, e) in elements.enumerated() { walk(e, path + [.index(i)]) }
            default: break
            }
        }
        walk(value, [])
        return out
    }

    private mutating func pickNode(_ nodes: [(path: [Step], node: JSONValue)]) -> (path: [Step], node: JSONValue)? {
        nodes.isEmpty ? nil : nodes[int(0..<nodes.count)]
    }

    private mutating func pick<T>(_ options: [T]) -> T { options[int(0..<options.count)] }
    /// One of the keys, each as likely as its weight.
    private mutating func pick(_ weighted: KeyValuePairs<Int, Double>) -> Int {
        var r = rng.unit() * weighted.reduce(0) { $0 + $1.value }
        for (value, weight) in weighted {
            if r < weight { return value }
            r -= weight
        }
        return weighted[weighted.count - 1].key
    }
    private mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &rng) }
    private mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    private mutating func chance(_ p: Double) -> Bool { rng.unit() < p }
}

extension JSONValue {
    /// A copy with the node at `path` replaced by `newValue`, or removed when it is nil; a
    /// missing object member on the way is created.
    func replacing(_ path: [ContractMutator.Step], with newValue: JSONValue?) -> JSONValue {
        guard let step = path.first else { return newValue ?? .null }
        let rest = Array(path.dropFirst())
        switch (self, step) {
        case (.object(var members), .key(let k)):
            if rest.isEmpty && newValue == nil { members[k] = nil } else { members[k] = (members[k] ?? [:]).replacing(rest, with: newValue) }
            return .object(members)
        case (.array(var elements), .index(let i)) where elements.indices.contains(i):
            if rest.isEmpty && newValue == nil { elements.remove(at: i) } else { elements[i] = elements[i].replacing(rest, with: newValue) }
            return .array(elements)
        default:
            return self
        }
    }
}
