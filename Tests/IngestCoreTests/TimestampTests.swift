import Foundation
import IngestCore
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2020-03-03T20:50:19-08:00", Int64(1_583_297_419_000_000)),
        ("2020-03-03T20:24:50.028000-08:00", Int64(1_583_295_890_028_000)),
        ("2020-03-04T04:50:19Z", Int64(1_583_297_419_000_000)),
        ("2024-02-16T14:05:00-0500", Int64(1_708_110_300_000_000)),
        ("2020-03-04T04:50:19.123456789+00:00", Int64(1_583_297_419_123_456)),
    ])
    func parsesOffsetsAndFractionsExactly(text: String, micros: Int64) throws {
        let date = try #require(Timestamp.parse(text))
        #expect(Timestamp.microseconds(date) == micros)
    }

    @Test(arguments: ["2020-03-03T20:50:19", "2020-13-03T20:50:19Z", "yesterday", "", "2020-03-03T20:50:19+25:00"])
    func rejectsTimestampsWithoutAValidOffset(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func formatsUTCWithMicrosecondsAndRoundTrips() throws {
        let date = try #require(Timestamp.parse("2020-03-03T20:24:50.028001-08:00"))
        #expect(Timestamp.format(date) == "2020-03-04T04:24:50.028001+00:00")
        #expect(Timestamp.parse(Timestamp.format(date)) == date)
    }

    @Test func dateOnlyMeansMidnightInTheStationsTimeZone() throws {
        let pacific = try #require(TimeZone(identifier: "America/Los_Angeles"))
        let start = try #require(Timestamp.parseUserDate("2025-01-01", timeZone: pacific))
        #expect(Timestamp.format(start) == "2025-01-01T08:00:00.000000+00:00")
        let end = try #require(Timestamp.parseUserDate("2025-01-31", timeZone: pacific, endOfDay: true))
        #expect(Timestamp.format(end) == "2025-02-01T08:00:00.000000+00:00")
        let summer = try #require(Timestamp.parseUserDate("2025-07-01", timeZone: pacific))
        #expect(Timestamp.format(summer) == "2025-07-01T07:00:00.000000+00:00")
    }

    @Test func explicitOffsetsInUserDatesWin() throws {
        let pacific = try #require(TimeZone(identifier: "America/Los_Angeles"))
        let date = try #require(Timestamp.parseUserDate("2025-01-01T00:00:00Z", timeZone: pacific))
        #expect(Timestamp.format(date) == "2025-01-01T00:00:00.000000+00:00")
    }

    @Test(arguments: [
        ("0", Duration.zero), ("250ms", .milliseconds(250)), ("1s", .seconds(1)), ("15m", .seconds(900)), ("1.5s", .milliseconds(1500)),
    ])
    func parsesDurations(text: String, expected: Duration) {
        #expect(DurationParser.parse(text) == expected)
    }

    @Test(arguments: ["fast", "-1s", "10", "ms"])
    func rejectsBadDurations(text: String) {
        #expect(DurationParser.parse(text) == nil)
    }

    @Test func formatsEveryMomentAsTheCalendarDoes() throws {
        // Airdates spread over 1900-2100, with every kind of fraction: the text must read back
        // as the same microsecond and match Foundation's own calendar fields.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let micros = Int64.random(in: -2_208_988_800_000_000...4_102_444_800_000_000, using: &generator)
            let date = Timestamp.date(microseconds: micros)
            let text = Timestamp.format(date)
            #expect(Timestamp.parse(text).map(Timestamp.microseconds) == micros, "\(text)")
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let expected = String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
            #expect(text.hasPrefix(expected) && text.hasSuffix("+00:00") && text.count == 32, "\(text) vs \(expected)")
        }
    }
}
