import Foundation
import GRDB
import IngestCore
import IngestEngine
import Synchronization

/// The embedded catalog: one SQLite file (GRDB, WAL mode), the default when no database is
/// configured. It keeps the same schema meaning, matching, atomic pages and ledger as the
/// PostgreSQL catalog.
///
/// Writers take SQLite's write lock up front (`BEGIN IMMEDIATE`) and wait up to
/// ``busyTimeout`` for another process holding it, so two processes can share one file.
public final class SQLiteCatalog: CatalogStore {
    public let kind = "sqlite"
    /// How long a writer waits for another process's write lock.
    public static let busyTimeout: TimeInterval = 30
    /// The writing connection's page cache, in KiB (see `init`).
    static let writerCacheKiB = 16_384
    let path: String
    let writer: any DatabaseWriter
    let readOnly: Bool
    /// Keys a preview computed for songs without one (``ScratchPreviewKeys``).
    let previewKeys = Mutex<ScratchPreviewKeys?>(nil)
    /// What the file holds, found at start (``detectedLayout()``).
    struct Layout: Sendable {
        var schema: CatalogSchema
        /// Whether the tool's key table exists.
        var keysTable: Bool
        /// Whether the catalog's tables exist (an empty file has none until the first real run).
        var catalogPresent: Bool
    }
    let detected = Mutex<Layout?>(nil)
    /// Explicit column names by role, from the config's `catalog` section.
    let columnNames: [String: String]
    /// Held by every write of this process: a page's transaction spans several writer calls.
    let gate = AsyncLock()
    public var location: String { path }

    /// Opens (or, unless `readOnly`, creates) the catalog file at `path`.
    ///
    /// With `readOnly` and no file yet, previews run against an empty in-memory catalog, so a
    /// dry run never creates a file.
    public init(path: String, readOnly: Bool = false, columnNames: [String: String] = [:]) throws {
        self.path = path
        self.readOnly = readOnly
        self.columnNames = columnNames
        var configuration = Configuration()
        // A page's transaction stays open across several writer calls (the page writer awaits
        // between statements); `gate` keeps every other write of this process out meanwhile.
        configuration.allowsUnsafeTransactions = true
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.readonly = readOnly
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            // A 16 MB page cache for the writing connection (SQLite's default is 2 MB): the
            // catalog's indexes outgrow 2 MB early in a backfill, and every page write then
            // re-reads index pages from the OS (per-page cost grew 1.8x over 300,000 plays).
            // Readers keep the default, so memory stays flat however many the pool opens.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -\(Self.writerCacheKiB)") }
        }
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if exists && isDirectory.boolValue {
            throw IngestError.storage("\(path) is a directory, not a catalog file; choose a file with --database-url sqlite:PATH")
        }
        do {
            if readOnly && !exists {
                let memory = try DatabaseQueue()
                try SQLiteSchema.migrator.migrate(memory)
                writer = memory
            } else {
                writer = try Self.openPool(path: path, configuration: configuration)
                try Self.ensureCatalog(writer, path: path)
            }
        } catch let error as IngestError {
            throw error
        } catch let error as DatabaseError {
            throw IngestError.storage(Self.describe(error, path: path))
        }
    }

    /// Opens the pool. Switching a brand-new file to WAL needs a moment of exclusive access and
    /// SQLite reports BUSY at once (no busy timeout) when another process holds the file then,
    /// so the open is retried briefly.
    static func openPool(path: String, configuration: Configuration) throws -> DatabasePool {
        var attempt = 0
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError
                where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED) && attempt < 20
            {
                attempt += 1
                usleep(UInt32(20_000 * attempt))
            }
        }
    }

    /// Refuses a file that is not SQLite, or a SQLite database with none of the catalog's tables.
    static func ensureCatalog(_ writer: any DatabaseWriter, path: String) throws {
        let tables = try writer.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        }
        if !tables.isEmpty && Set(tables).isDisjoint(with: SQLiteSchema.catalogTables) {
            throw IngestError.storage(
                "\(path) is a SQLite database but not a RadioIngest catalog (it has none of the tables songs, external_plays, ingestion_checkpoints); choose another file with --database-url sqlite:PATH"
            )
        }
    }

    static func describe(_ error: DatabaseError, path: String) -> String {
        switch error.resultCode {
        case .SQLITE_NOTADB: return "\(path) is not a SQLite database; choose another file with --database-url sqlite:PATH"
        case .SQLITE_BUSY: return "\(path) stayed locked by another process for \(Int(busyTimeout)) s; try again"
        case .SQLITE_READONLY: return "\(path) is read-only"
        case .SQLITE_CANTOPEN: return "cannot open \(path); check the directory exists and is writable"
        default: return "SQLite (\(path)): \(error.message ?? "\(error.resultCode)")"
        }
    }

    /// Runs `body`, mapping SQLite errors to clear storage errors.
    func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError {
            throw IngestError.storage(Self.describe(error, path: path))
        }
    }

    /// Folds the write-ahead log into the file and closes it, so the `.sqlite` file alone holds
    /// every row (a copy of it without its `-wal` is complete).
    public func close() async {
        previewKeys.withLock { $0?.close() }
        await gate.withLock {
            if !readOnly, let pool = writer as? DatabasePool {
                _ = try? await pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
            }
            do {
                try writer.close()
            } catch {
                FileHandle.standardError.write(Data("radio-ingest: could not close \(path) cleanly: \(error)\n".utf8))
            }
        }
    }

    /// Runs `updates` in a write transaction, after any page transaction of this process.
    func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await gate.withLock { try await writer.write(updates) }
    }

    /// Applies pending migrations. Two processes opening a new file at once can race on one
    /// migration; the loser's transaction rolls back and it retries, then finds it applied.
    public func migrate() async throws -> [String] {
        guard !readOnly else { return [] }
        let migrator = SQLiteSchema.migrator
        let applied = try await guarded { () -> [String] in
            for attempt in 1...5 {
                let before = try await writer.read { try migrator.appliedIdentifiers($0) }
                if try await writer.read({ try migrator.hasCompletedMigrations($0) }) { return [] }
                do {
                    try await gate.withLock { try migrator.migrate(writer) }
                    let after = try await writer.read { try migrator.appliedIdentifiers($0) }
                    return after.subtracting(before).sorted().map { "migration \($0)" }
                } catch is DatabaseError where attempt < 5 {
                    try await Task.sleep(for: .milliseconds(50 * attempt))
                }
            }
            return []
        }
        detected.withLock { $0 = nil }
        return applied
    }

    public func checkpoint(for source: String) async throws -> Checkpoint? {
        try await guarded {
            let metadata = try await writer.read { db -> String?? in
                guard try db.tableExists("ingestion_checkpoints") else { return .none }
                return try Row.fetchOne(db, sql: "SELECT metadata FROM ingestion_checkpoints WHERE source = ?", arguments: [source])
                    .map { $0["metadata"] as String? }
            }
            guard let stored = metadata else { return nil }
            return try Checkpoint(source: source, metadataJSON: stored)
        }
    }

    public func resetCheckpoint(for source: String) async throws {
        try await guarded {
            try await write { db in
                try db.execute(sql: "DELETE FROM ingestion_checkpoints WHERE source = ?", arguments: [source])
            }
        }
    }
}
