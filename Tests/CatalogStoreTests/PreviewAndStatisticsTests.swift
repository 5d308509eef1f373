import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import KEXP
import Logging
import PostgresCatalog
import SQLiteCatalog
import Testing

/// What keeps a large catalog's runs linear: a preview's keys outside memory, and PostgreSQL's
/// statistics following tables a run grows.
@Suite struct PreviewAndStatisticsTests {
    /// A KEXP backfill of `plays` generated plays (1,500 songs, pages of 200) served over
    /// loopback into `store`, which it closes (waiting for a statistics refresh in flight).
    static func backfill(_ plays: Int, into store: any CatalogStore) async throws -> RunSummary {
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: plays, distinctSongs: 1_500))
        let summary = await IngestEngine(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }).run(
            KEXPAdapter(baseURL: server.apiRoot, pageSize: 200), into: store, options: RunOptions(politeDelay: .zero))
        await store.close()
        try await server.server.shutdown()
        return summary
    }

    @Test func previewKeysLiveInAScratchFileMadeOnlyWhenNeededTheOldestSongKeepsAKeyAndClosingDeletesIt() async throws {
        let preview = ScratchPreviewKeys()
        let path = preview.path
        // Nothing to keep, no file.
        try await preview.remember(SongKeying.assign([], taken: []))
        #expect(!FileManager.default.fileExists(atPath: path))
        let key = try #require(SongKey.make(title: "Song", artist: "Artist"))
        try await preview.remember(
            SongKeying.assign(
                [.init(id: "old", title: "Song", artist: "Artist"), .init(id: "twin", title: "SONG", artist: "artist")], taken: []))
        // A later batch cannot take a key an earlier one gave out.
        try await preview.remember(SongKeying.assign([.init(id: "new", title: "Song", artist: "The Artist")], taken: []))
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(try await preview.songIDs(holding: [key, "absent"]) == [key: "old"])
        preview.close()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aBackfillIntoAnEmptyPostgreSQLCatalogScansNoTablePerPageAndRefreshesStatistics() async throws {
        guard StoreKind.available.contains(.postgres) else { return }
        let catalog = try await TestCatalog.make(.postgres)
        defer { catalog.remove() }
        let summary = try await Self.backfill(3_000, into: try catalog.open())
        #expect(summary.status == .complete, "\(summary.error ?? "")")
        #expect(summary.counters.provenanceInserted > 2_000)
        // Statistics taken when the tables were empty would say 0 rows; the run analyzed them
        // once they had grown (autovacuum waits for a minute and 10% of a table).
        for table in ["external_plays", "songs", "radio_ingest_song_keys"] {
            #expect(try await catalog.scalar("SELECT reltuples::bigint FROM pg_class WHERE relname = '\(table)'") > 0, "\(table)")
        }
        // No page scanned a whole table: the only scans are the run's own start-up work (the
        // migrations' index builds, the key check, the embedding count), fewer than its pages;
        // a scan per page is what made the first release quadratic. The server publishes a
        // closed connection's counters shortly after it closes.
        var scans: [[String]] = []
        for _ in 0..<100 {
            scans = try await catalog.rows(
                """
                SELECT relname::text, seq_scan::text FROM pg_stat_user_tables
                WHERE relname IN ('external_plays', 'songs', 'radio_ingest_song_keys') AND n_tup_ins > 0 ORDER BY relname
                """)
            if scans.count == 3 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(scans.count == 3, "\(scans)")
        let pages = summary.counters.pagesFetched
        #expect(pages >= 15)
        for row in scans {
            #expect((Int(row[1]) ?? .max) < pages, "\(row[0]) was scanned \(row[1]) times in a \(pages)-page run")
        }
    }

    /// A new source's backfill into a catalog holding another source's plays. Statistics that
    /// have not seen the new source make the planner expect one play of it, and each page's
    /// look-up of stored plays then read every play of the source so far through the `source`
    /// index: quadratic until autovacuum caught up with 10% of the table. The run refreshes
    /// statistics as its own rows double, so the planner knows how many plays the source has.
    @Test func aNewSourcesBackfillIntoACatalogOfOtherPlaysKeepsThePlannersCountOfTheSourceCurrent() async throws {
        guard StoreKind.available.contains(.postgres) else { return }
        let catalog = try await TestCatalog.make(.postgres)
        defer { catalog.remove() }
        try await catalog.executeScript(MusicrCatalog.postgresDDL)
        try await catalog.executeScript(MusicrCatalog.appSongInserts(postgres: true))
        try await catalog.execute(
            """
            INSERT INTO external_plays (source, source_play_id, title, artist, song_id)
            SELECT 'another-station', g::text, 'Title', 'Artist', '\(MusicrCatalog.appSongs[0].id)' FROM generate_series(1, 40000) g
            """)
        try await catalog.execute("ANALYZE external_plays")

        let summary = try await Self.backfill(5_000, into: try catalog.open())
        #expect(summary.status == .complete, "\(summary.error ?? "")")
        let stored = summary.counters.provenanceInserted
        #expect(stored > 4_000)

        // About 4,000 plays in a table of 44,000: short of autovacuum's 10%, and of doubling it.
        let plan = try await catalog.rows("EXPLAIN SELECT 1 FROM external_plays WHERE source = 'kexp'").map { $0[0] }.joined()
        let estimate = try #require(plan.firstMatch(of: /rows=(\d+)/).flatMap { Int($0.1) }, "\(plan)")
        #expect(estimate >= stored / 2 && estimate <= stored * 2, "the planner expects \(estimate) plays of kexp, there are \(stored)")
    }

    /// A role that does not own the tables cannot analyze them (PostgreSQL skips the statement
    /// with a warning to the client): the run says so once, in its own log, skips its
    /// refreshes, and stores its plays.
    @Test func aRoleThatDoesNotOwnTheTablesIsToldOnceAndTheRunCompletes() async throws {
        guard StoreKind.available.contains(.postgres) else { return }
        let catalog = try await TestCatalog.make(.postgres)
        defer { catalog.remove() }
        let owner = try catalog.open()
        try await owner.migrate()
        await owner.close()
        let role = "ingester_\(UUID().uuidString.prefix(8).lowercased())"
        var url = try #require(URLComponents(string: catalog.url))
        let database = url.path.dropFirst()
        for grant in [
            "CREATE ROLE \(role) LOGIN PASSWORD 'ingester'",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \(role)",
            "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO \(role)",
            "GRANT TEMP ON DATABASE \(database) TO \(role)",
        ] {
            try await catalog.execute(grant)
        }
        url.user = role
        url.password = "ingester"
        let logs = CapturingLogHandler.Store()
        let store = try PostgresCatalog(
            url: try #require(url.string), logger: Logger(label: "test") { _ in CapturingLogHandler(store: logs) })
        let summary = try await Self.backfill(3_000, into: store)
        try await catalog.execute("DROP OWNED BY \(role)")
        try await catalog.execute("DROP ROLE \(role)")

        #expect(summary.status == .complete, "\(summary.error ?? "")")
        #expect(summary.counters.provenanceInserted > 2_000)
        let told = logs.messages.filter { $0.contains("does not own the catalog's tables") }
        #expect(told.count == 1, "\(logs.messages)")
    }
}
