import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import KEXP
import Logging
import Testing

/// The real recorded KEXP page (Tests/KEXPTests/Fixtures), served from 127.0.0.1 through the
/// whole engine into every store. The file is served unchanged except that its absolute `next`
/// link (api.kexp.org) is pointed at the local server, as a mirror would, so nothing leaves
/// the machine.
@Suite struct RecordedKEXPPageTests {
    static let recorded: Data = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("KEXPTests/Fixtures/v2-plays-page-2020-03-03-limit20-offset0.json")
        return (try? Data(contentsOf: url)) ?? Data()
    }()

    @Test(arguments: StoreKind.available)
    func theRecordedPageIngestsThroughTheEngine(kind: StoreKind) async throws {
        let empty = Data(#"{"next": null, "previous": null, "results": []}"#.utf8)
        let base = BaseBox()
        let server = try await FakeStationServer.start { request in
            guard request.query["offset"] == nil else { return .json(empty) }
            let local = String(decoding: Self.recorded, as: UTF8.self)
                .replacingOccurrences(of: "https://api.kexp.org/v2/plays/", with: base.url + "/v2/plays/")
            return .json(Data(local.utf8))
        }
        base.url = server.baseURL.absoluteString
        let catalog = try await TestCatalog.make(kind)
        defer { catalog.remove() }
        let store = try catalog.open()
        let window = TimeWindow(start: Timestamp.parse("2020-03-01T00:00:00Z"), end: Timestamp.parse("2020-03-05T00:00:00Z"))
        let engine = IngestEngine(fetcher: PageFetcher(sleep: { _ in }), logger: Logger(label: "test"))
        let summary = await engine.run(
            KEXPAdapter(baseURL: server.baseURL.appendingPathComponent("v2"), pageSize: 20), into: store,
            options: RunOptions(window: window, politeDelay: .zero))
        await store.close()
        try await server.shutdown()
        #expect(summary.status == .complete, "\(summary.error ?? "")")
        #expect(summary.counters.pagesFetched == 2)
        #expect(summary.counters.playsSeen == 20)
        #expect(summary.counters.trackPlays == 15)
        #expect(summary.counters.provenanceInserted == 15)
        #expect(server.requests.last?.query["offset"] == "20")
        // release_date 2018-01-01 gives the year; 2020-02-21 too.
        let years = try await catalog.rows(
            "SELECT source_play_id, CAST(year AS text) FROM external_plays WHERE source_play_id IN ('2707637', '2707638') ORDER BY source_play_id"
        )
        #expect(years == [["2707637", "2020"], ["2707638", "2018"]])
    }

    @Test(.enabled(if: StoreKind.available.contains(.postgres), "needs PostgreSQL"))
    func aDryRunAgainstAnEmptyPostgresDatabaseCreatesNothing() async throws {
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 300))
        let catalog = try await TestCatalog.make(.postgres)
        let store = try catalog.open(readOnly: true)
        let summary = await IngestEngine(fetcher: PageFetcher(sleep: { _ in }), logger: Logger(label: "test")).run(
            KEXPAdapter(baseURL: server.apiRoot), into: store, options: RunOptions(dryRun: true, limit: 100, politeDelay: .zero))
        await store.close()
        try await server.server.shutdown()
        #expect(summary.status == .partial, "\(summary.error ?? "")")
        #expect(summary.counters.newSongs > 0)
        #expect(try await catalog.scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'") == 0)
    }
}

/// The server's own URL, known only once it listens.
final class BaseBox: @unchecked Sendable {
    // Written once before the first request is sent, then only read.
    var url = ""
}
