import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import Logging
import Testing

/// RadioIngest on the catalog it was specified for: Musicr's, rebuilt from its migrations
/// (``MusicrCatalog``), with application songs whose ids are uuids. It must be used as it is.
@Suite struct MusicrCatalogTests {
    static let catalogTables = ["songs", "external_plays", "ingestion_checkpoints"]

    /// A harness whose catalog is Musicr's, with the application's songs in it.
    static func musicr(_ kind: StoreKind, plays: Int = 600) async throws -> Harness {
        let h = try await Harness.make(kind, plays: plays)
        try await h.catalog.executeScript(kind == .postgres ? MusicrCatalog.postgresDDL : MusicrCatalog.sqliteDDL)
        try await h.catalog.executeScript(MusicrCatalog.appSongInserts(postgres: kind == .postgres))
        return h
    }

    @Test(arguments: StoreKind.available)
    func aDryRunPredictsWhatTheRealRunDoesOnACatalogNotKeyedYet(kind: StoreKind) async throws {
        // The preview keys the application's songs into a scratch file, not the catalog, and
        // looks them up page by page; its counts are the real run's.
        try await Harness.scoped(try await Self.musicr(kind, plays: 1_200)) { h in
            let preview = try await h.run(.fast(dryRun: true))
            #expect(preview.status == .complete, "\(preview.error ?? "")")
            let real = try await h.run(.fast())
            #expect(real.status == .complete, "\(real.error ?? "")")
            // A song the preview did not find among the application's would count as new.
            #expect(preview.counters.newSongs == real.counters.newSongs)
            #expect(preview.counters.provenanceInserted == real.counters.provenanceInserted)
            #expect(preview.counters.songsMatched > 0)
        }
    }

    @Test(arguments: StoreKind.available)
    func aDryRunOnMusicrRunsNoDDLWritesNothingAndMatchesTheApplicationsSongs(kind: StoreKind) async throws {
        try await Harness.scoped(try await Self.musicr(kind)) { h in
            let before = try await h.catalog.schemaDump(of: Self.catalogTables)
            let summary = try await h.run(.fast(dryRun: true))
            #expect(summary.status == .complete, "\(summary.error ?? "")")
            #expect(summary.counters.errors == 0)
            #expect(summary.counters.songsMatched > 0)
            #expect(summary.counters.newSongs > 0)
            #expect(try await h.catalog.schemaDump(of: Self.catalogTables) == before)
            #expect(try await h.count("external_plays") == 0)
            #expect(try await h.count("songs") == MusicrCatalog.appSongs.count)
            let toolTables =
                kind == .postgres
                ? "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'radio_ingest%' OR table_name LIKE 'ingestion_runs'"
                : "SELECT count(*) FROM sqlite_master WHERE name LIKE 'radio_ingest%' OR name = 'grdb_migrations'"
            #expect(try await h.catalog.scalar(toolTables) == 0)
        }
    }

    /// An application that wrote with SQLite's foreign keys off can hold a play of a song it
    /// deleted since. The migrations used to check every reference in the file before they
    /// committed, refused that catalog, and read all of its plays to do so.
    @Test func anSQLiteCatalogWhoseOwnRowsBreakAReferenceIsMigratedAndIngestedAsItIs() async throws {
        try await Harness.scoped(try await Self.musicr(.sqlite)) { h in
            try await h.catalog.executeWithoutForeignKeys(
                "INSERT INTO external_plays (id, source, source_play_id, title, artist, song_id) VALUES ('app-play', 'app', '1', 'Gone', 'Gone', 'deleted-song')"
            )
            let summary = try await h.run(.fast())
            #expect(summary.status == .complete, "\(summary.error ?? "")")
            #expect(summary.counters.provenanceInserted > 0)
            #expect(try await h.catalog.rows("SELECT song_id FROM external_plays WHERE id = 'app-play'") == [["deleted-song"]])
        }
    }

    @Test(arguments: StoreKind.available)
    func aBackfillLinksPlaysToTheApplicationsSongsAndAltersNothing(kind: StoreKind) async throws {
        try await Harness.scoped(try await Self.musicr(kind)) { h in
            let before = try await h.catalog.schemaDump(of: Self.catalogTables)
            #expect(before.contains("external_plays") && before.contains("updatedAt"))
            let summary = try await h.run(.fast())
            #expect(summary.status == .complete, "\(summary.error ?? "")")
            #expect(summary.counters.errors == 0)
            #expect(try await h.count("external_plays") == summary.counters.provenanceInserted)
            #expect(try await h.catalog.schemaDump(of: Self.catalogTables) == before)

            // Matched by MBID, by key (other case), and by key through a remaster tag.
            for app in MusicrCatalog.appSongs.prefix(3) {
                let linked = try await h.catalog.scalar("SELECT count(*) FROM external_plays WHERE song_id = '\(app.id)'")
                #expect(linked > 0, "plays of \(app.title) link to the application's song")
            }
            // New songs keep Musicr's contract.
            let newSongs = summary.counters.newSongs
            #expect(newSongs > 0)
            #expect(try await h.count("songs") == MusicrCatalog.appSongs.count + newSongs)
            let contract = """
                SELECT count(*) FROM songs WHERE source = 'kexp' AND embedding_version = 0 AND "updatedAt" IS NOT NULL
                    AND "createdAt" IS NOT NULL AND is_placeholder = false AND length(CAST(id AS text)) = 36
                """
            #expect(try await h.catalog.scalar(contract) == newSongs)
            #expect(try await h.catalog.scalar(MusicrCatalog.embeddingBackfillQuery) == newSongs)
            #expect(try await h.catalog.scalar("SELECT count(*) FROM songs WHERE embedding_version = 1") == MusicrCatalog.appSongs.count)
            // The checkpoint keeps the runbook's meaning: a timestamp cursor.
            let cursor = try await h.catalog.rows("SELECT cursor FROM ingestion_checkpoints WHERE source = 'kexp'")
            #expect(cursor.first.flatMap { $0.first }.flatMap(Timestamp.parse) != nil)

            let incremental = try await h.run(.fast(incremental: true))
            #expect(incremental.status == .complete, "\(incremental.error ?? "")")
            #expect(incremental.counters.newSongs == 0)
            #expect(incremental.counters.errors == 0)
            #expect(try await h.catalog.schemaDump(of: Self.catalogTables) == before)
        }
    }

    @Test(arguments: StoreKind.available)
    func everyInsertRefusedFailsTheRunLeavesTheLedgerAndTheNextRunStoresEverything(kind: StoreKind) async throws {
        try await Harness.scoped(try await Self.musicr(kind)) { h in
            try await Self.refuseInserts(h.catalog, when: nil)
            let failed = try await h.run(.fast())
            #expect(failed.status == .failed)
            #expect(failed.error?.contains("frozen for maintenance") == true, "\(failed.error ?? "")")
            #expect(try await h.checkpoint() == nil)
            #expect(try await h.count("external_plays") == 0)
            #expect(try await h.count("songs") == MusicrCatalog.appSongs.count)
            #expect(try await h.count("radio_ingest_failed_plays") == 0)

            try await Self.allowInserts(h.catalog)
            let next = try await h.run(.fast())
            #expect(next.status == .complete, "\(next.error ?? "")")
            let trackPlays = next.counters.trackPlays - next.counters.skippedInvalid - next.counters.duplicatesSkipped
            #expect(try await h.count("external_plays") == trackPlays)
            #expect(next.counters.provenanceInserted == trackPlays)
        }
    }

    @Test(arguments: StoreKind.available)
    func anIsolatedRefusedPlayIsKeptListedAndStoredByARetry(kind: StoreKind) async throws {
        try await Harness.scoped(try await Self.musicr(kind)) { h in
            try await Self.refuseInserts(h.catalog, when: "Song 7")
            let summary = try await h.run(.fast())
            #expect(summary.status == .complete)
            #expect(summary.counters.errors > 0)
            let store = try h.catalog.open()
            let kept = try await store.failedPlays(source: "kexp", limit: 100)
            #expect(kept.count == summary.counters.errors)
            #expect(kept.allSatisfy { $0.reason.contains("frozen for maintenance") })
            #expect(try kept.allSatisfy { try $0.play().title == "Song 7" })
            #expect(try await store.countFailedPlays(source: nil) == summary.counters.errors)
            // The ledger covers the walk: the refused plays are kept, not lost.
            #expect(try await h.checkpoint()?.ledger.isEmpty == false)

            try await Self.allowInserts(h.catalog)
            let outcome = try await FailedPlayRetry.run(store: store, source: nil, logger: Logger(label: "test"))
            #expect(outcome.retried == kept.count)
            #expect(outcome.stored == kept.count)
            #expect(outcome.stillFailing == 0)
            #expect(try await store.countFailedPlays(source: "kexp") == 0)
            await store.close()
            let song7 = try await h.catalog.scalar("SELECT count(*) FROM external_plays WHERE title = 'Song 7'")
            #expect(song7 == kept.count)
        }
    }

    @Test(arguments: StoreKind.available)
    func aRequiredColumnNobodyFillsIsRefusedByName(kind: StoreKind) async throws {
        try await Harness.scoped(try await Self.musicr(kind)) { h in
            if kind == .postgres {
                try await h.catalog.execute(#"ALTER TABLE songs ADD COLUMN "rating" integer"#)
                try await h.catalog.execute(#"UPDATE songs SET "rating" = 1"#)
                try await h.catalog.execute(#"ALTER TABLE songs ALTER COLUMN "rating" SET NOT NULL"#)
            } else {
                // SQLite cannot add a NOT NULL column without a default: make the table anew.
                try await h.catalog.execute(
                    #"DROP TABLE songs; CREATE TABLE songs ("id" TEXT PRIMARY KEY, "title" TEXT NOT NULL, "artist" TEXT NOT NULL, "rating" INTEGER NOT NULL, "updatedAt" DATETIME NOT NULL)"#
                )
            }
            let summary = try await h.run(.fast(dryRun: true))
            #expect(summary.status == .failed)
            #expect(summary.error?.contains("songs.rating is NOT NULL without a default") == true, "\(summary.error ?? "")")
            let real = try await h.run(.fast())
            #expect(real.status == .failed)
            #expect(try await h.count("external_plays") == 0)
        }
    }

    @Test(arguments: StoreKind.available)
    func anISRCIsNormalizedAndOneAnotherSongHoldsStaysOffTheNewSong(kind: StoreKind) async throws {
        let catalog = try await TestCatalog.make(kind)
        defer { catalog.remove() }
        try await catalog.executeScript(kind == .postgres ? MusicrCatalog.postgresDDL : MusicrCatalog.sqliteDDL)
        try await catalog.executeScript(MusicrCatalog.appSongInserts(postgres: kind == .postgres))
        let store = try catalog.open()
        try await store.migrate()
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        let plays = [
            Play(sourcePlayID: "1", title: "Fresh", artist: "New Band", airdate: t0, isrc: "us-abc-26-00001"),
            Play(sourcePlayID: "2", title: "Other", artist: "New Band", airdate: t0, isrc: "GB-XYZ-99-00001"),
            Play(sourcePlayID: "3", title: "Third", artist: "New Band", airdate: t0, isrc: "not an isrc at all, far too long"),
        ]
        let result = try await store.commit(PageBatch(source: "spinitron", plays: plays, checkpoint: nil))
        await store.close()
        #expect(result.allSatisfy { if case .newSong = $0 { true } else { false } })
        let isrcs = try await catalog.rows("SELECT title, COALESCE(isrc, 'none') FROM songs WHERE source = 'spinitron' ORDER BY title")
        #expect(isrcs == [["Fresh", "USABC2600001"], ["Other", "none"], ["Third", "none"]])
    }

    @Test(arguments: StoreKind.available)
    func anApplicationWithOnlyNumberedSongsGetsTheOtherTablesCreatedAndNumberedNewSongs(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind, plays: 300)) { h in
            let songs =
                kind == .postgres
                ? "CREATE TABLE songs (id bigserial PRIMARY KEY, title text NOT NULL, artist text NOT NULL, inserted_at timestamptz NOT NULL DEFAULT now())"
                : "CREATE TABLE songs (id INTEGER PRIMARY KEY, title TEXT NOT NULL, artist TEXT NOT NULL, inserted_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"
            try await h.catalog.execute(songs)
            try await h.catalog.execute("INSERT INTO songs (title, artist) VALUES ('Song 1', 'Artist 1')")
            let before = try await h.catalog.schemaDump(of: ["songs"])
            let summary = try await h.run(.fast())
            #expect(summary.status == .complete, "\(summary.error ?? "")")
            #expect(summary.counters.errors == 0)
            #expect(try await h.catalog.schemaDump(of: ["songs"]) == before)
            #expect(try await h.count("songs") == 1 + summary.counters.newSongs)
            #expect(try await h.catalog.scalar("SELECT count(*) FROM external_plays WHERE song_id = 1") > 0)
            // Every play links to a song that exists, whatever number the database gave it.
            let orphans = "SELECT count(*) FROM external_plays p LEFT JOIN songs s ON s.id = p.song_id WHERE s.id IS NULL"
            #expect(try await h.catalog.scalar(orphans) == 0)
            #expect(try await h.count("external_plays") == summary.counters.provenanceInserted)
        }
    }

    /// Makes the catalog refuse inserts into `external_plays` (of one title, or all).
    static func refuseInserts(_ catalog: TestCatalog, when title: String?) async throws {
        if catalog.kind == .postgres {
            let condition = title.map { "NEW.title = '\($0)'" } ?? "true"
            try await catalog.execute(
                """
                CREATE FUNCTION refuse_plays() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF \(condition) THEN RAISE EXCEPTION 'external_plays is frozen for maintenance'; END IF; RETURN NEW; END $$
                """)
            try await catalog.execute(
                "CREATE TRIGGER refuse_plays BEFORE INSERT ON external_plays FOR EACH ROW EXECUTE FUNCTION refuse_plays()")
        } else {
            let when = title.map { " WHEN NEW.title = '\($0)'" } ?? ""
            try await catalog.execute(
                "CREATE TRIGGER refuse_plays BEFORE INSERT ON external_plays\(when) BEGIN SELECT RAISE(ABORT, 'external_plays is frozen for maintenance'); END"
            )
        }
    }

    static func allowInserts(_ catalog: TestCatalog) async throws {
        try await catalog.execute("DROP TRIGGER refuse_plays\(catalog.kind == .postgres ? " ON external_plays" : "")")
    }
}
