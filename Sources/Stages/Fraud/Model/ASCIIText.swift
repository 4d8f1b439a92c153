/// Byte-level text helpers for the heuristics: ASCII lower-casing, substring search and word
/// splitting on UTF-8 bytes. `String.contains(_:)` goes through Foundation and was most of the
/// cost of feature extraction. Bytes of non-ASCII characters count as letters.
enum ASCIIText {
    /// UTF-8 bytes with A–Z lower-cased.
    static func lowercasedBytes(_ s: String) -> [UInt8] {
        s.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
    }

    /// Whether `needle` occurs in `haystack`.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        let n = needle.count, h = haystack.count
        guard n > 0 else { return true }
        guard n <= h else { return false }
        let first = needle[0]
        var i = 0
        while i <= h - n {
            if haystack[i] == first {
                var j = 1
                while j < n && haystack[i + j] == needle[j] { j += 1 }
                if j == n { return true }
            }
            i += 1
        }
        return false
    }

    /// Whether a byte belongs to a word: an ASCII letter or digit, or part of a non-ASCII character.
    @inline(__always)
    static func isWordByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b >= 0x80
    }

    /// The words of `bytes`, split on anything that is not a word byte.
    static func words(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        bytes.split(whereSeparator: { !isWordByte($0) })
    }
}
