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

    @Test func extendsASongsTableAnotherApplicationCreated() async throws {
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
        try await store.migrate()
        #expect(try await store.prepareForMatching(readOnly: false) == 1)
        let result = try await store.commit(
            PageBatch(
                source: "kexp",
                plays: [
                    Play(sourcePlayID: "1", title: "Heroes", artist: "David Bowie", airdate: Date(timeIntervalSince1970: 1_700_000_000))
                ], checkpoint: Checkpoint(source: "kexp")))
        #expect(result == [.matched(songID: "x", by: .key)])
        await store.close()
    }

    @Test func upgradesAFileFromAnOlderSchemaVersion() async throws {
        defer { cleanup() }
        // A catalog written before the run history existed (migration v1 only), with data in it.
        let old = try SQLiteCatalog(path: path)
        try await old.migrate()
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
        try await store.migrate()
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
                    try await store.migrate()
                    await store.close()
                }
            }
            try await group.waitForAll()
        }
        let queue = try DatabaseQueue(path: path)
        #expect(try await queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM grdb_migrations") } == 4)
        try queue.close()
    }

    @Test func usesWriteAheadLogging() async throws {
        defer { cleanup() }
        let store = try SQLiteCatalog(path: path)
        try await store.migrate()
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
}
