import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import Testing

@testable import PostgresCatalog

/// PostgreSQL's sorted keying pass (`stageKeys`, `commitStagedKeys`): all or nothing, the key
/// table's indexes as the migrations left them, and keys another process stored meanwhile
/// respected.
@Suite(.enabled(if: StoreKind.available.contains(.postgres), "needs RADIO_INGEST_TEST_POSTGRES_URL (scripts/test.sh)"))
struct PostgresKeyingTests {
    static let indexes = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'radio_ingest_song_keys' ORDER BY indexname"

    /// Stopped at any point, a first pass keeps no keys or all of them, leaves the key table's
    /// indexes in place, and the next pass keys every song.
    @Test func aStoppedFirstPassKeepsNoKeysOrAllAndTheNextPassFinishes() async throws {
        try await TestCatalog.withStore(.postgres) { catalog, store in
            let total = 60_000
            try await catalog.execute(
                "INSERT INTO songs (id, title, artist) SELECT 'song-' || g, 'Song ' || g, 'Artist ' || g FROM generate_series(1, \(total)) g"
            )
            let indexes = try await catalog.rows(Self.indexes)
            #expect(indexes.count == 3, "primary key, match key, duplicates")
            for delay in [50, 300, 1_000] {
                try await catalog.execute("DELETE FROM radio_ingest_song_keys")
                let pass = Task { try await store.prepareForMatching(readOnly: false) }
                try await Task.sleep(for: .milliseconds(delay))
                pass.cancel()
                let outcome = await pass.result
                let kept = try await catalog.scalar("SELECT count(*) FROM radio_ingest_song_keys")
                switch outcome {
                case .success(let keyed): #expect(keyed == total && kept == total)
                case .failure: #expect(kept == 0, "stopped after \(delay) ms, kept \(kept) keys")
                }
                #expect(try await catalog.rows(Self.indexes) == indexes)
                _ = try await store.prepareForMatching(readOnly: false)
                #expect(try await catalog.scalar("SELECT count(*) FROM radio_ingest_song_keys") == total)
                #expect(try await catalog.rows(Self.indexes) == indexes)
            }
        }
    }

    /// Another process keys a song while a pass stages its keys: the final statement finds it,
    /// so that song keeps its key and the staged song computing it is keyed without one.
    @Test func keysStoredByAnotherProcessDuringAPassStand() async throws {
        try await TestCatalog.withStore(.postgres) { catalog, store in
            let postgres = try #require(store as? PostgresCatalog)
            let songs = (1...3).map { SongKeying.Unkeyed(id: "song-\($0)", title: "Song \($0)", artist: "Artist \($0)") }
            let keys = SongKeying.keys(for: songs)
            try await catalog.execute("INSERT INTO songs (id, title, artist) VALUES ('song-1', 'Song 1', 'Artist 1')")
            try await postgres.withConnection { connection in
                #expect(try await postgres.stageKeys(songs, keys: keys, number: 1, on: connection) == 3)
                try await catalog.execute("INSERT INTO songs (id, title, artist) VALUES ('other-2', 'SONG 2', 'ARTIST 2')")
                try await catalog.execute(
                    """
                    INSERT INTO radio_ingest_song_keys (song_id, computed_key, match_key, key_version)
                    VALUES ('other-2', '\(keys[1]!)', '\(keys[1]!)', \(SongKey.version))
                    """)
                try await postgres.commitStagedKeys(on: connection)
            }
            let rows = try await catalog.rows("SELECT song_id, computed_key, match_key FROM radio_ingest_song_keys ORDER BY song_id")
            #expect(
                rows == [
                    ["other-2", keys[1]!, keys[1]!], ["song-1", keys[0]!, keys[0]!], ["song-2", keys[1]!, "NULL"],
                    ["song-3", keys[2]!, keys[2]!],
                ])
            #expect(try await catalog.rows(Self.indexes).count == 3)
        }
    }
}
