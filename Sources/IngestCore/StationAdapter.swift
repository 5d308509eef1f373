import Foundation

/// The order in which a source returns plays within a window.
public enum PlayOrder: String, Sendable, Codable {
    /// Newest airdate first (KEXP, Spinitron).
    case newestFirst
    /// Oldest airdate first.
    case oldestFirst
}

/// What one record on a page turned out to be.
public enum ParsedRecord: Sendable, Hashable {
    /// A track play to ingest.
    case track(Play)
    /// A row that is not a track (an airbreak, a station ID); seen but never stored.
    case nonTrack
    /// A track row that cannot be ingested (missing title or artist, bad value); skipped and counted.
    case invalid(SkipReason)
}

/// A page of a source's play history, parsed.
public struct ParsedPage: Sendable {
    /// Every record on the page, in the source's order.
    public var records: [ParsedRecord]
    /// The request for the following page, or `nil` when this was the last page of the window.
    public var next: PageRequest?
    /// An empty page ends the walk unless this is set: a day-addressed source walks on past a
    /// day without plays (its adapter bounds how many it walks).
    public var continuesWhenEmpty: Bool

    public init(records: [ParsedRecord], next: PageRequest?, continuesWhenEmpty: Bool = false) {
        self.records = records
        self.next = next
        self.continuesWhenEmpty = continuesWhenEmpty
    }
}

/// A station or platform whose play history RadioIngest can read.
///
/// An adapter is pure: it describes requests and parses responses. The engine performs the
/// HTTP, retries, polite delays, paging, limits, matching, storage and checkpoints, so an
/// adapter never sleeps, retries or touches the network itself.
///
/// Requirements a conformer must meet:
/// - `firstRequest(for:)` asks for the plays inside `window` (both bounds, when given), in
///   `order`. Bounds must be sent with explicit UTC offsets.
/// - `parse(_:for:)` returns every record on the page in the source's order and the request for
///   the next page (a `next` URL, an offset, a page number or an opaque cursor all fit), or `nil`
///   at the end. It throws ``IngestError`` (`.malformedPage`) when the body is not a page, but
///   never for one bad record: that record becomes `.invalid`.
/// - Unknown fields in a response are ignored.
///
/// A minimal example:
/// ```swift
/// struct ExampleFM: StationAdapter {
///     let sourceName = "example-fm"
///     let timeZone = TimeZone(identifier: "UTC")!
///     let order = PlayOrder.newestFirst
///     func firstRequest(for window: TimeWindow) throws -> PageRequest {
///         PageRequest(url: URL(string: "https://example.fm/plays?before=\(window.end.map(Timestamp.format) ?? "")")!)
///     }
///     func parse(_ body: Data, for request: PageRequest) throws -> ParsedPage {
///         // A body that is not a page is the adapter's to report, as a malformed page; one bad
///         // row is not (`LenientRecord` turns it into an `.invalid` record).
///         guard let page = try? JSONDecoder().decode(ExamplePage.self, from: body) else {
///             throw IngestError.malformedPage("example.fm returned something that is not a plays page")
///         }
///         return ParsedPage(records: page.items.map(\.record), next: page.next.map { PageRequest(url: $0) })
///     }
/// }
/// // `items: [LenientRecord<ExampleRow>]`, `next: URL?`
/// ```
public protocol StationAdapter: Sendable {
    /// The source name stored with every play and checkpoint (`kexp`, `abc-triplej`).
    var sourceName: String { get }
    /// The station's local time zone; date-only flags mean midnight here.
    var timeZone: TimeZone { get }
    /// The order in which pages and records come.
    var order: PlayOrder { get }
    /// How long after airing a play may still appear in the source (DJs logging late,
    /// whole sets entered after the show). Incremental and scheduled runs re-read this much of
    /// the covered history; a config's `lookback:` or `--lookback` overrides it.
    var lookback: Duration { get }
    /// The request for the first page of plays inside `window`.
    func firstRequest(for window: TimeWindow) throws -> PageRequest
    /// Parses one response body fetched for `request`.
    func parse(_ body: Data, for request: PageRequest) throws -> ParsedPage
}

extension StationAdapter {
    /// One hour, for adapters that do not say.
    public var lookback: Duration { .seconds(3600) }
}
