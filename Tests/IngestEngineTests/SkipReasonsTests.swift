import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import KEXP
import Testing

/// Records that cannot be stored are counted by reason in plain words; a value a play cannot
/// keep costs that value, never the play.
@Suite struct SkipReasonsTests {
    static let page = """
        {"next": null, "results": [
          {"id": 1, "airdate": "2024-01-01T10:00:00-08:00", "play_type": "trackplay", "song": "Kept", "artist": "Band", "album": "\(String(repeating: "x", count: 100_000))"},
          {"id": 2, "airdate": "2024-01-01T09:57:00-08:00", "play_type": "trackplay", "song": "", "artist": "Band"},
          {"id": 3, "airdate": "2024-13-01T09:54:00-08:00", "play_type": "trackplay", "song": "Bad time", "artist": "Band"},
          {"id": 4, "airdate": "2024-01-01T09:51:00-08:00", "play_type": "trackplay", "song": "\(String(repeating: "y", count: 2_000))", "artist": "Band"},
          {"id": 5, "airdate": "2024-01-01T09:48:00-08:00", "play_type": "trackplay", "song": ["not", "text"], "artist": "Band"}
        ]}
        """

    @Test(arguments: StoreKind.available)
    func aHugeAlbumDropsTheAlbumAndEachSkipHasItsReason(kind: StoreKind) async throws {
        let body = Data(Self.page.utf8)
        let server = try await FakeStationServer.start { _ in .json(body) }
        let catalog = try await TestCatalog.make(kind)
        defer { catalog.remove() }
        let store = try catalog.open()
        let summary = await IngestEngine(fetcher: PageFetcher(timeout: .seconds(10)) { _ in }).run(
            KEXPAdapter(baseURL: server.baseURL.appendingPathComponent("v2")), into: store, options: RunOptions(politeDelay: .zero))
        await store.close()
        try await server.shutdown()
        #expect(summary.status == .complete, "\(summary.error ?? "")")
        #expect(summary.counters.provenanceInserted == 1)
        #expect(try await catalog.rows("SELECT title, COALESCE(album, 'none') FROM external_plays") == [["Kept", "none"]])
        #expect(summary.counters.skippedInvalid == 4)
        #expect(
            summary.counters.skipReasons == [
                "missing title or artist": 1, "unparseable time": 1, "too long": 1, "unreadable row": 1,
            ])
        #expect(summary.text().contains("Skipped (no title/artist): 4 ("))
        #expect(summary.json().contains("\"skip_reasons\":{"))
    }

    @Test func aDryRunSaysWhatItWouldDo() {
        var counters = RunCounters()
        counters.provenanceInserted = 93
        let summary = RunSummary(
            source: "kexp", runID: nil, status: .complete, dryRun: true, counters: counters, songsAwaitingEmbedding: nil, error: nil,
            startedAt: Date(), finishedAt: Date())
        #expect(summary.text().contains("Provenance rows to insert: 93"))
        #expect(!summary.text().contains("inserted:"))
    }

    @Test func anUnreadableRowNamesTheFieldWithoutADecoderDump() throws {
        let adapter = KEXPAdapter()
        let parsed = try adapter.parse(Data(Self.page.utf8), for: try adapter.firstRequest(for: .unbounded))
        guard case .invalid(let reason) = parsed.records[4] else {
            Issue.record("row 5 is unreadable")
            return
        }
        #expect(reason.kind == .unreadableRow)
        #expect(reason.detail == "unreadable row: 'results[4].song' is not text", "\(reason.detail)")
    }
}
