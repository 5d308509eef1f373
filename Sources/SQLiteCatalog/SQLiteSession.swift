import Foundation
import GRDB
import IngestCore
import IngestEngine

/// The SQLite side of a page write: a statement per row (cheap in-process), column names taken
/// from the introspected ``CatalogSchema`` (quoted, never from input), every value bound.
///
/// A write session runs inside the transaction ``SQLiteCatalog/withWriteSession(_:)`` opened on
/// the writer connection; a read session reads through the pool's readers.
struct SQLiteSession: CatalogSession {
    enum Access { case read, write }

    let writer: any DatabaseWriter
    let access: Access
    let schema: CatalogSchema
    /// Whether the tool's key table exists (a read-only file from an older version may lack it).
    let keysTable: Bool
    /// Keys a preview computed for songs without one (previews only).
    let previewKeys: (any PreviewKeys)?

    func run<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        switch access {
        case .write: return try await writer.writeWithoutTransaction(work)
        case .read: return try await writer.read(work)
        }
    }

    func storedPlays(source: String, among ids: [String]) async throws -> [String: StoredPlay] {
        let list = try Self.jsonArray(ids)
        return try await run { db in
            var stored: [String: StoredPlay] = [:]
            for row in try Row.fetchAll(
                db,
                sql:
                    "SELECT source_play_id, title, artist FROM external_plays WHERE source = ? AND source_play_id IN (SELECT value FROM json_each(?))",
                arguments: [source, list])
            {
                stored[row["source_play_id"]] = StoredPlay(title: row["title"], artist: row["artist"])
            }
            return stored
        }
    }

    func findSongs(mbids: [String], isrcs: [String], keys: [String]) async throws -> [SongHit] {
        let songs = schema.songs
        let order = songs.columns[.created].map { "\(quote($0)), rowid" } ?? "rowid"
        var lookups: [(SongHit.Kind, String, String)] = []
        if let mbid = songs.columns[.mbid] {
            lookups.append(
                (
                    .mbid,
                    "SELECT \(quote(mbid)), id FROM songs WHERE \(quote(mbid)) IN (SELECT value FROM json_each(?)) ORDER BY \(order)",
                    try Self.jsonArray(mbids)
                ))
        }
        if let isrc = songs.columns[.isrc] {
            lookups.append(
                (
                    .isrc,
                    "SELECT \(quote(isrc)), id FROM songs WHERE \(quote(isrc)) IN (SELECT value FROM json_each(?)) ORDER BY \(order)",
                    try Self.jsonArray(isrcs)
                ))
        }
        if keysTable {
            lookups.append(
                (
                    .key, "SELECT match_key, song_id FROM radio_ingest_song_keys WHERE match_key IN (SELECT value FROM json_each(?))",
                    try Self.jsonArray(keys)
                ))
        }
        let queries = lookups
        let hits = try await run { db in
            try queries.flatMap { kind, sql, list in
                try Row.fetchAll(db, sql: sql, arguments: [list]).map { row in
                    let value: DatabaseValue = row[0]
                    let id: DatabaseValue = row[1]
                    return SongHit(kind: kind, value: Self.text(value), songID: Self.text(id))
                }
            }
        }
        return try await hits.addingPreview(previewKeys, for: keys)
    }

    func insertSongs(_ newSongs: [PagePlan.NewSong]) async throws -> [String: String] {
        guard !newSongs.isEmpty else { return [:] }
        let songs = schema.songs
        let now = Timestamp.format(Date())
        var columns = ["title", "artist"]
        var values: [(PagePlan.NewSong) -> (any DatabaseValueConvertible)?] = [{ $0.title }, { $0.artist }]
        if songs.idKind != .integer {
            columns.append("id")
            values.append { $0.id }
        }
        let optional: [(CatalogSchema.SongField, @Sendable (PagePlan.NewSong) -> (any DatabaseValueConvertible)?)] = [
            (.album, { $0.album }), (.year, { $0.year }), (.mbid, { $0.mbid }), (.isrc, { $0.isrc }), (.source, { $0.source }),
            (.isPlaceholder, { _ in false }), (.embeddingVersion, { _ in 0 }), (.updated, { _ in now }),
        ]
        for (field, value) in optional {
            if let column = songs.columns[field] {
                columns.append(quote(column))
                values.append(value)
            }
        }
        if let created = songs.columns[.created], !songs.createdHasDefault {
            columns.append(quote(created))
            values.append { _ in now }
        }
        let insertSong =
            "INSERT INTO songs (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
        let rows = newSongs.map { song in (song.id, song.matchKey, StatementArguments(values.map { $0(song) })) }
        let integerIDs = songs.idKind == .integer
        return try await run { db in
            var stored: [String: String] = [:]
            // Compiled once per connection, not once per row.
            let claimKey = try db.cachedStatement(
                sql: """
                    INSERT INTO radio_ingest_song_keys (song_id, computed_key, match_key, key_version) VALUES (?, ?, ?, ?)
                    ON CONFLICT (match_key) DO NOTHING
                    """)
            let addSong = try db.cachedStatement(sql: insertSong)
            for (id, key, arguments) in rows {
                try claimKey.execute(arguments: [id, key, key, SongKey.version])
                guard db.changesCount > 0 else { continue }  // another song holds the key
                try addSong.execute(arguments: arguments)
                if integerIDs {
                    let number = String(db.lastInsertedRowID)
                    try db.execute(sql: "UPDATE radio_ingest_song_keys SET song_id = ? WHERE song_id = ?", arguments: [number, id])
                    stored[id] = number
                } else {
                    stored[id] = id
                }
            }
            return stored
        }
    }

    func songIDs(holdingKeys keys: [String]) async throws -> [String: String] {
        let list = try Self.jsonArray(keys)
        return try await run { db in
            Dictionary(
                try Row.fetchAll(
                    db, sql: "SELECT match_key, song_id FROM radio_ingest_song_keys WHERE match_key IN (SELECT value FROM json_each(?))",
                    arguments: [list]
                ).map { row -> (String, String) in
                    let id: DatabaseValue = row[1]
                    return (row["match_key"], Self.text(id))
                }, uniquingKeysWith: { first, _ in first })
        }
    }

    /// Always checks conflicts: the write transaction holds the database from the look-up to
    /// the commit, so no other writer stores a play in between, and the check is the unique
    /// index SQLite probes anyway.
    func insertPlays(_ rows: [PagePlan.PlayRow], source: String, checkingConflicts: Bool) async throws -> Set<String> {
        let plays = schema.plays
        let now = Timestamp.format(Date())
        var columns = ["source", "source_play_id", "title", "artist", "song_id"]
        var values: [@Sendable (PagePlan.PlayRow) -> (any DatabaseValueConvertible)?] = [
            { _ in source }, { $0.play.sourcePlayID }, { $0.play.title }, { $0.play.artist }, { $0.songID },
        ]
        let optional: [(CatalogSchema.PlayField, @Sendable (PagePlan.PlayRow) -> (any DatabaseValueConvertible)?)] = [
            (.album, { $0.play.album }), (.airdate, { Timestamp.format($0.play.airdate) }), (.mbid, { $0.play.mbid }),
            (.isrc, { $0.play.isrc }), (.year, { $0.play.year }),
        ]
        for (field, value) in optional {
            if let column = plays.columns[field] {
                columns.append(quote(column))
                values.append(value)
            }
        }
        if let created = plays.columns[.created], !plays.createdHasDefault {
            columns.append(quote(created))
            values.append { _ in now }
        }
        if plays.idToGenerate != nil {
            columns.append("id")
            values.append { _ in TimeOrderedID.make() }
        }
        let sql = """
            INSERT INTO external_plays (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))
            ON CONFLICT (source, source_play_id) DO NOTHING
            """
        let prepared = rows.map { row in (row.play.sourcePlayID, StatementArguments(values.map { $0(row) })) }
        return try await run { db in
            var inserted = Set<String>()
            let insert = try db.cachedStatement(sql: sql)  // compiled once per connection
            for (id, arguments) in prepared {
                try insert.execute(arguments: arguments)
                if db.changesCount > 0 { inserted.insert(id) }
            }
            return inserted
        }
    }

    func saveCheckpoint(_ checkpoint: Checkpoint, run: RunProgress?) async throws {
        let arguments: StatementArguments = [
            checkpoint.source, checkpoint.cursor, checkpoint.metadataJSON(), Timestamp.format(Date()),
        ]
        let progress: StatementArguments? = run.map { run in
            let c = run.counters
            return [
                c.pagesFetched, c.playsSeen, c.trackPlays, c.provenanceInserted, c.songsMatched, c.newSongs, c.skippedInvalid,
                c.duplicatesSkipped, c.errors, run.runID,
            ]
        }
        try await self.run { db in
            if let progress {
                try db.execute(
                    sql: """
                        UPDATE ingestion_runs SET pages_fetched = ?, plays_seen = ?, track_plays = ?, provenance_inserted = ?,
                            songs_matched = ?, new_songs = ?, skipped_invalid = ?, duplicates_skipped = ?, errors = ?
                        WHERE id = ?
                        """, arguments: progress)
            }
            try db.execute(
                sql: """
                    INSERT INTO ingestion_checkpoints (source, cursor, metadata, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, metadata = excluded.metadata, updated_at = excluded.updated_at
                    """, arguments: arguments)
        }
    }

    func recordFailures(_ failures: [FailedPlay]) async throws {
        let now = Timestamp.format(Date())
        let rows = failures.map { f -> StatementArguments in [f.source, f.sourcePlayID, f.recordJSON, f.reason, f.runID, now, now] }
        try await run { db in
            for arguments in rows {
                try db.execute(
                    sql: """
                        INSERT INTO radio_ingest_failed_plays (source, source_play_id, record, reason, run_id, first_failed_at, last_failed_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (source, source_play_id) DO UPDATE SET record = excluded.record, reason = excluded.reason,
                            run_id = excluded.run_id, last_failed_at = excluded.last_failed_at, attempts = attempts + 1
                        """, arguments: arguments)
            }
        }
    }

    func recordRevisions(_ revisions: [PlayRevision]) async throws -> Int {
        let now = Timestamp.format(Date())
        let rows = revisions.map { r -> StatementArguments in
            [r.source, r.sourcePlayID, r.kind.rawValue, r.title, r.artist, r.recordJSON, r.runID, now]
        }
        return try await run { db in
            var noticed = 0
            for arguments in rows {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO radio_ingest_play_revisions (source, source_play_id, kind, title, artist, record, run_id, noticed_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: arguments)
                noticed += db.changesCount
            }
            return noticed
        }
    }

    func clearFailures(source: String, playIDs: [String]) async throws {
        let list = try Self.jsonArray(playIDs)
        try await run { db in
            try db.execute(
                sql: "DELETE FROM radio_ingest_failed_plays WHERE source = ? AND source_play_id IN (SELECT value FROM json_each(?))",
                arguments: [source, list])
        }
    }

    func withSavepoint<T>(_ body: () async throws -> T) async throws -> T {
        try await run { try $0.execute(sql: "SAVEPOINT play") }
        do {
            let value = try await body()
            try await run { try $0.execute(sql: "RELEASE SAVEPOINT play") }
            return value
        } catch {
            try await run { try $0.execute(sql: "ROLLBACK TO SAVEPOINT play; RELEASE SAVEPOINT play") }
            throw error
        }
    }

    func quote(_ name: String) -> String { SQLIdentifier.quote(name) }

    /// An id as text, whether the column holds text or a number.
    static func text(_ value: DatabaseValueConvertible?) -> String {
        guard let value else { return "" }
        switch value.databaseValue.storage {
        case .int64(let n): return String(n)
        case .string(let s): return s
        case .double(let d): return String(d)
        case .blob(let data): return String(decoding: data, as: UTF8.self)
        case .null: return ""
        }
    }

    /// A JSON array of strings, bound as one value and expanded with `json_each`.
    static func jsonArray(_ values: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
    }
}
