import Foundation
import GRDB
import IngestCore
import IngestEngine

extension SQLiteCatalog {
    public func prepareForMatching(readOnly: Bool) async throws -> Int {
        let keysTable = try await detectedLayout().keysTable
        let hasSongs = try await guarded { try await writer.read { try $0.tableExists("songs") } }
        guard hasSongs else { return 0 }
        let previewOnly = readOnly || self.readOnly
        // A keyed catalog (every run after the first) has nothing to do: find that out cheaply,
        // and where the first song without a current key is, so the pass starts there. The pass
        // is keyset pagination by rowid (creation order): each batch starts where the last
        // ended, so keying the whole catalog reads it once. Each batch's keys are computed while
        // the batch before it is written (``KeyingPipeline``), in transactions of several
        // batches (``KeyWriter``). Keys of an older version give way as their songs are
        // re-keyed; a catalog that holds none skips that step.
        // A catalog that holds no keys at all is keyed in one sorted pass (``StagedKeyWriter``).
        var after: Int64 = 0
        var olderKeys = false
        var holdsKeys = false
        if keysTable {
            let first = try await guarded { try await writer.read { db in try Self.firstSongWithoutCurrentKey(in: db) } }
            guard let first else { return 0 }
            after = first.rowID - 1
            olderKeys = first.olderKeys && !previewOnly
            holdsKeys = first.holdsKeys
        }
        let preview = previewOnly ? startPreview() : nil
        let keyWriter: any KeyBatchWriter =
            keysTable && !holdsKeys && !previewOnly ? StagedKeyWriter(catalog: self) : KeyWriter(catalog: self, replacingOlder: olderKeys)
        var pipeline = KeyingPipeline { songs, keys, _ in
            if let preview { return try await preview.remember(songs, keys: keys) }
            return try await self.guarded { try await keyWriter.store(songs, keys: keys) }
        }
        do {
            while true {
                let from = after
                let batch = try await guarded {
                    try await writer.read { db in try Self.unkeyedSongs(in: db, after: from, keysTable: keysTable) }
                }
                guard let last = batch.last else { break }
                after = last.rowID
                try await pipeline.add(batch.map(\.song))
                if batch.count < Self.keyingBatchSize { break }
            }
            let keyed = try await pipeline.finish()
            try await guarded { try await keyWriter.commit() }
            return keyed
        } catch {
            await pipeline.stop()
            await keyWriter.abandon()
            throw error
        }
    }

    /// A new scratch file for this preview's keys (replacing an earlier preview's).
    func startPreview() -> ScratchPreviewKeys {
        let preview = ScratchPreviewKeys()
        previewKeys.withLock { earlier in
            earlier?.close()
            earlier = preview
        }
        return preview
    }

    /// Unkeyed songs read, keyed and stored at a time (``KeyWriter`` commits every
    /// ``KeyWriter/songsPerTransaction``). Larger than PostgreSQL's (``SongKeying/batchSize``):
    /// 1,000,000 songs took 35 s in batches of 2,000 and 23.5 s in batches of 10,000; batches of
    /// 40,000 took the process past 150 MiB (the rows read and their keys, twice over in the
    /// pipeline), so larger transactions span several batches instead.
    static let keyingBatchSize = 10_000

    /// The first song (by rowid) without a current key, whether any key is of an older
    /// version, and whether the catalog holds any key; nil when every song holds a current key.
    ///
    /// Songs are read in id order, so the key table's `song_id` index is read front to back
    /// (2,000,000 keyed songs: 0.8 s; in rowid order each look-up lands on a random page and
    /// took 6.7 s, on every run). Older keys are looked for from the key table's side.
    static func firstSongWithoutCurrentKey(in db: Database) throws -> (rowID: Int64, olderKeys: Bool, holdsKeys: Bool)? {
        let unkeyed = try Int64.fetchOne(
            db,
            sql: """
                SELECT min(r) FROM (
                    SELECT s.rowid AS r FROM songs s
                    WHERE NOT EXISTS (SELECT 1 FROM radio_ingest_song_keys k WHERE k.song_id = s.id) ORDER BY s.id)
                """)
        let older = try Int64.fetchOne(
            db,
            sql: "SELECT min(s.rowid) FROM radio_ingest_song_keys k CROSS JOIN songs s ON s.id = k.song_id WHERE k.key_version <> ?",
            arguments: [SongKey.version])
        guard let first = [unkeyed, older].compactMap({ $0 }).min() else { return nil }
        let holdsKeys = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM radio_ingest_song_keys)") ?? true
        return (first, older != nil, holdsKeys)
    }

    /// Up to a batch of songs after `rowID` without a current key, in rowid order.
    static func unkeyedSongs(in db: Database, after rowID: Int64, keysTable: Bool) throws -> [(rowID: Int64, song: SongKeying.Unkeyed)] {
        let unkeyed =
            keysTable
            ? "AND NOT EXISTS (SELECT 1 FROM radio_ingest_song_keys k WHERE k.song_id = s.id AND k.key_version = ?)" : "AND ? IS NOT NULL"
        // Read through a cursor, each row made a small struct as it comes: holding the batch's
        // GRDB `Row`s as well raised the keying pass's peak by 3 to 5 MiB.
        let rows = try Row.fetchCursor(
            db, sql: "SELECT s.rowid, s.id, s.title, s.artist FROM songs s WHERE s.rowid > ? \(unkeyed) ORDER BY s.rowid LIMIT ?",
            arguments: [rowID, SongKey.version, Self.keyingBatchSize])
        var songs: [(rowID: Int64, song: SongKeying.Unkeyed)] = []
        songs.reserveCapacity(Self.keyingBatchSize)
        while let row = try rows.next() {
            let id: DatabaseValue = row[1]
            songs.append((row[0], SongKeying.Unkeyed(id: SQLiteSession.text(id), title: row[2], artist: row[3])))
        }
        return songs
    }

    /// Stores keys for `songs`; a key another song holds already leaves the song keyed without one.
    static func storeKeys(for songs: [SongKeying.Unkeyed], keys: [String?], replacingOlder: Bool, in db: Database) throws {
        let candidates = try SQLiteSession.jsonArray(keys.compactMap { $0 })
        if replacingOlder {
            let ids = try SQLiteSession.jsonArray(songs.map(\.id))
            // Two look-ups by index (an OR of the two would scan the table).
            try db.execute(
                sql: """
                    DELETE FROM radio_ingest_song_keys WHERE key_version <> ? AND song_id IN (SELECT value FROM json_each(?));
                    DELETE FROM radio_ingest_song_keys WHERE key_version <> ? AND match_key IN (SELECT value FROM json_each(?))
                    """,
                arguments: [SongKey.version, ids, SongKey.version, candidates])
        }
        let taken = Set(
            try String.fetchAll(
                db, sql: "SELECT match_key FROM radio_ingest_song_keys WHERE match_key IN (SELECT value FROM json_each(?))",
                arguments: [candidates]))
        let insert = try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO radio_ingest_song_keys (song_id, computed_key, match_key, key_version) VALUES (?, ?, ?, ?)")
        // Assigned in creation order (the oldest song holds a key), inserted in id order: the
        // `song_id` index is then filled front to back, each of its pages touched once a batch.
        for a in SongKeying.assign(songs, keys: keys, taken: taken).sorted(by: { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) }) {
            try insert.execute(arguments: [a.id, a.computedKey, a.matchKey, SongKey.version])
        }
    }

    public func startRun(_ run: RunRecord) async throws -> Int64 {
        try await guarded {
            try await write { db in
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
            try await write { db in
                try db.execute(
                    sql: """
                        UPDATE ingestion_runs SET finished_at = ?, status = ?, pages_fetched = ?, plays_seen = ?, track_plays = ?,
                            provenance_inserted = ?, songs_matched = ?, new_songs = ?, skipped_invalid = ?,
                            duplicates_skipped = ?, errors = ?, error = ?, late_plays = ?, edited_upstream = ?, withdrawn_upstream = ?,
                            skip_reasons = ?
                        WHERE id = ?
                        """,
                    arguments: [
                        Timestamp.format(run.finishedAt ?? Date()), run.status, c.pagesFetched, c.playsSeen, c.trackPlays,
                        c.provenanceInserted, c.songsMatched, c.newSongs, c.skippedInvalid, c.duplicatesSkipped,
                        c.errors, run.error, c.latePlays, c.editedUpstream, c.withdrawnUpstream,
                        (try? String(decoding: JSONEncoder().encode(c.skipReasons), as: UTF8.self)) ?? "{}", id,
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
                    c.latePlays = row["late_plays"] ?? 0
                    c.editedUpstream = row["edited_upstream"] ?? 0
                    c.withdrawnUpstream = row["withdrawn_upstream"] ?? 0
                    c.skipReasons =
                        (row["skip_reasons"] as String?).flatMap {
                            try? JSONDecoder().decode([String: Int].self, from: Data($0.utf8))
                        } ?? [:]
                    return RunRecord(
                        id: row["id"], source: row["source"], flagsJSON: row["flags"],
                        startedAt: Timestamp.parse(row["started_at"]) ?? Date(timeIntervalSince1970: 0),
                        finishedAt: (row["finished_at"] as String?).flatMap(Timestamp.parse),
                        status: row["status"], counters: c, error: row["error"])
                }
            }
        }
    }

    public func storedPlayIDs(source: String, airedIn window: TimeWindow) async throws -> Set<String> {
        guard let airdate = try await catalogSchema().plays.columns[.airdate] else { return [] }
        let from = window.start.map(Timestamp.format) ?? "", to = window.end.map(Timestamp.format) ?? "9999"
        return try await guarded {
            try await writer.read { db in
                guard try db.tableExists("external_plays") else { return [] }
                return Set(
                    try String.fetchAll(
                        db,
                        sql:
                            "SELECT source_play_id FROM external_plays WHERE source = ? AND \(SQLIdentifier.quote(airdate)) >= ? AND \(SQLIdentifier.quote(airdate)) < ?",
                        arguments: [source, from, to]))
            }
        }
    }

    public func duplicateSongs(limit: Int) async throws -> [DuplicateGroup] {
        try await guarded {
            try await writer.read { db in
                guard try db.tableExists("radio_ingest_song_keys"), try db.tableExists("songs") else { return [] }
                // The duplicates' index, named: without statistics (SQLite's are gathered only
                // by ANALYZE) the planner took the match-key index for `match_key IS NULL` and
                // read every duplicate once per group (30,000 songs in 7,000 groups: 18 s; 0.08 s
                // with the index named). A file not migrated since version 6 has none.
                let duplicatesIndex =
                    try db.indexes(on: "radio_ingest_song_keys").contains { $0.name == "radio_ingest_song_keys_duplicates" }
                    ? "INDEXED BY radio_ingest_song_keys_duplicates" : ""
                return DuplicateGroup.grouping(
                    try Row.fetchAll(
                        db,
                        sql: """
                            WITH duplicates AS (
                                SELECT computed_key, count(*) AS n FROM radio_ingest_song_keys \(duplicatesIndex)
                                WHERE match_key IS NULL AND computed_key IS NOT NULL AND key_version = ? GROUP BY computed_key
                            ), groups AS (
                                SELECT d.computed_key FROM duplicates d
                                WHERE d.n > 1 OR EXISTS (
                                    SELECT 1 FROM radio_ingest_song_keys h WHERE h.match_key = d.computed_key AND h.key_version = ?)
                                ORDER BY d.computed_key LIMIT ?
                            ), members AS (
                                SELECT k.computed_key, k.song_id, k.match_key
                                FROM radio_ingest_song_keys k \(duplicatesIndex) JOIN groups g
                                    ON k.match_key IS NULL AND k.computed_key = g.computed_key
                                UNION ALL
                                SELECT k.computed_key, k.song_id, k.match_key FROM radio_ingest_song_keys k JOIN groups g
                                    ON k.match_key = g.computed_key
                            )
                            SELECT m.computed_key AS key, m.song_id AS id, s.title AS title, s.artist AS artist,
                                   (SELECT count(*) FROM external_plays p WHERE p.song_id = m.song_id) AS plays,
                                   m.match_key IS NOT NULL AS canonical
                            FROM members m JOIN songs s ON s.id = m.song_id
                            ORDER BY m.computed_key, (m.match_key IS NULL), m.song_id
                            """, arguments: [SongKey.version, SongKey.version, limit]
                    ).map { row in
                        (
                            row["key"],
                            DuplicateGroup.Song(
                                id: row["id"], title: row["title"], artist: row["artist"], plays: row["plays"],
                                canonical: row["canonical"])
                        )
                    })
            }
        }
    }

    public func songSummaries(ids: [String]) async throws -> [String: (title: String, artist: String)] {
        let list = try SQLiteSession.jsonArray(ids)
        return try await guarded {
            try await writer.read { db in
                guard try db.tableExists("songs") else { return [:] }
                var songs: [String: (title: String, artist: String)] = [:]
                for row in try Row.fetchAll(
                    db,
                    sql:
                        "SELECT CAST(id AS TEXT) AS id, title, artist FROM songs WHERE id IN (SELECT value FROM json_each(?))",
                    arguments: [list])
                {
                    songs[row["id"]] = (row["title"], row["artist"])
                }
                return songs
            }
        }
    }

    public func songsAwaitingEmbedding(limit: Int) async throws -> [PendingSong] {
        let songs = try await catalogSchema().songs
        guard let version = songs.columns[.embeddingVersion] else { return [] }
        let created = songs.columns[.created].map(SQLIdentifier.quote)
        let source = songs.columns[.source].map(SQLIdentifier.quote) ?? "NULL"
        let sql = """
            SELECT id, title, artist, \(source) AS source, \(created ?? "NULL") AS created FROM songs
            WHERE \(SQLIdentifier.quote(version)) = 0 ORDER BY \(created.map { "\($0), " } ?? "")rowid LIMIT ?
            """
        return try await guarded {
            try await writer.read { db in
                guard try db.tableExists("songs") else { return [] }
                return try Row.fetchAll(db, sql: sql, arguments: [limit]).map { row in
                    let id: DatabaseValue = row["id"]
                    return PendingSong(
                        id: SQLiteSession.text(id), title: row["title"], artist: row["artist"], source: row["source"],
                        createdAt: (row["created"] as String?).flatMap(Timestamp.parse) ?? Date(timeIntervalSince1970: 0))
                }
            }
        }
    }

    public func countSongsAwaitingEmbedding() async throws -> Int {
        guard let version = try await catalogSchema().songs.columns[.embeddingVersion] else { return 0 }
        return try await guarded {
            try await writer.read { db in
                guard try db.tableExists("songs") else { return 0 }
                return try Int.fetchOne(db, sql: "SELECT count(*) FROM songs WHERE \(SQLIdentifier.quote(version)) = 0") ?? 0
            }
        }
    }

    public func failedPlays(source: String?, limit: Int) async throws -> [FailedPlay] {
        try await guarded {
            try await writer.read { db in
                guard try db.tableExists("radio_ingest_failed_plays") else { return [] }
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM radio_ingest_failed_plays WHERE (? IS NULL OR source = ?)
                        ORDER BY first_failed_at, source, source_play_id LIMIT ?
                        """, arguments: [source, source, limit]
                ).map { row in
                    FailedPlay(
                        source: row["source"], sourcePlayID: row["source_play_id"], recordJSON: row["record"], reason: row["reason"],
                        runID: row["run_id"], attempts: row["attempts"],
                        lastFailedAt: (row["last_failed_at"] as String?).flatMap(Timestamp.parse))
                }
            }
        }
    }

    public func countFailedPlays(source: String?) async throws -> Int {
        try await guarded {
            try await writer.read { db in
                guard try db.tableExists("radio_ingest_failed_plays") else { return 0 }
                return try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM radio_ingest_failed_plays WHERE (? IS NULL OR source = ?)", arguments: [source, source])
                    ?? 0
            }
        }
    }
}
