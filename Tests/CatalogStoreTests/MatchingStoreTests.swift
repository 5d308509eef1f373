import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import KEXP
import Logging
import Testing

/// Matching end to end on both stores: real-world credit variants link to the catalog's song,
/// keys of an older version are re-keyed, and songs sharing a key are reported, never merged.
@Suite struct MatchingStoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func withStore(_ kind: StoreKind, _ body: (TestCatalog, any CatalogStore) async throws -> Void) async throws {
        try await TestCatalog.withStore(kind, body)
    }

    @Test(arguments: StoreKind.available)
    func creditVariantsLinkToTheCatalogsSong(kind: StoreKind) async throws {
        try await withStore(kind) { catalog, store in
            try await catalog.execute(
                "INSERT INTO songs (id, title, artist) VALUES ('s1', 'Paint It Black (Remastered)', 'The Rolling Stones')")
            try await catalog.execute("INSERT INTO songs (id, title, artist) VALUES ('s2', 'Get Lucky (feat. Pharrell)', 'Daft Punk')")
            try await store.prepareForMatching(readOnly: false)
            let variants = [
                ("Paint It Black - 2002 - Remaster", "Rolling Stones, The"), ("PAINT IT BLACK [Explicit]", "rolling stones"),
                ("Get Lucky", "Daft Punk feat. Pharrell"), ("Get Lucky (Radio Edit)", "Daft Punk"),
            ]
            let plays = variants.enumerated().map { i, v in
                Play(sourcePlayID: "p\(i)", title: v.0, artist: v.1, airdate: Self.t0.addingTimeInterval(Double(-i)))
            }
            let result = try await store.commit(PageBatch(source: "kexp", plays: plays, checkpoint: nil))
            #expect(result[0] == .matched(songID: "s1", by: .key))
            #expect(result[1] == .matched(songID: "s1", by: .key))
            #expect(result[2] == .matched(songID: "s2", by: .key))
            guard case .newSong = result[3] else {
                Issue.record("a radio edit is another recording: \(result[3])")
                return
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func keysOfAnOlderVersionAreRedoneOnTheNextRun(kind: StoreKind) async throws {
        try await withStore(kind) { catalog, store in
            for i in 0..<25 {
                try await catalog.execute(
                    "INSERT INTO songs (id, title, artist) VALUES ('old\(i)', 'Song \(i) - 2011 - Remaster', 'Band, The')")
                // As a previous key version left it: its own (different) key string.
                try await catalog.execute(
                    "INSERT INTO radio_ingest_song_keys (song_id, computed_key, match_key, key_version) VALUES ('old\(i)', 'v1-\(i)', 'v1-\(i)', 1)"
                )
            }
            #expect(try await store.prepareForMatching(readOnly: false) == 25)
            #expect(try await catalog.scalar("SELECT count(*) FROM radio_ingest_song_keys WHERE key_version = \(SongKey.version)") == 25)
            #expect(try await store.prepareForMatching(readOnly: false) == 0, "a second pass finds nothing to do")
            let result = try await store.commit(
                PageBatch(
                    source: "kexp", plays: [Play(sourcePlayID: "1", title: "Song 7", artist: "The Band", airdate: Self.t0)], checkpoint: nil
                ))
            #expect(result == [.matched(songID: "old7", by: .key)])
        }
    }

    @Test(arguments: StoreKind.available)
    func songsSharingAKeyAreReportedWithTheOldestCanonicalAndNeverMerged(kind: StoreKind) async throws {
        try await withStore(kind) { catalog, store in
            try await catalog.execute("INSERT INTO songs (id, title, artist) VALUES ('a-first', 'Heroes', 'David Bowie')")
            try await catalog.execute("INSERT INTO songs (id, title, artist) VALUES ('b-second', 'HEROES (Remastered)', 'DAVID BOWIE')")
            try await catalog.execute("INSERT INTO songs (id, title, artist) VALUES ('c-other', 'Heroes (Live)', 'David Bowie')")
            try await store.prepareForMatching(readOnly: false)
            let plays = (0..<3).map {
                Play(sourcePlayID: "p\($0)", title: "Heroes", artist: "David Bowie", airdate: Self.t0.addingTimeInterval(Double(-$0)))
            }
            let result = try await store.commit(PageBatch(source: "kexp", plays: plays, checkpoint: nil))
            #expect(result.allSatisfy { $0 == .matched(songID: "a-first", by: .key) })
            let groups = try await store.duplicateSongs(limit: 10)
            #expect(groups.count == 1)
            #expect(groups.first?.songs.map(\.id) == ["a-first", "b-second"])
            #expect(groups.first?.songs.map(\.plays) == [3, 0])
            #expect(groups.first?.songs.map(\.canonical) == [true, false])
            #expect(try await catalog.scalar("SELECT count(*) FROM songs") == 3, "nothing merged")
        }
    }

    /// The report finds a group through its duplicates' keys (a partial index) and its holder
    /// through the match key: every member is listed, groups come in key order, and the limit
    /// counts groups.
    @Test(arguments: StoreKind.available)
    func theDuplicatesReportListsWholeGroupsInKeyOrderUpToTheLimit(kind: StoreKind) async throws {
        try await withStore(kind) { catalog, store in
            let songs = [
                ("z1", "Zebra", "Beach House"), ("z2", "ZEBRA (Remastered)", "Beach House"), ("z3", "Zebra [Explicit]", "beach house"),
                ("a1", "Air", "Sault"), ("a2", "AIR", "SAULT"), ("solo", "Only Once", "Nobody"),
            ]
            for (id, title, artist) in songs {
                try await catalog.execute("INSERT INTO songs (id, title, artist) VALUES ('\(id)', '\(title)', '\(artist)')")
            }
            try await store.prepareForMatching(readOnly: false)
            let groups = try await store.duplicateSongs(limit: 10)
            #expect(groups.map { $0.songs.map(\.id) } == [["a1", "a2"], ["z1", "z2", "z3"]])
            #expect(groups.map { $0.songs.map(\.canonical) } == [[true, false], [true, false, false]])
            #expect(try await store.duplicateSongs(limit: 1).map { $0.songs.map(\.id) } == [["a1", "a2"]])
        }
    }

    /// A stop (Ctrl-C) during a run's keying of a large foreign catalog ends the run
    /// interrupted without waiting for the pass: nothing is fetched, and the keys kept are whole
    /// transactions (SQLite commits every 100,000 songs, PostgreSQL every 2,000). The log said
    /// what the run was doing while the pass went on, and says the stop came during it. A dry
    /// run's preview pass says it stores nothing, and keeps nothing.
    @Test(arguments: StoreKind.available, [false, true])
    func aStopDuringARunsKeyingEndsTheRunInterruptedBeforeAnyPage(kind: StoreKind, dryRun: Bool) async throws {
        try await withStore(kind) { catalog, store in
            let total = 250_000
            try await catalog.execute(
                kind == .sqlite
                    ? """
                    WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < \(total))
                    INSERT INTO songs (id, title, artist) SELECT 'song-' || n, 'Song ' || n, 'Artist ' || n FROM g
                    """
                    : "INSERT INTO songs (id, title, artist) SELECT 'song-' || n, 'Song ' || n, 'Artist ' || n FROM generate_series(1, \(total)) n"
            )
            let stop = StopSignal()
            // Nothing listens here: a fetch would fail the run instead of ending it interrupted.
            let adapter = KEXPAdapter(baseURL: URL(string: "http://127.0.0.1:9/v2")!, pageSize: 200)
            let logs = CapturingLogHandler.Store()
            var engine = IngestEngine(logger: Logger(label: "test") { _ in CapturingLogHandler(store: logs) })
            engine.keyingNoticeAfter = .milliseconds(50)
            let run = Task { [engine] in
                await engine.run(adapter, into: store, options: RunOptions(dryRun: dryRun, politeDelay: .zero), stop: stop)
            }
            let notice = dryRun ? IngestEngine.previewKeyingNotice : IngestEngine.keyingNotice
            let interrupted = dryRun ? IngestEngine.previewInterruptedWhileKeying : IngestEngine.interruptedWhileKeying
            // Stop once the log says the pass is under way (250,000 songs take seconds to key).
            for _ in 0..<6_000 {
                if logs.messages.contains(where: { $0.contains(notice) }) { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            stop.request()
            let summary = await run.value
            #expect(summary.status == .interrupted)
            #expect(summary.counters.pagesFetched == 0)
            #expect(logs.messages.contains { $0.contains(notice) }, "\(logs.messages)")
            #expect(logs.messages.contains { $0.contains(interrupted) }, "\(logs.messages)")
            #expect(!logs.messages.contains { $0.contains("after committing its last page") })
            let kept = try await catalog.scalar("SELECT count(*) FROM radio_ingest_song_keys")
            if dryRun {
                #expect(kept == 0, "a dry run kept \(kept) keys")
            } else {
                #expect(kept % (kind == .sqlite ? 100_000 : SongKeying.batchSize) == 0 || kept == total, "kept \(kept) keys")
            }
        }
    }
}
