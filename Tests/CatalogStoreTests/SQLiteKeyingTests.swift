import Foundation
import GRDB
import IngestCore
import IngestEngine
import Testing

@testable import SQLiteCatalog

/// Keying a SQLite catalog another program filled: in one sorted pass when the catalog holds
/// no keys yet (`StagedKeyWriter`), in transactions of 100,000 songs when it does (`KeyWriter`).
@Suite struct SQLiteKeyingTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("radio-ingest-keying-\(UUID().uuidString).sqlite").path
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func cleanup() {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    /// A catalog file with `count` unkeyed songs, "Song n" by "Artist n", as another program
    /// would leave it.
    func catalog(songs count: Int) async throws -> SQLiteCatalog {
        let setUp = try SQLiteCatalog(path: path)
        _ = try await setUp.migrate()
        await setUp.close()
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(
                sql: """
                    WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?)
                    INSERT INTO songs (id, title, artist) SELECT 'song-' || n, 'Song ' || n, 'Artist ' || n FROM g WHERE n <= ?
                    """, arguments: [count, count])
        }
        try queue.close()
        return try SQLiteCatalog(path: path)
    }

    /// Runs SQL on the file through a connection of its own (another program's).
    func alter(_ sql: String) async throws {
        let queue = try DatabaseQueue(path: path)
        try await queue.write { try $0.execute(sql: sql) }
        try queue.close()
    }

    /// Every key row, by song id: (song id, computed key, match key).
    func keyRows() async throws -> [[String?]] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try await queue.read { db in
            try Row.fetchAll(db, sql: "SELECT song_id, computed_key, match_key FROM radio_ingest_song_keys ORDER BY song_id").map {
                [$0[0], $0[1], $0[2]]
            }
        }
    }

    /// The key table's index definitions, by name.
    func keyIndexes() async throws -> [String: String] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try await queue.read { db in
            Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(
                    db,
                    sql: "SELECT name, coalesce(sql, '') FROM sqlite_master WHERE type = 'index' AND tbl_name = 'radio_ingest_song_keys'"
                ).map { ($0[0] as String, $0[1] as String) })
        }
    }

    /// Gives the catalog one key of a song of its own, so that a pass finds keys there already.
    func holdOneKey() async throws {
        try await alter(
            """
            INSERT INTO songs (id, title, artist) VALUES ('other-1', 'Another Song', 'Another Artist');
            INSERT INTO radio_ingest_song_keys (song_id, computed_key, match_key, key_version)
            VALUES ('other-1', 'another song|another artist', 'another song|another artist', \(SongKey.version));
            """)
    }

    /// Keys held by the catalog's own songs (not by songs a page added).
    func keyCount() async throws -> Int {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try await queue.read {
            try Int.fetchOne($0, sql: "SELECT count(*) FROM radio_ingest_song_keys WHERE song_id LIKE 'song-%'") ?? 0
        }
    }

    /// A play of "Song n", committed on its own page.
    func commitPlay(of n: Int, to store: SQLiteCatalog) async throws -> [PlayDisposition] {
        try await store.commit(
            PageBatch(
                source: "kexp", plays: [Play(sourcePlayID: "p\(n)", title: "SONG \(n)", artist: "artist \(n)", airdate: Self.t0)],
                checkpoint: nil))
    }

    @Test func songsBeyondOneTransactionAreAllKeyedAndPagesWriteAfterwards() async throws {
        defer { cleanup() }
        let store = try await catalog(songs: 120_001)
        #expect(try await store.prepareForMatching(readOnly: false) == 120_001)
        #expect(try await keyCount() == 120_001)
        #expect(try await commitPlay(of: 110_000, to: store) == [.matched(songID: "song-110000", by: .key)])
        #expect(try await store.prepareForMatching(readOnly: false) == 0, "a second pass finds nothing to do")
        await store.close()
    }

    /// A run on a keyed catalog finds the songs without a current key wherever they are:
    /// songs another program added, a key gone missing early on, a key of an older version.
    @Test func aPassOnAKeyedCatalogKeysOnlyWhatIsMissingWhereverItIs() async throws {
        defer { cleanup() }
        let store = try await catalog(songs: 1_000)
        #expect(try await store.prepareForMatching(readOnly: false) == 1_000)
        #expect(try await store.prepareForMatching(readOnly: false) == 0)
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO songs (id, title, artist) VALUES ('song-1001', 'Song 1001', 'Artist 1001'), ('song-1002', 'Song 1002', 'Artist 1002');
                    DELETE FROM radio_ingest_song_keys WHERE song_id = 'song-5';
                    UPDATE radio_ingest_song_keys SET key_version = 1, match_key = 'old-500', computed_key = 'old-500' WHERE song_id = 'song-500';
                    """)
        }
        try queue.close()
        #expect(try await store.prepareForMatching(readOnly: false) == 4)
        #expect(try await keyCount() == 1_002)
        #expect(try await commitPlay(of: 500, to: store) == [.matched(songID: "song-500", by: .key)])
        #expect(try await commitPlay(of: 5, to: store) == [.matched(songID: "song-5", by: .key)])
        #expect(try await store.prepareForMatching(readOnly: false) == 0)
        await store.close()
    }

    /// Cancelled at any point, the pass keeps whole transactions only (all or nothing on a
    /// catalog without keys), and the store is left able to write (its write gate released, no
    /// transaction open, the key table's indexes in place); the next pass finishes.
    @Test(arguments: [false, true]) func aCancelledPassKeepsWholeTransactionsAndTheNextPassFinishes(holdingKeys: Bool) async throws {
        defer { cleanup() }
        let total = 250_000
        let store = try await catalog(songs: total)
        let indexes = try await keyIndexes()
        if holdingKeys { try await holdOneKey() }
        let pass = Task { try await store.prepareForMatching(readOnly: false) }
        try await Task.sleep(for: .milliseconds(300))
        pass.cancel()
        let outcome = await pass.result
        let kept = try await keyCount()
        switch outcome {
        case .success(let keyed): #expect(keyed == total && kept == total)
        case .failure:
            let whole = holdingKeys ? [0, 100_000, 200_000] : [0]
            #expect(whole.contains(kept), "kept \(kept) keys: only whole transactions")
        }
        #expect(try await keyIndexes() == indexes)
        #expect(try await commitPlay(of: 7, to: store) == [.matched(songID: "song-7", by: .key)] || kept < 7)
        _ = try await store.prepareForMatching(readOnly: false)
        #expect(try await keyCount() == total)
        #expect(try await keyIndexes() == indexes)
        await store.close()
    }

    /// Another process keys a song while the first pass stages its keys: the final step finds
    /// keys in the catalog and checks each staged key against them, so the other process's
    /// song keeps its key and the staged song computing it is keyed without one.
    @Test func keysStoredByAnotherProcessDuringAFirstPassStand() async throws {
        defer { cleanup() }
        let store = try await catalog(songs: 3)
        let writer = StagedKeyWriter(catalog: store)
        let songs = (1...3).map { SongKeying.Unkeyed(id: "song-\($0)", title: "Song \($0)", artist: "Artist \($0)") }
        let keys = SongKeying.keys(for: songs)
        #expect(try await writer.store(songs, keys: keys) == 3)
        try await alter(
            """
            INSERT INTO songs (id, title, artist) VALUES ('other-2', 'SONG 2', 'ARTIST 2');
            INSERT INTO radio_ingest_song_keys (song_id, computed_key, match_key, key_version)
            VALUES ('other-2', '\(keys[1]!)', '\(keys[1]!)', \(SongKey.version));
            """)
        try await writer.commit()
        #expect(
            try await keyRows() == [
                ["other-2", keys[1], keys[1]], ["song-1", keys[0], keys[0]], ["song-2", keys[1], nil], ["song-3", keys[2], keys[2]],
            ])
        #expect(try await commitPlay(of: 2, to: store) == [.matched(songID: "other-2", by: .key)])
        await store.close()
    }
}
