import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowKafka
import Foundation

/// Deterministic identities for outputs: a redelivered input yields the same
/// `ce_id`, `ce_time` and `traceparent`, so its outputs are byte-identical and
/// downstream can drop the copies.
enum EventIdentity {
    /// The input's identity: its own `ce_id` when it has one, else where it sits in Kafka.
    static func inputIdentity(topic: String, partition: Int32, offset: Int64, headers: [KafkaHeader]) -> String {
        if let id = headers.string("ce_id"), !id.isEmpty { return "id:\(id)" }
        return "at:\(topic)/\(partition)/\(offset)"
    }

    /// `ce_id` of the output in `slot` (``slots(_:)``) that a stage made from an input.
    static func outputID(stage: String, input: String, slot: String) -> String {
        let h = hash128("\(stage)\u{1F}\(input)\u{1F}\(slot)")
        return "\(stage)-\(h.0.hex16)\(h.1.hex16)"
    }

    /// Each output's slot: its topic, its key and its place among the outputs with that topic
    /// and key. An input handled again may yield its outputs in another number or order (a
    /// stage that offers every order in a table the input lets through finds fewer there the
    /// second time): the same output for the same key keeps its `ce_id`, and no `ce_id` ever
    /// names another key's output.
    static func slots(_ outputs: [StageOutput]) -> [String] {
        var seen: [String: Int] = [:]
        return outputs.map { output in
            let key = output.key.map { FNV1a.hash($0).hex16 } ?? "-"
            let slot = output.topic.name + "\u{1F}" + key
            defer { seen[slot, default: 0] += 1 }
            return slot + "\u{1F}" + String(seen[slot, default: 0])
        }
    }

    /// The `traceparent` of an output: the input's trace continued (same trace
    /// id, flags) with a span id of this output's own; a new trace derived from
    /// the input when it had none.
    static func traceparent(input: String?, outputID: String, inputIdentity: String) -> String {
        let span = hash128("span\u{1F}\(outputID)").0.hex16
        if let input, let parsed = parseTraceparent(input) {
            return "00-\(parsed.traceID)-\(span)-\(parsed.flags)"
        }
        let t = hash128("trace\u{1F}\(inputIdentity)")
        return "00-\(t.0.hex16)\(t.1.hex16)-\(span)-01"
    }

    /// W3C Trace Context version 00: `00-<32 hex>-<16 hex>-<2 hex>`, ids not all zero.
    static func parseTraceparent(_ s: String) -> (traceID: String, parentID: String, flags: String)? {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].count == 2, parts[0] != "ff",
              parts[1].count == 32, parts[2].count == 16, parts[3].count == 2 else { return nil }
        let isHex: (Substring) -> Bool = { $0.allSatisfy { $0.isHexDigit && !$0.isUppercase } }
        guard parts[0...3].allSatisfy(isHex),
              parts[1] != Substring(String(repeating: "0", count: 32)),
              parts[2] != Substring(String(repeating: "0", count: 16)) else { return nil }
        return (String(parts[1]), String(parts[2]), String(parts[3]))
    }

    /// RFC 3339 UTC with milliseconds for a Kafka timestamp.
    static func rfc3339(ms: Int64) -> String {
        DateTimeFormat.format(epochMilliseconds: ms)
    }

    /// Two independent 64-bit FNV-1a hashes (different offset bases), 128 bits in all.
    static func hash128(_ s: String) -> (UInt64, UInt64) {
        var b: UInt64 = 0x6c62_272e_07bb_0142
        for byte in s.utf8 {
            b = (b ^ UInt64(byte)) &* FNV1a.prime
            b ^= b >> 29
        }
        return (mix(FNV1a.hash(s.utf8)), mix(b))
    }

    private static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

}
