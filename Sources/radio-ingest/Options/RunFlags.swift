import ArgumentParser
import Foundation
import IngestCore
import IngestEngine

/// The standard run flags, shared by every per-source subcommand.
struct RunFlags: ParsableArguments {
    @Flag(help: "Fetch pages and report what would happen; write nothing (a read-only transaction).")
    var dryRun = false

    @Option(help: ArgumentHelp("Stop after N track plays processed.", valueName: "N"))
    var limit: Int?

    @Option(help: ArgumentHelp("Stop after N API pages fetched.", valueName: "N"))
    var pageLimit: Int?

    @Flag(help: "Fill only the gaps between the covered history and now.")
    var incremental = false

    @Option(
        help: ArgumentHelp(
            "Plays from this airdate on: YYYY-MM-DD (midnight, station time) or an RFC 3339 timestamp.", valueName: "ISO"))
    var startDate: String?

    @Option(
        help: ArgumentHelp(
            "Plays up to this airdate: YYYY-MM-DD includes that whole day (station time); a timestamp is exclusive.",
            valueName: "ISO"))
    var endDate: String?

    @Option(help: ArgumentHelp("The source's API root (a mirror or a test server).", valueName: "url"))
    var baseURL: String?

    @Option(help: ArgumentHelp("Pause between page requests: 0, 150ms, 1s ... (default: the config's, else 250ms).", valueName: "duration"))
    var politeDelay: String?

    @Option(
        help: ArgumentHelp(
            "Read this much of the covered history again for plays published late: 0, 30m, 6h (default: the config's, else the adapter's).",
            valueName: "duration"))
    var lookback: String?

    @Flag(help: "Print the run summary as one JSON object on stdout (logs go to stderr).")
    var json = false

    /// No play history reaches back before 1920.
    static let earliestBroadcast = Date(timeIntervalSince1970: -1_577_923_200)

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let pageLimit, pageLimit < 1 { throw ValidationError("--page-limit must be at least 1") }
        if let politeDelay, DurationParser.parse(politeDelay) == nil {
            throw ValidationError("--polite-delay '\(politeDelay)' is not a duration such as 0, 150ms or 1s")
        }
        if let lookback, DurationParser.parse(lookback) == nil {
            throw ValidationError("--lookback '\(lookback)' is not a duration such as 0, 30m or 6h")
        }
        if let baseURL {
            guard let url = URL(string: baseURL), url.host != nil, ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
                throw ValidationError("--base-url '\(baseURL)' is not an absolute http(s) URL")
            }
        }
    }

    /// The engine options: the config entry's (when there is one) with these flags on top.
    /// Date-only flags are read in the station's time zone.
    func runOptions(timeZone: TimeZone, base: SourceConfig?) throws -> RunOptions {
        func date(_ text: String?, flag: String, endOfDay: Bool) throws -> Date? {
            guard let text else { return nil }
            guard let date = Timestamp.parseUserDate(text, timeZone: timeZone, endOfDay: endOfDay) else {
                throw ValidationError("\(flag) '\(text)' is not a date (YYYY-MM-DD, a day the month has) or an RFC 3339 timestamp")
            }
            guard date >= Self.earliestBroadcast else {
                throw ValidationError("\(flag) '\(text)' is before any station's history (radio broadcasting began in 1920)")
            }
            return date
        }
        let window = TimeWindow(
            start: try date(startDate, flag: "--start-date", endOfDay: false),
            end: try date(endDate, flag: "--end-date", endOfDay: true))
        if let start = window.start, let end = window.end, start >= end {
            throw ValidationError("--start-date must be before --end-date")
        }
        // A start after now (a typo for the year, say) would end the run at once as `complete`.
        if let start = window.start, start > Date() {
            throw ValidationError("--start-date '\(startDate ?? "")' is in the future: nothing has aired there yet")
        }
        let limits = incremental || limit != nil || pageLimit != nil || window != .unbounded
        return RunOptions(
            dryRun: dryRun,
            limit: limit ?? (limits ? nil : base?.limit),
            pageLimit: pageLimit ?? (limits ? nil : base?.pageLimit),
            incremental: incremental,
            window: window,
            politeDelay: politeDelay.flatMap(DurationParser.parse) ?? base?.politeDelay ?? .milliseconds(250),
            lookback: lookback.flatMap(DurationParser.parse) ?? base?.lookback)
    }
}
