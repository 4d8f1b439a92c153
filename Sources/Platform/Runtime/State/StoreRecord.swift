import DropflowKafka

/// One output of a decision, as recorded: enough to send it again byte for byte.
struct RecordedOutput: Sendable, Hashable {
    /// The topic's name without the prefix.
    var topic: String
    var key: [UInt8]?
    var value: [UInt8]?
    var headers: [KafkaHeader]
    var ceType: String
}

/// A decision as recorded: its cause (an input's topic, partition and offset) and its outputs.
struct RecordedDecision: Sendable, Hashable {
    /// The cause's topic, as consumed (with the prefix).
    var topic: String
    var partition: Int32
    var offset: Int64
    var outputs: [RecordedOutput]
}

/// The value of a changelog message: the key's state after the last decision, the event time
/// of that decision, and every decision about the key whose cause may still be redelivered
/// (its offset was not known committed when the record was written), the last one included.
///
/// Binary, versioned by its first four bytes (`DFS1`); only the runtime reads it.
struct StoreRecord: Sendable, Hashable {
    var state: [UInt8]?
    var atMs: Int64
    var decisions: [RecordedDecision]

    static let magic: [UInt8] = Array("DFS1".utf8)

    func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.bytes(Self.magic, counted: false)
        w.optional(state)
        w.int64(atMs)
        w.int32(Int32(decisions.count))
        for d in decisions {
            w.string(d.topic)
            w.int32(d.partition)
            w.int64(d.offset)
            w.int32(Int32(d.outputs.count))
            for o in d.outputs {
                w.string(o.topic)
                w.optional(o.key)
                w.optional(o.value)
                w.int32(Int32(o.headers.count))
                for h in o.headers {
                    w.string(h.key)
                    w.optional(h.value)
                }
                w.string(o.ceType)
            }
        }
        return w.out
    }

    /// Why a changelog value could not be read.
    struct Unreadable: Error, CustomStringConvertible {
        let description: String
    }

    init(state: [UInt8]?, atMs: Int64, decisions: [RecordedDecision]) {
        self.state = state
        self.atMs = atMs
        self.decisions = decisions
    }

    init(bytes: [UInt8]) throws(Unreadable) {
        var r = ByteReader(bytes)
        guard try r.fixed(4) == Self.magic else { throw Unreadable(description: "not a Dropflow store record (no DFS1 mark)") }
        state = try r.optional()
        atMs = try r.int64()
        let n = try r.count()
        var decisions: [RecordedDecision] = []
        for _ in 0..<n {
            let topic = try r.string()
            let partition = try r.int32()
            let offset = try r.int64()
            let m = try r.count()
            var outputs: [RecordedOutput] = []
            for _ in 0..<m {
                let t = try r.string()
                let key = try r.optional()
                let value = try r.optional()
                let h = try r.count()
                var headers: [KafkaHeader] = []
                for _ in 0..<h { headers.append(KafkaHeader(key: try r.string(), value: try r.optional())) }
                outputs.append(RecordedOutput(topic: t, key: key, value: value, headers: headers, ceType: try r.string()))
            }
            decisions.append(RecordedDecision(topic: topic, partition: partition, offset: offset, outputs: outputs))
        }
        guard r.atEnd else { throw Unreadable(description: "store record has \(r.remaining) bytes past its end") }
        self.decisions = decisions
    }
}

private struct ByteWriter {
    var out: [UInt8] = []
    mutating func int32(_ v: Int32) { withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) } }
    mutating func int64(_ v: Int64) { withUnsafeBytes(of: v.bigEndian) { out.append(contentsOf: $0) } }
    mutating func bytes(_ b: [UInt8], counted: Bool = true) {
        if counted { int32(Int32(b.count)) }
        out.append(contentsOf: b)
    }
    mutating func optional(_ b: [UInt8]?) {
        if let b { bytes(b) } else { int32(-1) }
    }
    mutating func string(_ s: String) { bytes(Array(s.utf8)) }
}

private struct ByteReader {
    let b: [UInt8]
    var i = 0
    init(_ b: [UInt8]) { self.b = b }
    var atEnd: Bool { i == b.count }
    var remaining: Int { b.count - i }

    mutating func fixed(_ n: Int) throws(StoreRecord.Unreadable) -> [UInt8] {
        guard n >= 0, n <= b.count - i else { throw StoreRecord.Unreadable(description: "store record cut short at byte \(i)") }
        defer { i += n }
        return Array(b[i..<(i + n)])
    }
    mutating func int32() throws(StoreRecord.Unreadable) -> Int32 {
        let f = try fixed(4)
        return f.reduce(Int32(0)) { $0 << 8 | Int32($1) }
    }
    mutating func int64() throws(StoreRecord.Unreadable) -> Int64 {
        let f = try fixed(8)
        return f.reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }
    mutating func count() throws(StoreRecord.Unreadable) -> Int {
        let n = try int32()
        guard n >= 0, Int(n) <= remaining else { throw StoreRecord.Unreadable(description: "store record count \(n) out of range at byte \(i)") }
        return Int(n)
    }
    mutating func optional() throws(StoreRecord.Unreadable) -> [UInt8]? {
        let n = try int32()
        if n == -1 { return nil }
        guard n >= 0 else { throw StoreRecord.Unreadable(description: "store record length \(n) at byte \(i)") }
        return try fixed(Int(n))
    }
    mutating func string() throws(StoreRecord.Unreadable) -> String {
        guard let s = String(validating: try fixed(Int(try int32())), as: UTF8.self) else {
            throw StoreRecord.Unreadable(description: "store record text is not UTF-8 at byte \(i)")
        }
        return s
    }
}
