import Foundation
import GRDB
import IngestCore
import IngestEngine

extension SQLiteCatalog {
    public func prepareForMatching(readOnly: Bool) async throws -> Int {
        try await guarded {
            if readOnly || self.readOnly {
                let assignments = try await writer.read { db in try Self.assignKeys(in: db, limit: Int.max / 2) }
                pendingKeys.withLock { $0 = SongKeying.songIDsByKey(assignments) }
                return assignments.count
            }
            var total = 0
            while true {
                let count = try await writer.write { db -> Int in
                    let assignments = try Self.assignKeys(in: db, limit: SongKeying.batchSize)
                    for a in assignments {
                        try db.execute(
                            sql: "UPDATE songs SET match_key = ?, key_version = ? WHERE id = ?",
                            arguments: [a.matchKey, SongKey.version, a.id])
                    }
                    return assignments.count
                }
                total += count
                if count < SongKeying.batchSize { return total }
            }
        }
    }

    static func assignKeys(in db: Database, limit: Int) throws -> [SongKeying.Assignment] {
        guard try db.tableExists("songs") else { return [] }
        let songs = try Row.fetchAll(
            db, sql: "SELECT id, title, artist FROM songs WHERE key_version IS NULL OR key_version < ? ORDER BY created_at, id LIMIT ?",
            arguments: [SongKey.version, limit]
        ).map { SongKeying.Unkeyed(id: $0["id"], title: $0["title"], artist: $0["artist"]) }
        let candidates = songs.compactMap { SongKey.make(title: $0.title, artist: $0.artist) }
        let taken = Set(
            try String.fetchAll(
                db, sql: "SELECT match_key FROM songs WHERE key_version = ? AND match_key IN (SELECT value FROM json_each(?))",
                arguments: [SongKey.version, try jsonArray(candidates)]))
        return SongKeying.assign(songs, taken: taken)
    }

    public func startRun(_ run: RunRecord) async throws -> Int64 {
        try await guarded {
            try await writer.write { db in
                try db.execute(
                    sql: "INSERT INTO ingestion_runs (source, flags, started_at, status) VALUES (?, ?, ?, ?)",
                    arguments: [run.source, run.flagsJSON, Timestamp.format(run.startedAt), run.status])
                return db.lastInsertedRowID
            }
        }
    }

    public func finishRun(_ run: RunRecord) async throws {
        guard let id = run.id else { return }
        let c = run.counters
        try await guarded {
            try await writer.write { db in
                try db.execute(
                    sql: """
                        UPDATE ingestion_runs SET finished_at = ?, status = ?, pages_fetched = ?, plays_seen = ?, track_plays = ?,
                            provenance_inserted = ?, songs_matched = ?, new_songs = ?, skipped_invalid = ?,
                            duplicates_skipped = ?, errors = ?, error = ?
                        WHERE id = ?
                        """,
                    arguments: [
                        Timestamp.format(run.finishedAt ?? Date()), run.status, c.pagesFetched, c.playsSeen, c.trackPlays,
                        c.provenanceInserted, c.songsMatched, c.newSongs, c.skippedInvalid, c.duplicatesSkipped,
                        c.errors, run.error, id,
                    ])
            }
        }
    }

    public func recentRuns(source: String?, limit: Int) async throws -> [RunRecord] {
        try await guarded {
            try await writer.read { db in
                guard try db.tableExists("ingestion_runs") else { return [] }
                return try Row.fetchAll(
                    db, sql: "SELECT * FROM ingestion_runs WHERE (? IS NULL OR source = ?) ORDER BY started_at DESC, id DESC LIMIT ?",
                    arguments: [source, source, limit]
                ).map { row in
                    var c = RunCounters()
                    c.pagesFetched = row["pages_fetched"]
                    c.playsSeen = row["plays_seen"]
                    c.trackPlays = row["track_plays"]
                    c.provenanceInserted = row["provenance_inserted"]
                    c.songsMatched = row["songs_matched"]
                    c.newSongs = row["new_songs"]
                    c.skippedInvalid = row["skipped_invalid"]
                    c.duplicatesSkipped = row["duplicates_skipped"]
                    c.errors = row["errors"]
                    return RunRecord(
                        id: row["id"], source: row["source"], flagsJSON: row["flags"],
                        startedAt: Timestamp.parse(row["started_at"]) ?? Date(timeIntervalSince1970: 0),
                        finishedAt: (row["finished_at"] as String?).flatMap(Timestamp.parse),
                        status: row["status"], counters: c, error: row["error"])
                }
            }
        }
    }

    public func songsAwaitingEmbedding(limit: Int) async throws -> [PendingSong] {
        try await guarded {
            try await writer.read { db in
                guard try db.tableExists("songs") else { return [] }
                return try Row.fetchAll(
                    db,
                    sql:
                        "SELECT id, title, artist, source, created_at FROM songs WHERE embedding_version = 0 ORDER BY created_at, id LIMIT ?",
                    arguments: [limit]
                ).map { row in
                    PendingSong(
                        id: row["id"], title: row["title"], artist: row["artist"], source: row["source"],
                        createdAt: (row["created_at"] as String?).flatMap(Timestamp.parse) ?? Date(timeIntervalSince1970: 0))
                }
            }
        }
    }

    public func countSongsAwaitingEmbedding() async throws -> Int {
        try await guarded {
            try await writer.read { db in
                guard try db.tableExists("songs") else { return 0 }
                return try Int.fetchOne(db, sql: "SELECT count(*) FROM songs WHERE embedding_version = 0") ?? 0
            }
        }
    }
}
