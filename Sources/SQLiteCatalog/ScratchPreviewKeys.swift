import Foundation
import GRDB
import IngestEngine
import Synchronization

/// ``PreviewKeys`` in a scratch SQLite file of the temporary directory: a dry run keys the
/// catalog's unkeyed songs into it once, then looks keys up page by page, never holding them in
/// memory. The catalog itself is not touched. The file is made only when there is a key to keep
/// (a keyed catalog makes none) and deleted on ``close()`` or when the object goes away.
///
/// Both stores use it (a read-only PostgreSQL role, or a standby, may not create even a
/// temporary table).
public final class ScratchPreviewKeys: PreviewKeys {
    /// The scratch file (present once a key was remembered).
    public let path = FileManager.default.temporaryDirectory.appendingPathComponent(
        "radio-ingest-preview-\(UUID().uuidString).sqlite"
    ).path
    let queue = Mutex<DatabaseQueue?>(nil)

    public init() {}

    deinit { close() }

    /// The scratch database, made on first use.
    func database() throws -> DatabaseQueue {
        try queue.withLock { queue in
            if let queue { return queue }
            var configuration = Configuration()
            configuration.prepareDatabase { db in
                // Nothing in it outlives the run: no journal, no syncs.
                try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF")
            }
            let made = try DatabaseQueue(path: path, configuration: configuration)
            try made.write { db in
                try db.execute(sql: "CREATE TABLE preview_keys (match_key TEXT PRIMARY KEY, song_id TEXT NOT NULL) WITHOUT ROWID")
            }
            queue = made
            return made
        }
    }

    public func remember(_ assignments: [SongKeying.Assignment]) async throws {
        let keyed = assignments.compactMap { a in a.matchKey.map { ($0, a.id) } }
        guard !keyed.isEmpty else { return }
        try await database().write { db in
            let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO preview_keys (match_key, song_id) VALUES (?, ?)")
            for (key, id) in keyed { try insert.execute(arguments: [key, id]) }
        }
    }

    public func songIDs(holding keys: [String]) async throws -> [String: String] {
        guard let queue = queue.withLock({ $0 }) else { return [:] }
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
        queue.withLock { queue in
            guard let open = queue else { return }
            try? open.close()
            queue = nil
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}
