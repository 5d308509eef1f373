import Foundation
import GRDB
import IngestCore
import IngestEngine
import SQLiteCatalog
import Testing

/// The embedded catalog and the files it meets in the wild.
@Suite struct SQLiteFileTests {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("radio-ingest-file-\(UUID().uuidString).sqlite").path

    func cleanup() {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    @Test func refusesAFileThatIsNotSQLite() throws {
        defer { cleanup() }
        try Data("just some notes\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try SQLiteCatalog(path: path)
        } throws: { error in
            (error as? IngestError)?.message.contains("is not a SQLite database") == true
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "just some notes\n")
    }

    @Test func refusesASQLiteDatabaseThatIsNotACatalog() throws {
        defer { cleanup() }
        let queue = try DatabaseQueue(path: path)
        try queue.write {
            try $0.execute(sql: "CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices VALUES (1, 9.5)")
        }
        try queue.close()
        #expect {
            _ = try SQLiteCatalog(path: path)
        } throws: { error in
            (error as? IngestError)?.message.contains("not a RadioIngest catalog") == true
        }
    }

    @Test func usesASongsTableAnotherApplicationCreatedWithoutAlteringIt() async throws {
        defer { cleanup() }
        let queue = try DatabaseQueue(path: path)
        try await queue.write {
            try $0.execute(
                sql:
                    "CREATE TABLE songs (id TEXT PRIMARY KEY, title TEXT NOT NULL, artist TEXT NOT NULL, mbid TEXT); INSERT INTO songs VALUES ('x', 'Heroes', 'David Bowie', NULL)"
            )
        }
        try queue.close()
        let store = try SQLiteCatalog(path: path)
        _ = try await store.migrate()
        #expect(try await store.prepareForMatching(readOnly: false) == 1)
        let result = try await store.commit(
            PageBatch(
                source: "kexp",
                plays: [
                    Play(sourcePlayID: "1", title: "Heroes", artist: "David Bowie", airdate: Date(timeIntervalSince1970: 1_700_000_000))
                ], checkpoint: Checkpoint(source: "kexp")))
        #expect(result == [.matched(songID: "x", by: .key)])
        await store.close()
        let check = try DatabaseQueue(path: path)
        let columns = try await check.read { try $0.columns(in: "songs").map(\.name) }
        let indexes = try await check.read { try $0.indexes(on: "songs").map(\.name) }
        try check.close()
        #expect(columns == ["id", "title", "artist", "mbid"])
        #expect(indexes.allSatisfy { $0.hasPrefix("sqlite_autoindex") })
    }

    @Test func aFirstReleaseFileKeepsItsSongKeys() async throws {
        defer { cleanup() }
        // The first release kept keys in songs.match_key and had migrations v1 to v4.
        let key = SongKey.make(title: "Heroes", artist: "David Bowie") ?? ""
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                    INSERT INTO grdb_migrations VALUES ('v1-catalog'), ('v2-run-history'), ('v3-leases'), ('v4-indexes');
                    CREATE TABLE songs (id TEXT PRIMARY KEY, title TEXT NOT NULL, artist TEXT NOT NULL, album TEXT, year INTEGER,
                        mbid TEXT, isrc TEXT, source TEXT, is_placeholder INTEGER NOT NULL DEFAULT 0, embedding_version INTEGER,
                        match_key TEXT, key_version INTEGER, created_at TEXT);
                    CREATE UNIQUE INDEX songs_match_key_key ON songs (match_key);
                    CREATE TABLE external_plays (id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, source_play_id TEXT NOT NULL,
                        title TEXT NOT NULL, artist TEXT NOT NULL, album TEXT, airdate TEXT, mbid TEXT, isrc TEXT, year INTEGER,
                        song_id TEXT REFERENCES songs (id), created_at TEXT NOT NULL DEFAULT 'x', UNIQUE (source, source_play_id));
                    CREATE TABLE ingestion_checkpoints (source TEXT PRIMARY KEY, cursor TEXT, metadata TEXT, updated_at TEXT NOT NULL);
                    CREATE TABLE ingestion_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, source TEXT NOT NULL, flags TEXT NOT NULL DEFAULT '{}',
                        started_at TEXT NOT NULL, finished_at TEXT, status TEXT NOT NULL, pages_fetched INTEGER NOT NULL DEFAULT 0,
                        plays_seen INTEGER NOT NULL DEFAULT 0, track_plays INTEGER NOT NULL DEFAULT 0,
                        provenance_inserted INTEGER NOT NULL DEFAULT 0, songs_matched INTEGER NOT NULL DEFAULT 0,
                        new_songs INTEGER NOT NULL DEFAULT 0, skipped_invalid INTEGER NOT NULL DEFAULT 0,
                        duplicates_skipped INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0, error TEXT);
                    CREATE TABLE ingestion_leases (source TEXT PRIMARY KEY, holder TEXT NOT NULL, acquired_at TEXT NOT NULL, expires_at TEXT NOT NULL);
                    """)
            try db.execute(
                sql:
                    "INSERT INTO songs (id, title, artist, match_key, key_version, created_at) VALUES ('old', 'Heroes', 'David Bowie', ?, ?, '2025-01-01')",
                arguments: [key, SongKey.version])
        }
        try queue.close()
        let store = try SQLiteCatalog(path: path)
        #expect(
            try await store.migrate() == [
                "migration v5-keys-and-failures", "migration v6-late-and-changed-plays", "migration v7-duplicates-index",
            ])
        #expect(try await store.prepareForMatching(readOnly: false) == 0)
        let result = try await store.commit(
            PageBatch(
                source: "kexp",
                plays: [
                    Play(sourcePlayID: "1", title: "HEROES", artist: "david bowie", airdate: Date(timeIntervalSince1970: 1_700_000_000))
                ],
                checkpoint: Checkpoint(source: "kexp")))
        #expect(result == [.matched(songID: "old", by: .key)])
        await store.close()
    }

    @Test func upgradesAFileFromAnOlderSchemaVersion() async throws {
        defer { cleanup() }
        // A catalog written before the run history existed (migration v1 only), with data in it.
        let old = try SQLiteCatalog(path: path)
        _ = try await old.migrate()
        _ = try await old.commit(
            PageBatch(
                source: "kexp",
                plays: [
                    Play(sourcePlayID: "1", title: "T", artist: "A", airdate: Date(timeIntervalSince1970: 1_700_000_000))
                ], checkpoint: Checkpoint(source: "kexp")))
        await old.close()
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: "DROP TABLE ingestion_runs; DELETE FROM grdb_migrations WHERE identifier = 'v2-run-history'")
        }
        try queue.close()

        let store = try SQLiteCatalog(path: path)
        _ = try await store.migrate()
        let id = try await store.startRun(RunRecord(source: "kexp", flagsJSON: "{}", startedAt: Date(), status: "running"))
        #expect(id > 0)
        #expect(
            try await store.commit(
                PageBatch(
                    source: "kexp",
                    plays: [
                        Play(sourcePlayID: "1", title: "T", artist: "A", airdate: Date(timeIntervalSince1970: 1_700_000_000))
                    ], checkpoint: Checkpoint(source: "kexp"))) == [.duplicate])
        await store.close()
    }

    @Test func severalWritersCreatingOneNewFileAtOnceAllSucceed() async throws {
        defer { cleanup() }
        // Separate pools, as separate processes would have, racing on the first migration.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    let store = try SQLiteCatalog(path: path)
                    _ = try await store.migrate()
                    await store.close()
                }
            }
            try await group.waitForAll()
        }
        let queue = try DatabaseQueue(path: path)
        #expect(try await queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM grdb_migrations") } == 7, "every migration, once")
        try queue.close()
    }

    @Test func usesWriteAheadLogging() async throws {
        defer { cleanup() }
        let store = try SQLiteCatalog(path: path)
        _ = try await store.migrate()
        await store.close()
        let queue = try DatabaseQueue(path: path)
        #expect(try await queue.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") } == "wal")
        try queue.close()
    }

    @Test func aReadOnlyCatalogNeverCreatesTheFile() async throws {
        let store = try SQLiteCatalog(path: path, readOnly: true)
        #expect(try await store.checkpoint(for: "kexp") == nil)
        #expect(
            try await store.preview(
                PageBatch(
                    source: "kexp",
                    plays: [
                        Play(sourcePlayID: "1", title: "T", artist: "A", airdate: Date())
                    ], checkpoint: Checkpoint(source: "kexp"))
            ).count == 1)
        await store.close()
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test(arguments: [false, true])
    func refusesADirectoryNamingIt(readOnly: Bool) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        defer { cleanup() }
        #expect {
            _ = try SQLiteCatalog(path: path, readOnly: readOnly)
        } throws: { error in
            // SQLite's own words were "disk I/O error".
            (error as? IngestError)?.message == "\(path) is a directory, not a catalog file; choose a file with --database-url sqlite:PATH"
        }
    }

    @Test func aDryRunOnAnEmptyFilePreviewsAnEmptyCatalogAndLeavesTheFileEmpty() async throws {
        defer { cleanup() }
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let store = try SQLiteCatalog(path: path, readOnly: true)
        let dispositions = try await store.preview(
            PageBatch(
                source: "kexp",
                plays: [
                    Play(sourcePlayID: "1", title: "T", artist: "A", airdate: Date()),
                    Play(sourcePlayID: "2", title: "T", artist: "A", airdate: Date()),
                ], checkpoint: Checkpoint(source: "kexp")))
        await store.close()
        // Both plays would be stored, the first creating the song the second matches; before,
        // the look-up failed with "no such table: external_plays".
        guard dispositions.count == 2, case .newSong(let song) = dispositions[0] else {
            Issue.record("expected a new song first: \(dispositions)")
            return
        }
        #expect(dispositions[1] == .linkedToNewSong(songID: song))
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 0)
    }
}
