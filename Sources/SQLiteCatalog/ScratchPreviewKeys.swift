import Foundation
import GRDB
import IngestEngine

/// ``PreviewKeys`` in a scratch SQLite file of the temporary directory, deleted on
/// ``close()``: a dry run keys the catalog's unkeyed songs into it once, then looks keys up
/// page by page, never holding them in memory. The catalog itself is not touched.
///
/// Both stores use it (a read-only PostgreSQL role, or a standby, may not create even a
/// temporary table).
public final class ScratchPreviewKeys: PreviewKeys {
    let queue: DatabaseQueue
    /// The scratch file.
    public let path: String

    public init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("radio-ingest-preview-\(UUID().uuidString).sqlite").path
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // A scratch file: nothing in it outlives the run, so no journal and no syncs.
            try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF")
        }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE preview_keys (match_key TEXT PRIMARY KEY, song_id TEXT NOT NULL) WITHOUT ROWID")
        }
    }

    public func remember(_ assignments: [SongKeying.Assignment]) async throws {
        try await queue.write { db in
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO preview_keys (match_key, song_id) VALUES (?, ?)")
            for assignment in assignments {
                guard let key = assignment.matchKey else { continue }
                try insert.execute(arguments: [key, assignment.id])
            }
        }
    }

    public func songIDs(holding keys: [String]) async throws -> [String: String] {
        let list = try SQLiteSession.jsonArray(keys)
        return try await queue.read { db in
            var ids: [String: String] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT match_key, song_id FROM preview_keys WHERE match_key IN (SELECT value FROM json_each(?))",
                arguments: [list])
            {
                ids[row[0]] = row[1]
            }
            return ids
        }
    }

    /// Closes and deletes the scratch file.
    public func close() {
        try? queue.close()
        try? FileManager.default.removeItem(atPath: path)
    }
}
