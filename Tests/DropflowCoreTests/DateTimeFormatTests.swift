import DropflowCore
import Foundation
import Testing

/// RFC 3339 text from dates and epoch times, and back.
@Suite struct DateTimeFormatTests {
    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (-0.001, "1969-12-31T23:59:59.999Z"),
        (951_868_799.5, "2000-02-29T23:59:59.500Z"),
        (1_709_251_199.999, "2024-02-29T23:59:59.999Z"),
        (4_102_444_800.0, "2100-01-01T00:00:00.000Z"),
        (1_714_566_896.7899, "2024-05-01T12:34:56.789Z"),
    ])
    func rfc3339(seconds: Double, expected: String) {
        #expect(DateTimeFormat.format(Date(timeIntervalSince1970: seconds)) == expected)
    }
}
