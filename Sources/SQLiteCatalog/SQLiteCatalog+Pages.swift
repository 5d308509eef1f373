import Foundation
import GRDB
import IngestCore
import IngestEngine

extension SQLiteCatalog {
    public func commit(_ batch: PageBatch) async throws -> [PlayDisposition] {
        try await guarded {
            try await writer.writeWithoutTransaction { db in
                var dispositions: [PlayDisposition] = []
                try db.inTransaction(.immediate) {
                    var plan = try Self.plan(batch, in: db, extraKeys: [:])
                    try Self.write(&plan, in: db)
                    try Self.saveCheckpoint(batch.checkpoint, in: db)
                    dispositions = plan.dispositions
                    return .commit
                }
                return dispositions
            }
        }
    }

    public func preview(_ batch: PageBatch) async throws -> [PlayDisposition] {
        let extraKeys = pendingKeys.withLock { $0 }
        return try await guarded {
            try await writer.read { db in try Self.plan(batch, in: db, extraKeys: extraKeys).dispositions }
        }
    }

    /// Two look-ups, then the shared planner.
    static func plan(_ batch: PageBatch, in db: Database, extraKeys: [String: String]) throws -> PagePlan {
        guard !batch.plays.isEmpty else {
            return PagePlan(batch: batch, existingPlayIDs: [], songIDByMBID: [:], songIDByKey: [:])
        }
        let ids = batch.plays.map(\.sourcePlayID)
        let existing = Set(
            try String.fetchAll(
                db,
                sql: "SELECT source_play_id FROM external_plays WHERE source = ? AND source_play_id IN (SELECT value FROM json_each(?))",
                arguments: [batch.source, try jsonArray(ids)]))
        let (mbids, keys) = PagePlan.lookups(for: batch)
        var byMBID: [String: String] = [:]
        var byKey: [String: String] = [:]
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT id, mbid, match_key FROM songs
                WHERE mbid IN (SELECT value FROM json_each(?)) OR match_key IN (SELECT value FROM json_each(?))
                ORDER BY created_at, id
                """, arguments: [try jsonArray(mbids), try jsonArray(keys)])
        for row in rows {
            let id: String = row["id"]
            if let mbid: String = row["mbid"], byMBID[mbid.lowercased()] == nil { byMBID[mbid.lowercased()] = id }
            if let key: String = row["match_key"], byKey[key] == nil { byKey[key] = id }
        }
        byKey.merge(extraKeys) { stored, _ in stored }
        return PagePlan(batch: batch, existingPlayIDs: existing, songIDByMBID: byMBID, songIDByKey: byKey)
    }

    /// Writes each play (and the song it creates) behind its own savepoint, so a play the
    /// database rejects is lost alone.
    static func write(_ plan: inout PagePlan, in db: Database) throws {
        let newSongsByID = Dictionary(uniqueKeysWithValues: plan.newSongs.map { ($0.id, $0) })
        var createdSongIDs = Set<String>()
        for index in plan.rows.indices {
            do {
                var created: String?
                try db.inSavepoint {
                    if let song = newSongsByID[plan.rows[index].songID], !createdSongIDs.contains(song.id) {
                        if try insert(song, in: db) {
                            created = song.id
                        } else if let winner = try String.fetchOne(
                            db, sql: "SELECT id FROM songs WHERE match_key = ?", arguments: [song.matchKey])
                        {
                            plan.resolve(conflicts: [song.id: winner])
                        }
                    }
                    let row = plan.rows[index]
                    if !(try insert(row, source: plan.source, in: db)) { plan.markDuplicates([row.play.sourcePlayID]) }
                    return .commit
                }
                if let created {
                    plan.markCreatedSong(index: plan.rows[index].index)
                    createdSongIDs.insert(created)
                }
            } catch let error as DatabaseError where error.resultCode != .SQLITE_BUSY && error.resultCode != .SQLITE_IOERR {
                plan.markFailed(index: plan.rows[index].index, reason: error.message ?? "\(error.resultCode)")
            }
        }
    }

    static func insert(_ song: PagePlan.NewSong, in db: Database) throws -> Bool {
        try db.execute(
            sql: """
                INSERT INTO songs (id, title, artist, album, year, mbid, isrc, source, is_placeholder, embedding_version,
                                   match_key, key_version, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?)
                ON CONFLICT (match_key) DO NOTHING
                """,
            arguments: [
                song.id, song.title, song.artist, song.album, song.year, song.mbid, song.isrc, song.source,
                song.matchKey, SongKey.version, Timestamp.format(Date()),
            ])
        return db.changesCount > 0
    }

    static func insert(_ row: PagePlan.PlayRow, source: String, in db: Database) throws -> Bool {
        let play = row.play
        try db.execute(
            sql: """
                INSERT INTO external_plays (source, source_play_id, title, artist, album, airdate, mbid, isrc, year, song_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (source, source_play_id) DO NOTHING
                """,
            arguments: [
                source, play.sourcePlayID, play.title, play.artist, play.album, Timestamp.format(play.airdate),
                play.mbid?.lowercased(), play.isrc, play.year, row.songID, Timestamp.format(Date()),
            ])
        return db.changesCount > 0
    }

    static func saveCheckpoint(_ checkpoint: Checkpoint, in db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO ingestion_checkpoints (source, cursor, metadata, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, metadata = excluded.metadata, updated_at = excluded.updated_at
                """,
            arguments: [checkpoint.source, checkpoint.cursor, checkpoint.metadataJSON(), Timestamp.format(Date())])
    }

    /// A JSON array of strings, bound as one value and expanded with `json_each`.
    static func jsonArray(_ values: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
    }
}
