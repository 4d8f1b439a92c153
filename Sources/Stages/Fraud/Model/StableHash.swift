import DropflowCore
import DropflowJSON
import DropflowContract

/// Keys of the velocity tracker's windows: FNV-1a (the same in every process), so two
/// different keys colliding (about 1 in 10^8 at a million keys) would only merge two counts.
enum StableHash {
    /// The hash of `text`'s UTF-8 bytes, salted by `kind` so equal strings of different kinds differ.
    static func hash(_ text: String, kind: UInt8 = 0) -> UInt64 {
        var h = FNV1a()
        h.add(kind)
        h.add(text.utf8)
        return h.value
    }
}
