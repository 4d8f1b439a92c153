import DropflowContract
import Foundation

/// RFC 3339 timestamps in UTC with milliseconds, e.g. `2024-05-01T12:34:56.789Z`.
public enum RFC3339 {
    /// `yyyy-MM-ddTHH:mm:ss.SSSZ` in UTC, without a date formatter (fast and thread-safe).
    public static func format(_ date: Date) -> String {
        // `Date` holds a Double; round to whole microseconds first so representation error
        // (e.g. -0.001 stored as -0.00100000000002) does not floor into the previous millisecond.
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        return DateTimeFormat.format(epochMilliseconds: DateTimeFormat.floorDivMod(micros, 1000).0)
    }
}
