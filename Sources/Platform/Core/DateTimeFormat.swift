import Foundation

/// The JSON Schema `format: date-time` check: an RFC 3339 `date-time`
/// (`YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)`).
///
/// `T` and `Z` may be lower case (RFC 3339, 5.6). The date must exist (leap years counted), hours
/// 00–23, minutes 00–59, seconds 00–59, or 60 for a leap second at 23:59 UTC. A space instead of
/// `T`, a missing offset, or a missing seconds field is rejected.
///
/// Also the project's one conversion between RFC 3339 text and seconds (or milliseconds)
/// since the Unix epoch, computed arithmetically: no formatter, no locale, no calendar.
public enum DateTimeFormat {
    /// Whether `text` is an RFC 3339 date-time.
    public static func isValid(_ text: String) -> Bool {
        epochSeconds(text) != nil
    }

    /// Seconds since 1970-01-01T00:00:00Z of an RFC 3339 date-time, its offset applied and any
    /// fraction of a second dropped; nil unless ``isValid(_:)``.
    public static func epochSeconds(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        // Shortest: 2026-11-24T10:15:00Z (20 bytes).
        guard b.count >= 20 else { return nil }
        func num(_ at: Int, _ count: Int) -> Int? {
            guard at + count <= b.count else { return nil }
            var v = 0
            for i in at..<(at + count) {
                guard b[i] >= 0x30 && b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard let year = num(0, 4), b[4] == UInt8(ascii: "-"), let month = num(5, 2), b[7] == UInt8(ascii: "-"),
              let day = num(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              let hour = num(11, 2), b[13] == UInt8(ascii: ":"), let minute = num(14, 2),
              b[16] == UInt8(ascii: ":"), let second = num(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour <= 23, minute <= 59, second <= 60 else { return nil }
        var i = 19
        if b[i] == UInt8(ascii: ".") {
            i += 1
            let digitsStart = i
            while i < b.count, b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            guard i > digitsStart else { return nil }
        }
        guard i < b.count else { return nil }
        var offsetMinutes = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == UInt8(ascii: ":"), let om = num(i + 4, 2),
                  oh <= 23, om <= 59 else { return nil }
            offsetMinutes = (oh * 60 + om) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
            i += 6
        default:
            return nil
        }
        guard i == b.count else { return nil }
        if second == 60 {
            // A leap second is only ever inserted at 23:59:60 UTC.
            let utcMinutes = ((hour * 60 + minute - offsetMinutes) % 1440 + 1440) % 1440
            guard utcMinutes == 23 * 60 + 59 else { return nil }
        }
        let days = daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day))
        return days * 86_400 + Int64(hour * 3_600 + minute * 60 + second - offsetMinutes * 60)
    }

    /// The earliest and latest instants RFC 3339 can write (years 0000 and 9999), in milliseconds
    /// since the epoch. A valid input such as `0000-01-01T00:00:00+23:59` lies before the first:
    /// formatting clamps to this range, so every time the project writes is itself valid.
    public static let writableMilliseconds: ClosedRange<Int64> =
        daysFromCivil(year: 0, month: 1, day: 1) * 86_400_000...(daysFromCivil(year: 10_000, month: 1, day: 1) * 86_400_000 - 1)

    /// `YYYY-MM-DDTHH:MM:SSZ` for `seconds` since the epoch (clamped to ``writableMilliseconds``).
    public static func format(epochSeconds seconds: Int64) -> String {
        let range = writableMilliseconds.lowerBound / 1000...writableMilliseconds.upperBound / 1000
        let (days, secondOfDay) = floorDivMod(min(max(seconds, range.lowerBound), range.upperBound), 86_400)
        return date(days) + "T" + clock(secondOfDay) + "Z"
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, milliseconds) for a `Date`, without a date formatter
    /// (fast and thread-safe).
    public static func format(_ date: Date) -> String {
        // `Date` holds a Double; round to whole microseconds first so representation error
        // (e.g. -0.001 stored as -0.00100000000002) does not floor into the previous millisecond.
        // Clamped first: a Double beyond Int64's range would trap when converted.
        let seconds = min(max(date.timeIntervalSince1970, -1e12), 1e12)
        let micros = Int64((seconds * 1_000_000).rounded())
        return format(epochMilliseconds: floorDivMod(micros, 1000).0)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` for `milliseconds` since the epoch (clamped to ``writableMilliseconds``).
    public static func format(epochMilliseconds milliseconds: Int64) -> String {
        let clamped = min(max(milliseconds, writableMilliseconds.lowerBound), writableMilliseconds.upperBound)
        let (days, millisOfDay) = floorDivMod(clamped, 86_400_000)
        return date(days) + "T" + clock(millisOfDay / 1_000) + "." + pad(millisOfDay % 1_000, 3) + "Z"
    }

    private static func date(_ days: Int64) -> String {
        let (year, month, day) = civilFromDays(days)
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
    }

    private static func clock(_ secondOfDay: Int64) -> String {
        pad(secondOfDay / 3_600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Quotient and remainder rounded towards minus infinity (the remainder is never negative).
    public static func floorDivMod(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b
        let r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    public static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivMod(y, 400).0
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian (year, month, day) of a day number (Howard Hinnant's civil_from_days).
    public static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDivMod(z, 146_097).0
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
