extension Duration {
    /// Whole milliseconds, rounded down, at least 0.
    public var milliseconds: Int64 {
        let (s, atto) = components
        return max(0, s * 1000 + atto / 1_000_000_000_000_000)
    }

    /// Whole nanoseconds (may be negative).
    public var nanoseconds: Int64 {
        let (s, atto) = components
        return s * 1_000_000_000 + atto / 1_000_000_000
    }

    /// Seconds as a floating-point number (for rates and reports).
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }

    /// `seconds` (fractional) as a duration, rounded to whole milliseconds.
    public static func seconds(fractional seconds: Double) -> Duration {
        .milliseconds(Int64((seconds * 1_000).rounded()))
    }
}
