import Foundation

/// RFC 3339 timestamps in UTC with milliseconds, e.g. `2024-05-01T12:34:56.789Z`.
/// Computed arithmetically: no formatter, no locale, no calendar.
public enum RFC3339 {
    /// `yyyy-MM-ddTHH:mm:ss.SSSZ` in UTC, without a date formatter (fast and thread-safe).
    public static func format(_ date: Date) -> String {
        // `Date` holds a Double; round to whole microseconds first so representation error
        // (e.g. -0.001 stored as -0.00100000000002) does not floor into the previous millisecond.
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let totalMillis = Self.floorDivMod(micros, 1000).0
        let (days, millisOfDay) = Self.floorDivMod(totalMillis, 86_400_000)
        let (year, month, day) = Self.civil(fromDays: days)
        let hour = millisOfDay / 3_600_000
        let minute = millisOfDay / 60_000 % 60
        let second = millisOfDay / 1000 % 60
        let millis = millisOfDay % 1000
        return "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))T"
            + "\(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second, 2)).\(Self.pad(millis, 3))Z"
    }

    private static func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b
        let r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
