import Foundation
import GRDB
import IngestCore
import IngestEngine

extension SQLiteCatalog {
    public func catalogSchema() async throws -> CatalogSchema {
        try await detectedLayout().schema
    }

    /// The layout, whether the key table exists, and whether the catalog's tables do at all (a
    /// file that is still empty has none until the first real run), read once.
    func detectedLayout() async throws -> Layout {
        if let known = detected.withLock({ $0 }) { return known }
        let names = columnNames
        let layout = try await guarded {
            try await writer.read { db -> Layout in
                guard try db.tableExists("songs"), try db.tableExists("external_plays") else {
                    return Layout(schema: .toolDefault, keysTable: false, catalogPresent: false)
                }
                let schema = try CatalogSchema.detect(
                    songs: try Self.columns(of: "songs", in: db), plays: try Self.columns(of: "external_plays", in: db), names: names)
                return Layout(schema: schema, keysTable: try db.tableExists("radio_ingest_song_keys"), catalogPresent: true)
            }
        }
        detected.withLock { $0 = layout }
        return layout
    }

    /// The columns of `table` as SQLite declares them. Its rowid alias (`INTEGER PRIMARY KEY`)
    /// fills itself; `VARCHAR(n)` declares a length.
    static func columns(of table: String, in db: Database) throws -> [CatalogColumn] {
        try Row.fetchAll(db, sql: "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?)", arguments: [table]).map {
            row in
            let type: String = row["type"] ?? ""
            let isRowID = (row["pk"] as Int? ?? 0) == 1 && type.uppercased() == "INTEGER"
            let length = type.split(separator: "(").dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) }
            return CatalogColumn(
                name: row["name"], type: type, isNullable: (row["notnull"] as Int? ?? 0) == 0 && !isRowID,
                hasDefault: !(row["dflt_value"] as DatabaseValue? ?? .null).isNull || isRowID, maxLength: length)
        }
    }

    public func withWriteSession<T: Sendable>(renewing lease: LeaseRenewal?, _ body: (any CatalogSession) async throws -> T) async throws
        -> T
    {
        let schema = try await detectedLayout().schema
        return try await gate.withLock {
            try await guarded { try await writer.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") } }
            do {
                // Inside `BEGIN IMMEDIATE`, which no other process can write in: the lease
                // stays this process's until the transaction ends.
                if let lease, !(try await writer.writeWithoutTransaction({ try Self.renew(lease, in: $0) })) {
                    throw IngestError.lostLease(lease.source)
                }
                let value = try await body(SQLiteSession(writer: writer, access: .write, schema: schema, keysTable: true, previewKeys: nil))
                try await guarded { try await writer.writeWithoutTransaction { try $0.execute(sql: "COMMIT") } }
                return value
            } catch {
                Self.rollback(writer)
                if let error = error as? DatabaseError, rejectionReason(error) == nil {
                    throw IngestError.storage(Self.describe(error, path: path))
                }
                throw error
            }
        }
    }

    public func withReadSession<T: Sendable>(_ body: (any CatalogSession) async throws -> T) async throws -> T {
        let layout = try await detectedLayout()
        let preview = previewKeys.withLock { $0 }
        // An empty file (made by `touch`, or opened but never written): nothing is stored yet.
        guard layout.catalogPresent else { return try await body(EmptyCatalogSession(schema: layout.schema, previewKeys: preview)) }
        return try await body(
            SQLiteSession(writer: writer, access: .read, schema: layout.schema, keysTable: layout.keysTable, previewKeys: preview))
    }

    /// Rolls back the open transaction with the blocking writer call, not the async one: a
    /// cancelled task must still roll back.
    static func rollback(_ writer: any DatabaseWriter) {
        try? writer.writeWithoutTransaction { db in if db.isInsideTransaction { try db.execute(sql: "ROLLBACK") } }
    }

    /// Never: a write transaction holds the database from a page's look-up to its commit.
    public func isPlayConflict(_ error: any Error) -> Bool { false }

    public func rejectionReason(_ error: any Error) -> String? {
        guard let error = error as? DatabaseError else { return nil }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_IOERR, .SQLITE_FULL, .SQLITE_CANTOPEN, .SQLITE_CORRUPT, .SQLITE_NOTADB,
            .SQLITE_READONLY, .SQLITE_NOMEM, .SQLITE_INTERRUPT, .SQLITE_PERM:
            return nil
        default:
            return error.message ?? "\(error.resultCode)"
        }
    }
}
