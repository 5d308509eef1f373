// The adapter and factory below are copied verbatim from docs/adding-an-adapter.md (its first
// two Swift blocks); GuideExampleTests proves the guide's example compiles and passes the kit.
import Foundation
import IngestCore
import IngestTesting
import Testing

public struct ExampleFMAdapter: StationAdapter {
    public static let defaultBaseURL = URL(string: "https://api.example.fm")!
    public let sourceName: String
    public let timeZone = TimeZone(identifier: "America/New_York")!  // date-only flags mean midnight here
    public let order = PlayOrder.newestFirst  // the ledger relies on this
    public var baseURL: URL

    public init(sourceName: String = "example-fm", baseURL: URL = defaultBaseURL) {
        self.sourceName = sourceName
        self.baseURL = baseURL
    }

    public func firstRequest(for window: TimeWindow) throws -> PageRequest {
        var items: [URLQueryItem] = []
        // Always explicit offsets: Timestamp.format gives 2025-03-01T23:04:00.000000+00:00.
        if let start = window.start { items.append(URLQueryItem(name: "since", value: Timestamp.format(start))) }
        if let end = window.end { items.append(URLQueryItem(name: "until", value: Timestamp.format(end))) }
        return PageRequest(url: baseURL.appendingPathComponent("plays").settingQueryItems(items))
    }

    public func parse(_ body: Data, for request: PageRequest) throws -> ParsedPage {
        struct Page: Decodable {
            var plays: [LenientRecord<ExampleFMRow>]  // a bad row becomes .invalid, not a failed page
            var cursor: String?
        }
        let page: Page
        do {
            page = try JSONDecoder().decode(Page.self, from: body)
        } catch {
            // A body that is not a page: the engine aborts the run with this message, checkpoint intact.
            throw IngestError.malformedPage("Example FM returned a body that is not a plays page (\(request.redactedURL)): \(error)")
        }
        // The next page is this request with the cursor: the window survives.
        let next = page.cursor.map {
            PageRequest(url: request.url.settingQueryItems([URLQueryItem(name: "cursor", value: $0)]))
        }
        return ParsedPage(records: page.plays.map(\.record), next: page.plays.isEmpty ? nil : next)
    }
}

/// One row of the response: only the fields we use; others are ignored.
struct ExampleFMRow: SourceRow {
    var uid: String, at: String, track: String?, by: String?, lp: String?, mbid: String?

    var record: ParsedRecord {
        guard let airdate = Timestamp.parse(at) else { return .invalid(.unparseableTime("at", at)) }
        guard let title = track, !title.isEmpty, let artist = by, !artist.isEmpty else {
            return .invalid(.missing("track or artist"))  // counted as skipped_invalid, never an error
        }
        return .track(Play(sourcePlayID: uid, title: title, artist: artist, album: lp, airdate: airdate, mbid: mbid))
    }
}

public enum ExampleFMFactory: StationAdapterFactory {
    public static let name = "example-fm"
    public static let summary = "Ingest Example FM plays."
    public static var defaultBaseURL: URL { ExampleFMAdapter.defaultBaseURL }
    // Adapter-specific settings become config `options:` keys and `--flags` of the subcommand:
    // public static let options = [AdapterOption(name: "station", help: "…")]

    public static func make(_ settings: AdapterSettings) throws -> any StationAdapter {
        try rejectUnknownOptions(settings)
        return ExampleFMAdapter(sourceName: settings.sourceName, baseURL: settings.baseURL ?? defaultBaseURL)
    }
}
@Suite struct GuideExampleTests {
    @Test func theGuidesExampleAdapterPassesTheAdapterTestKit() {
        let page = Data(
            #"""
            { "plays": [ { "uid": "p-991", "at": "2025-03-01T18:04:00-05:00", "track": "Heroes", "by": "David Bowie", "lp": "Heroes", "mbid": null },
                         { "uid": "p-990", "at": "2025-03-01T18:00:00-05:00", "track": "Sound and Vision", "by": "David Bowie", "lp": "Low", "mbid": null } ],
              "cursor": "eyJwIjoyfQ" }
            """#.utf8)
        let problems = AdapterConformance.check(
            ExampleFMAdapter(), fixtures: [AdapterFixture(name: "page-001.json", body: page)],
            emptyPage: Data(#"{"plays": [], "cursor": null}"#.utf8))
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func theGuideMatchesThisFile() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let guide = try String(contentsOfFile: root.appendingPathComponent("docs/adding-an-adapter.md").path, encoding: .utf8)
        let this = try String(contentsOfFile: #filePath, encoding: .utf8)
        // Lines compared with their indentation and spacing folded, in order: the guide's first
        // two Swift blocks must be this file's code, line for line.
        func lines(_ text: Substring) -> [String] {
            text.split(separator: "\n").map { $0.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
                .filter { !$0.isEmpty && !$0.hasPrefix("import ") }
        }
        let blocks = guide.components(separatedBy: "```swift\n").dropFirst().prefix(2).map { $0.components(separatedBy: "```")[0] }
        #expect(blocks.count == 2)
        let code = lines(this[...])
        for block in blocks {
            let expected = lines(block[...])
            #expect(!expected.isEmpty)
            guard let first = expected.first, let start = code.firstIndex(of: first) else {
                Issue.record("the guide's block starting \(expected.first ?? "") is not in this file")
                continue
            }
            let actual = Array(code[start..<min(start + expected.count, code.count)])
            for (guideLine, fileLine) in zip(expected, actual) where guideLine != fileLine {
                Issue.record("the guide says `\(guideLine)`, this file `\(fileLine)`")
            }
            #expect(actual.count == expected.count)
        }
    }
}
