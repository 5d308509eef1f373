import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import Testing

/// One battery, written once, run against every store: what ``CatalogStore`` promises.
@Suite struct StoreConformanceTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    static func play(_ id: String, _ title: String, _ artist: String, mbid: String? = nil, album: String? = nil, minutesAgo: Double = 0)
        -> Play
    {
        Play(sourcePlayID: id, title: title, artist: artist, album: album, airdate: t0.addingTimeInterval(-60 * minutesAgo), mbid: mbid)
    }

    static func batch(_ plays: [Play], source: String = "kexp", covered: CoverageLedger.Span? = nil) -> PageBatch {
        var checkpoint = Checkpoint(source: source)
        if let covered { checkpoint.ledger.add(covered) }
        checkpoint.pagesCommitted = 1
        return PageBatch(source: source, plays: plays, checkpoint: checkpoint)
    }

    func withStore(_ kind: StoreKind, _ body: (TestCatalog, any CatalogStore) async throws -> Void) async throws {
        try await TestCatalog.withStore(kind, body)
    }

    @Test(arguments: StoreKind.available)
    func committingThePageTwiceIsIdempotent(kind: StoreKind) async throws {
        try await withStore(kind) { catalog, store in
            let page = Self.batch([Self.play("1", "A", "X"), Self.play("2", "B", "Y", minutesAgo: 1)])
            let first = try await store.commit(page)
            let second = try await store.commit(page)
            #expect(first.allSatisfy { if case .newSong = $0 { true } else { false } })
            #expect(second == [.duplicate, .duplicate])
            #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == 2)
            #expect(try await catalog.scalar("SELECT count(*) FROM songs") == 2)
        }
    }

    @Test(arguments: StoreKind.available)
    func theSameNewSongTwiceInOnePageCreatesOneSong(kind: StoreKind) async throws {
        try await withStore(kind) { catalog, store in
            let result = try await store.commit(
                Self.batch([Self.play("1", "Heroes", "David Bowie"), Self.play("2", "HEROES", "david bowie", minutesAgo: 5)]))
            guard case .newSong(let id) = result[0] else { Issue.record("first play creates the song"); return }
            #expect(result[1] == .linkedToNewSong(songID: id))
            #expect(try await catalog.scalar("SELECT count(*) FROM songs") == 1)
            #expect(try await catalog.scalar("SELECT count(DISTINCT song_id) FROM external_plays") == 1)
        }
    }

    @Test(arguments: StoreKind.available)
    func mbidMatchesBeforeTheKey(kind: StoreKind) async throws {
        try await withStore(kind) { catalog, store in
            try await catalog.execute("INSERT INTO songs (id, title, artist, mbid) VALUES ('by-mbid', 'Other', 'Other', 'abc-123')")
            try await catalog.execute("INSERT INTO songs (id, title, artist) VALUES ('by-key', 'Heroes', 'David Bowie')")
            try await store.prepareForMatching(readOnly: false)
            let result = try await store.commit(
                Self.batch([
                    Self.play("1", "Heroes", "David Bowie", mbid: "ABC-123"), Self.play("2", "Heroes", "David Bowie", minutesAgo: 1),
                ]))
            #expect(result == [.matched(songID: "by-mbid", by: .mbid), .matched(songID: "by-key", by: .key)])
        }
    }

    @Test(arguments: StoreKind.available)
    func songsInsertedByAnotherProgramAreKeyedAndMatched(kind: StoreKind) async throws {
        try await withStore(kind) { catalog, store in
            try await catalog.execute(
                "INSERT INTO songs (id, title, artist, mbid) VALUES ('foreign-1', 'Waterloo Sunset (2011 Remaster)', 'The Kinks', NULL)")
            try await catalog.execute(
                "INSERT INTO songs (id, title, artist, mbid) VALUES ('foreign-2', 'WATERLOO SUNSET', 'the kinks', NULL)")
            #expect(try await store.prepareForMatching(readOnly: false) == 2)
            let result = try await store.commit(Self.batch([Self.play("1", "Waterloo Sunset", "The Kinks")]))
            #expect(result == [.matched(songID: "foreign-1", by: .key)])
            #expect(try await store.prepareForMatching(readOnly: false) == 0)
        }
    }

    @Test(arguments: StoreKind.available)
    func existingNonNullFieldsAreNeverOverwritten(kind: StoreKind) async throws {
        try await withStore(kind) { catalog, store in
            try await catalog.execute(
                "INSERT INTO songs (id, title, artist, album, year, mbid, isrc, source) VALUES ('s', 'T', 'A', 'Album', 2001, 'm-1', 'ISRC1', 'app')"
            )
            try await store.prepareForMatching(readOnly: false)
            _ = try await store.commit(
                Self.batch([
                    Play(
                        sourcePlayID: "1", title: "T", artist: "A", album: "Other Album", airdate: Self.t0, mbid: "m-1", isrc: "ISRC2",
                        year: 1990)
                ]))
            let row = try await catalog.rows("SELECT album, CAST(year AS text), mbid, isrc, source FROM songs WHERE id = 's'")
            #expect(row == [["Album", "2001", "m-1", "ISRC1", "app"]])
        }
    }

    @Test(arguments: StoreKind.available)
    func twoWritersInsertingTheSameNewSongCreateOneSong(kind: StoreKind) async throws {
        let catalog = try await TestCatalog.make(kind)
        defer { catalog.remove() }
        let setup = try catalog.open()
        try await setup.migrate()
        await setup.close()
        // Two independent stores (two connection pools, as two processes would have) race on 20 pages.
        let writers = try (0..<2).map { _ in try catalog.open() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (w, writer) in writers.enumerated() {
                group.addTask {
                    for page in 0..<20 {
                        let plays = (0..<10).map { i in Self.play("w\(w)-\(page)-\(i)", "Song \(page)-\(i)", "Artist") }
                        _ = try await writer.commit(Self.batch(plays, source: "src\(w)"))
                    }
                }
            }
            try await group.waitForAll()
        }
        for writer in writers { await writer.close() }
        #expect(try await catalog.scalar("SELECT count(*) FROM songs") == 200)
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == 400)
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays p JOIN songs s ON s.id = p.song_id") == 400)
    }

    @Test(arguments: StoreKind.available)
    func aPageThatFailsMidwayLeavesNothingBehind(kind: StoreKind) async throws {
        try await withStore(kind) { catalog, store in
            // The checkpoint is the page's last write: make it fail, as a crash there would.
            switch kind {
            case .sqlite:
                try await catalog.execute(
                    "CREATE TRIGGER crash BEFORE INSERT ON ingestion_checkpoints BEGIN SELECT RAISE(ABORT, 'crash'); END")
            case .postgres:
                try await catalog.execute("ALTER TABLE ingestion_checkpoints ADD CONSTRAINT crash CHECK (source <> 'kexp')")
            }
            let error = await #expect(throws: IngestError.self) {
                _ = try await store.commit(Self.batch([Self.play("1", "A", "X"), Self.play("2", "B", "Y")]))
            }
            #expect(error?.category == .storage)
            #expect(error?.message.contains("crash") == true, "\(error?.message ?? "")")
            #expect(error?.message.contains("leakage") == false)
            #expect(try await catalog.scalar("SELECT count(*) FROM songs") == 0)
            #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == 0)
        }
    }

    @Test(arguments: StoreKind.available)
    func theCheckpointLedgerRoundTrips(kind: StoreKind) async throws {
        try await withStore(kind) { catalog, store in
            #expect(try await store.checkpoint(for: "kexp") == nil)
            var checkpoint = Checkpoint(source: "kexp")
            checkpoint.ledger.add(.init(lower: 1_000_000, upper: 9_000_000))
            checkpoint.ledger.add(.init(lower: 20_000_000, upper: 30_000_000))
            checkpoint.pendingWalk = TimeWindow(start: nil, end: Timestamp.date(microseconds: 30_000_000))
            checkpoint.lastRunID = 4
            checkpoint.pagesCommitted = 1
            let page = PageBatch(source: "kexp", plays: [Self.play("1", "A", "X")], checkpoint: checkpoint)
            _ = try await store.commit(page)
            #expect(try await store.checkpoint(for: "kexp") == page.checkpoint)
            let cursor = try await catalog.rows("SELECT cursor FROM ingestion_checkpoints WHERE source = 'kexp'")
            #expect(cursor == [[Timestamp.format(Timestamp.date(microseconds: 9_000_000))]])
            try await store.resetCheckpoint(for: "kexp")
            #expect(try await store.checkpoint(for: "kexp") == nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func theRunHistoryRoundTrips(kind: StoreKind) async throws {
        try await withStore(kind) { _, store in
            var run = RunRecord(source: "kexp", flagsJSON: #"{"limit":"5"}"#, startedAt: Self.t0, status: "running")
            run.id = try await store.startRun(run)
            run.finishedAt = Self.t0.addingTimeInterval(9)
            run.status = "partial"
            run.counters.trackPlays = 5
            run.counters.newSongs = 2
            run.error = nil
            try await store.finishRun(run)
            let runs = try await store.recentRuns(source: "kexp", limit: 10)
            #expect(runs.count == 1)
            #expect(runs.first?.status == "partial")
            #expect(runs.first?.counters == run.counters)
            #expect(runs.first.map { Timestamp.format($0.startedAt) } == Timestamp.format(Self.t0))
            #expect(try await store.recentRuns(source: "other", limit: 10).isEmpty)
        }
    }

    @Test(arguments: StoreKind.available)
    func previewWritesNothingAndSeesUnkeyedSongs(kind: StoreKind) async throws {
        try await withStore(kind) { catalog, store in
            try await catalog.execute("INSERT INTO songs (id, title, artist) VALUES ('foreign', 'Heroes', 'David Bowie')")
            let reader = try catalog.open(readOnly: true)
            try await reader.prepareForMatching(readOnly: true)
            let result = try await reader.preview(Self.batch([Self.play("1", "heroes", "DAVID BOWIE"), Self.play("2", "New", "Song")]))
            await reader.close()
            #expect(result[0] == .matched(songID: "foreign", by: .key))
            if case .newSong = result[1] {} else { Issue.record("second play would be a new song") }
            #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == 0)
            #expect(try await catalog.scalar("SELECT count(*) FROM songs") == 1)
            #expect(try await catalog.scalar("SELECT count(*) FROM radio_ingest_song_keys") == 0)
        }
    }

    @Test(arguments: StoreKind.available)
    func migratingTwiceIsHarmless(kind: StoreKind) async throws {
        try await withStore(kind) { catalog, store in
            try await store.migrate()
            let again = try catalog.open()
            try await again.migrate()
            await again.close()
            #expect(try await catalog.scalar("SELECT count(*) FROM songs") == 0)
        }
    }
}
