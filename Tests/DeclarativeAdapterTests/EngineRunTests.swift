import DeclarativeAdapters
import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import Logging
import Testing

/// Declarative adapters through the unchanged engine, a fake server on loopback and a real
/// SQLite file.
@Suite struct EngineRunTests {
    func ingest(_ adapter: any StationAdapter, options: RunOptions = RunOptions(politeDelay: .zero)) async throws -> (
        RunSummary, TestCatalog
    ) {
        let catalog = try await TestCatalog.make(.sqlite)
        let store = try catalog.open()
        let summary = await IngestEngine(fetcher: PageFetcher(sleep: { _ in }), logger: Logger(label: "test")).run(
            adapter, into: store, options: options)
        await store.close()
        return (summary, catalog)
    }

    @Test func nprWalksEachDayOfTheWindowAndStoresEveryPlay() async throws {
        let day = try Repo.fixture("npr/wwfm-day-2016-07-31.json")
        let server = try await FakeStationServer.start { request in
            guard request.path == "/v1/widget/53a98e36e1c80647e855fc88/day", request.query["format"] == "json" else { return .status(404) }
            return request.query["date"] == "2016-07-31" ? .json(day) : .json(Data(#"{"onToday": [], "affiliate": {}}"#.utf8))
        }
        let adapter = try Repo.adapter(
            StationFileTests.npr, options: ["station": StationFileTests.wwfm], baseURL: server.baseURL)
        let zone = TimeZone(identifier: "America/New_York")!
        var options = RunOptions(politeDelay: .zero)
        options.window = TimeWindow(
            start: Timestamp.parseUserDate("2016-07-29", timeZone: zone),
            end: Timestamp.parseUserDate("2016-07-31", timeZone: zone, endOfDay: true))
        let (summary, catalog) = try await ingest(adapter, options: options)
        defer { catalog.remove() }
        try await server.shutdown()
        #expect(summary.status == .complete, "\(summary.error ?? "")")
        #expect(server.requests.map { $0.query["date"] ?? "" } == ["2016-07-31", "2016-07-30", "2016-07-29"])
        #expect(summary.counters.provenanceInserted == 54)
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays WHERE source = 'npr-53a98e36e1c80647e855fc88'") == 54)
    }

    static let authorizedFeed = """
        adapter: example-fm
        version: 1
        defaults: { base_url: "http://127.0.0.1" }
        request:
          url: "{base_url}/plays"
          auth: { bearer_env: EXAMPLE_FM_TOKEN }
        paging: { kind: next_url, path: $.next }
        records: { path: "$.plays[*]" }
        fields: { source_play_id: $.id, played_at: $.at, title: $.title, artist: $.artist }
        """

    static func page(_ id: Int, next: String?) -> Data {
        let link = next.map { "\"\($0)\"" } ?? "null"
        return Data(
            #"{"next": \#(link), "plays": [{"id": \#(id), "at": "2024-01-01T10:0\#(id):00Z", "title": "T\#(id)", "artist": "A"}]}"#.utf8)
    }

    /// ``authorizedFeed`` against `baseURL`, its token in the environment.
    static func authorizedAdapter(baseURL: URL, token: String) throws -> DeclarativeAdapter {
        try DeclarativeAdapter(
            definition: try DefinitionReader(file: "example-fm.yaml").read(authorizedFeed),
            settings: AdapterSettings(sourceName: "example-fm", baseURL: baseURL, environment: ["EXAMPLE_FM_TOKEN": token]))
    }

    @Test func aNextLinkToAnotherHostGetsTheRequestWithoutTheSecret() async throws {
        let other = try await FakeStationServer.start(host: "127.0.0.2") { _ in .json(Self.page(1, next: nil)) }
        let origin = try await FakeStationServer.start { request in
            guard request.headers["authorization"] == "Bearer s3cret" else { return .status(401) }
            return .json(Self.page(2, next: other.baseURL.appendingPathComponent("plays").absoluteString))
        }
        let adapter = try Self.authorizedAdapter(baseURL: origin.baseURL, token: "s3cret")
        let (summary, catalog) = try await ingest(adapter)
        defer { catalog.remove() }
        #expect(summary.status == .complete, "\(summary.error ?? "")")
        #expect(summary.counters.provenanceInserted == 2)
        #expect(origin.requests.count == 1)
        #expect(other.requests.count == 1)
        #expect(other.requests.first?.headers["authorization"] == nil)
        try await origin.shutdown()
        try await other.shutdown()
    }

    @Test func aNextLinkThatIsNotHTTPIsAMalformedPageAndKeepsWhatWasStored() async throws {
        let origin = try await FakeStationServer.start { _ in .json(Self.page(1, next: "file:///etc/passwd")) }
        let adapter = try Self.authorizedAdapter(baseURL: origin.baseURL, token: "x")
        let (summary, catalog) = try await ingest(adapter)
        defer { catalog.remove() }
        try await origin.shutdown()
        #expect(summary.status == .failed)
        #expect(summary.error?.contains("http(s)") == true, "\(summary.error ?? "")")
        #expect(origin.requests.count == 1)
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == 1)
    }

    @Test func aPathAbsentFromTheFirstPageFailsTheRunNamingThePathAndThePage() async throws {
        let body = try Repo.fixture("kexp/v2-plays-page-2020-03-03-limit20-offset0.json")
        let server = try await FakeStationServer.start { _ in .json(body) }
        var yaml = try String(contentsOf: Repo.twins.appendingPathComponent("kexp.yaml"), encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "title: $.song", with: "title: $.track_name")
        let definition = try DefinitionReader(file: "kexp-renamed.yaml").read(yaml)
        let adapter = try DeclarativeAdapter(definition: definition, settings: AdapterSettings(sourceName: "kexp", baseURL: server.baseURL))
        let (summary, catalog) = try await ingest(adapter)
        defer { catalog.remove() }
        try await server.shutdown()
        #expect(summary.status == .failed)
        let error = summary.error ?? ""
        #expect(
            error.contains("$.track_name") && error.contains(server.baseURL.absoluteString) && error.contains("kexp-renamed.yaml"),
            "\(error)")
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == 0)
    }
}
