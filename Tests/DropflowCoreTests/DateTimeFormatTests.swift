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

/// Every time the project writes is itself RFC 3339, even for a valid input that lies outside
/// the years 0000–9999 once its offset is applied.
@Suite struct DateTimeFormatRangeTests {
    @Test func anInstantBeforeTheYear0000IsWrittenAsItsFirstMoment() throws {
        let seconds = try #require(DateTimeFormat.epochSeconds("0000-01-01T00:00:00+23:59"))
        #expect(DateTimeFormat.format(epochMilliseconds: seconds * 1000) == "0000-01-01T00:00:00.000Z")
        #expect(DateTimeFormat.format(epochSeconds: seconds) == "0000-01-01T00:00:00Z")
        #expect(DateTimeFormat.isValid(DateTimeFormat.format(Date(timeIntervalSince1970: Double(seconds)))))
    }

    @Test func anInstantAfterTheYear9999IsWrittenAsItsLastMoment() throws {
        let seconds = try #require(DateTimeFormat.epochSeconds("9999-12-31T23:59:59-23:59"))
        #expect(DateTimeFormat.format(epochMilliseconds: seconds * 1000) == "9999-12-31T23:59:59.999Z")
        #expect(DateTimeFormat.format(epochSeconds: seconds) == "9999-12-31T23:59:59Z")
        #expect(DateTimeFormat.format(Date(timeIntervalSince1970: 1e300)) == "9999-12-31T23:59:59.999Z")
        #expect(DateTimeFormat.isValid(DateTimeFormat.format(Date(timeIntervalSince1970: -1e300))))
    }
}
