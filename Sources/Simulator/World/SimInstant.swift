import DropflowCore
import DropflowJSON
import DropflowContract

/// A simulated instant: whole seconds since 1970-01-01T00:00:00Z. The simulator never reads the
/// wall clock; every instant derives from the configuration's start.
public struct SimInstant: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since the Unix epoch, UTC.
    public var seconds: Int64

    /// The instant `seconds` after the Unix epoch.
    public init(seconds: Int64) { self.seconds = seconds }

    /// Parses RFC 3339 in UTC with whole seconds, `YYYY-MM-DDTHH:MM:SSZ`; nil otherwise.
    public init?(rfc3339 text: String) {
        // 20 bytes leave no room for a fraction or an offset other than Z.
        guard text.utf8.count == 20, let seconds = DateTimeFormat.epochSeconds(text) else { return nil }
        self.seconds = seconds
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    public var rfc3339: String { DateTimeFormat.format(epochSeconds: seconds) }

    public var description: String { rfc3339 }

    /// The hour of the day, 0–23, in UTC.
    public var hourOfDay: Int { Int(DateTimeFormat.floorDivMod(seconds, 86_400).1 / 3_600) }

    /// Whole days since the Unix epoch.
    public var dayNumber: Int64 { DateTimeFormat.floorDivMod(seconds, 86_400).0 }

    /// The start of the hour that contains this instant.
    public var startOfHour: SimInstant { SimInstant(seconds: seconds - DateTimeFormat.floorDivMod(seconds, 3_600).1) }

    public static func < (a: SimInstant, b: SimInstant) -> Bool { a.seconds < b.seconds }
    public static func + (a: SimInstant, d: SimDuration) -> SimInstant { SimInstant(seconds: a.seconds + d.seconds) }
    public static func - (a: SimInstant, d: SimDuration) -> SimInstant { SimInstant(seconds: a.seconds - d.seconds) }
    public static func - (a: SimInstant, b: SimInstant) -> SimDuration { SimDuration(seconds: a.seconds - b.seconds) }
}

/// A span of simulated time in whole seconds.
public struct SimDuration: Sendable, Hashable, Comparable {
    /// The length in seconds (may be negative).
    public var seconds: Int64

    public init(seconds: Int64) { self.seconds = seconds }

    public static func seconds(_ s: Int64) -> SimDuration { SimDuration(seconds: s) }
    public static func minutes(_ m: Double) -> SimDuration { SimDuration(seconds: Int64((m * 60).rounded())) }
    public static func hours(_ h: Double) -> SimDuration { SimDuration(seconds: Int64((h * 3_600).rounded())) }
    public static func days(_ d: Double) -> SimDuration { SimDuration(seconds: Int64((d * 86_400).rounded())) }

    /// The length in (fractional) days.
    public var days: Double { Double(seconds) / 86_400 }
    /// The length in (fractional) hours.
    public var hours: Double { Double(seconds) / 3_600 }

    public static func < (a: SimDuration, b: SimDuration) -> Bool { a.seconds < b.seconds }
    public static func + (a: SimDuration, b: SimDuration) -> SimDuration { SimDuration(seconds: a.seconds + b.seconds) }
    public static func * (a: SimDuration, k: Double) -> SimDuration { SimDuration(seconds: Int64((Double(a.seconds) * k).rounded())) }
}
