/// FNV-1a, 64 bits: a hash that is the same in every process and on every machine (Swift's
/// `Hasher` is seeded per process). The velocity tracker keys its windows by it, so two
/// different keys colliding (about 1 in 10^8 at a million keys) would only merge two counts.
enum StableHash {
    static let offset: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// The hash of `text`'s UTF-8 bytes, salted by `kind` so equal strings of different kinds differ.
    static func hash(_ text: String, kind: UInt8 = 0) -> UInt64 {
        var h = offset
        h = (h ^ UInt64(kind)) &* prime
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* prime }
        return h
    }
}
