/// A simulated instant: whole seconds since 1970-01-01T00:00:00Z. The simulator never reads the
/// wall clock; every instant derives from the configuration's start.
public struct SimInstant: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Seconds since the Unix epoch, UTC.
    public var seconds: Int64

    /// The instant `seconds` after the Unix epoch.
    public init(seconds: Int64) { self.seconds = seconds }

    /// Parses RFC 3339 in UTC with whole seconds, `YYYY-MM-DDTHH:MM:SSZ`; nil otherwise.
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        guard b.count == 20, b[4] == 0x2D, b[7] == 0x2D, b[10] == 0x54 || b[10] == 0x74,
              b[13] == 0x3A, b[16] == 0x3A, b[19] == 0x5A || b[19] == 0x7A else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var n: Int64 = 0
            for i in range {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                n = n * 10 + Int64(b[i] - 0x30)
            }
            return n
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        self.seconds = days * 86_400 + hour * 3_600 + minute * 60 + second
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    public var rfc3339: String {
        let days = Self.floorDiv(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = Self.civilFromDays(days)
        var out = [UInt8](repeating: 0, count: 20)
        func put(_ value: Int64, at offset: Int, width: Int) {
            var v = value
            for i in stride(from: offset + width - 1, through: offset, by: -1) {
                out[i] = UInt8(0x30 + v % 10)
                v /= 10
            }
        }
        put(year, at: 0, width: 4)
        out[4] = 0x2D
        put(month, at: 5, width: 2)
        out[7] = 0x2D
        put(day, at: 8, width: 2)
        out[10] = 0x54
        put(secondOfDay / 3_600, at: 11, width: 2)
        out[13] = 0x3A
        put(secondOfDay / 60 % 60, at: 14, width: 2)
        out[16] = 0x3A
        put(secondOfDay % 60, at: 17, width: 2)
        out[19] = 0x5A
        return String(decoding: out, as: UTF8.self)
    }

    public var description: String { rfc3339 }

    /// The hour of the day, 0–23, in UTC.
    public var hourOfDay: Int { Int(Self.floorMod(seconds, 86_400) / 3_600) }

    /// Whole days since the Unix epoch.
    public var dayNumber: Int64 { Self.floorDiv(seconds, 86_400) }

    /// The start of the hour that contains this instant.
    public var startOfHour: SimInstant { SimInstant(seconds: seconds - Self.floorMod(seconds, 3_600)) }

    public static func < (a: SimInstant, b: SimInstant) -> Bool { a.seconds < b.seconds }
    public static func + (a: SimInstant, d: SimDuration) -> SimInstant { SimInstant(seconds: a.seconds + d.seconds) }
    public static func - (a: SimInstant, d: SimDuration) -> SimInstant { SimInstant(seconds: a.seconds - d.seconds) }
    public static func - (a: SimInstant, b: SimInstant) -> SimDuration { SimDuration(seconds: a.seconds - b.seconds) }

    // Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { a - floorDiv(a, b) * b }
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
