import Foundation

/// A worker's view of which SKUs suppliers offer, derived from the `supplier.offers` table and
/// rebuilt when the table changes (never by the clock, so the same table gives the same answer).
public final class IntakeMemory: @unchecked Sendable {
    private let lock = NSLock()
    private var skus: Set<String> = []
    private var builtFrom: UInt64?

    public init() {}

    /// SKUs with at least one offer (keys `<supplier_id>/<sku>`), as of the table's `version`;
    /// `keys` is read only when the version moved. Nil while no offer is known (nothing to check
    /// against).
    public func offeredSKUs(version: UInt64, keys: () -> [String]) -> Set<String>? {
        lock.withLock {
            if builtFrom != version {
                var set = Set<String>()
                for key in keys() {
                    if let slash = key.firstIndex(of: "/") { set.insert(String(key[key.index(after: slash)...])) }
                }
                skus = set
                builtFrom = version
            }
            return skus.isEmpty ? nil : skus
        }
    }
}
