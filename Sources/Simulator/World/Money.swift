/// Money in the simulator is integer minor units (cents); the contract's decimal strings are
/// made from them only at the edge, never from floating point.
public enum Money {
    /// `cents` as a decimal string with two decimals: `1999` → `"19.99"`, `-5` → `"-0.05"`.
    public static func string(cents: Int64) -> String {
        let negative = cents < 0
        let magnitude = cents.magnitude
        let units = magnitude / 100
        let fraction = magnitude % 100
        return (negative ? "-" : "") + String(units) + (fraction < 10 ? ".0" : ".") + String(fraction)
    }

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
