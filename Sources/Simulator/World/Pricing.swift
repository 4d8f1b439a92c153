/// Prices in the simulator are integer minor units (cents); the contract's decimal strings are
/// made from them only at the edge (`MoneyAmount(cents:)`), never from floating point.
public enum Pricing {
    /// `cents` scaled by `factor` and rounded half away from zero to whole cents.
    public static func scale(_ cents: Int64, by factor: Double) -> Int64 {
        Int64((Double(cents) * factor).rounded(.toNearestOrAwayFromZero))
    }

    /// A shelf price near `cents`: rounded to a whole unit, minus one cent (`23.40` → `22.99`),
    /// never below `0.99`.
    public static func charmPrice(near cents: Int64) -> Int64 {
        max(99, ((cents + 50) / 100) * 100 - 1)
    }
}
