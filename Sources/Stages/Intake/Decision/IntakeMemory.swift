import Foundation

/// A worker's own recent decisions and its cached view of which SKUs suppliers offer.
public final class IntakeMemory: @unchecked Sendable {
    private let lock = NSLock()
    private var fingerprints: [String: String] = [:]
    private var order: [String] = []
    private var head = 0
    private let capacity: Int
    private var skus: Set<String> = []
    private var skusBuiltAt: ContinuousClock.Instant?
    private var skusBuiltFrom = -1

    public init(capacity: Int = 200_000) { self.capacity = capacity }

    public func fingerprint(of orderID: String) -> String? { lock.withLock { fingerprints[orderID] } }

    /// Remembers an accepted order, forgetting the oldest beyond `capacity` (the table has them).
    public func remember(_ orderID: String, fingerprint: String) {
        lock.withLock {
            if fingerprints.updateValue(fingerprint, forKey: orderID) == nil { order.append(orderID) }
            if order.count - head > capacity {
                fingerprints[order[head]] = nil
                head += 1
                if head > capacity { order.removeFirst(head); head = 0 }
            }
        }
    }

    /// SKUs with at least one offer in `supplier.offers` (`<supplier_id>/<sku>` keys), rebuilt at
    /// most once a second; nil while no offer is known (nothing to check against).
    public func offeredSKUs(_ offers: [String: [UInt8]]) -> Set<String>? {
        lock.withLock {
            let stale = skusBuiltAt.map { ContinuousClock.now - $0 > .seconds(1) } ?? true
            if stale || offers.count != skusBuiltFrom {
                var set = Set<String>()
                for key in offers.keys {
                    if let slash = key.firstIndex(of: "/") { set.insert(String(key[key.index(after: slash)...])) }
                }
                skus = set
                skusBuiltAt = .now
                skusBuiltFrom = offers.count
            }
            return skus.isEmpty ? nil : skus
        }
    }
}
