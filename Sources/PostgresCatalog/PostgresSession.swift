import Foundation
import IngestCore
import IngestEngine
import PostgresNIO

/// The PostgreSQL side of a page write: one statement per look-up or insert, values bound as
/// one JSON document expanded by `json_to_recordset`, column names taken from the
/// introspected ``CatalogSchema`` (quoted, never from input). The statements every page sends
/// are named prepared statements (``PreparedStatements``): their SQL casts each parameter and
/// selects text columns only.
struct PostgresSession: CatalogSession {
    let catalog: PostgresCatalog
    let connection: PostgresConnection
    let schema: CatalogSchema
    /// Whether the tool's key table exists (a dry run on a catalog never migrated has none).
    let keysTablePresent: Bool
    /// Keys a preview computed for songs without one (previews only).
    let previewKeys: (any PreviewKeys)?
    /// The transaction's statements sent without waiting for their answers.
    let ahead: SentAhead

    /// Runs `query` and waits for its answer; fails as ``reportingFirstFailure(_:)`` says.
    func execute(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await reportingFirstFailure { try await catalog.execute(query, on: connection) }
    }

    /// Runs `sql` as a named prepared statement (``PreparedStatements``) and returns its rows.
    func executePrepared(_ sql: String, _ binds: PreparedBinds) async throws -> [PostgresRow] {
        try await reportingFirstFailure { try await catalog.executePrepared(sql, binds, on: connection) }
    }

    /// Sends `sql` as a named prepared statement without waiting for its answer (``SentAhead``).
    func sendPreparedAhead(_ sql: String, _ binds: PreparedBinds) async throws {
        try await reportingFirstFailure { ahead.add(try await catalog.sendPrepared(sql, binds, on: connection)) }
    }

    /// Runs `body`; when it fails because a statement sent ahead failed first (the transaction
    /// is aborted), that statement's error is thrown instead.
    func reportingFirstFailure<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw await ahead.firstFailure() ?? error
        }
    }

    /// Sends `query` without waiting for its answer (``SentAhead``).
    func sendAhead(_ query: PostgresQuery) {
        ahead.add(catalog.send(query, on: connection))
    }

    func storedPlays(source: String, among ids: [String]) async throws -> [String: StoredPlay] {
        var existing: [String: StoredPlay] = [:]
        for try await (id, title, artist) in try await execute(
            "SELECT source_play_id, title, artist FROM external_plays WHERE source = \(source) AND source_play_id = ANY(\(ids))"
        ).decode((String, String, String).self) {
            existing[id] = StoredPlay(title: title, artist: artist)
        }
        return existing
    }

    func findSongs(mbids: [String], isrcs: [String], keys: [String]) async throws -> [SongHit] {
        try await lookUp(source: "", playIDs: [], mbids: mbids, isrcs: isrcs, keys: keys).hits
    }

    /// One statement: the page's stored plays and the songs holding its MBIDs, ISRCs and keys,
    /// each branch of the `UNION ALL` tagged by kind.
    func lookUp(source: String, playIDs: [String], mbids: [String], isrcs: [String], keys: [String]) async throws -> PageLookUp {
        let songs = schema.songs
        let order = songs.columns[.created].map { "s.\(quote($0)), s.id" } ?? "s.id"
        var branches = [
            "(SELECT 'p', source_play_id, title, artist FROM external_plays WHERE source = $4 AND source_play_id = ANY($5))"
        ]
        if let mbid = songs.columns[.mbid] {
            branches.append(
                "(SELECT DISTINCT ON (s.\(quote(mbid))) 'm', s.\(quote(mbid))::text, s.id::text, NULL FROM songs s WHERE s.\(quote(mbid)) = ANY($1) ORDER BY s.\(quote(mbid)), \(order))"
            )
        }
        if let isrc = songs.columns[.isrc] {
            branches.append(
                "(SELECT DISTINCT ON (s.\(quote(isrc))) 'i', s.\(quote(isrc))::text, s.id::text, NULL FROM songs s WHERE s.\(quote(isrc)) = ANY($2) ORDER BY s.\(quote(isrc)), \(order))"
            )
        }
        if keysTablePresent {
            branches.append("(SELECT 'k', match_key, song_id, NULL FROM radio_ingest_song_keys WHERE match_key = ANY($3))")
        }
        // Parameters not used by a branch still need a type: cast them all once.
        let sql =
            "WITH p AS (SELECT $1::text[] AS m, $2::text[] AS i, $3::text[] AS k, $4::text AS src, $5::text[] AS ids) "
            + branches.joined(separator: " UNION ALL ")
        var binds = PreparedBinds()
        try binds.append(mbids)
        try binds.append(isrcs)
        try binds.append(keys)
        try binds.append(source)
        try binds.append(playIDs)
        var found = PageLookUp(existing: [:], hits: [])
        for row in try await executePrepared(sql, binds) {
            let (kind, value, id, artist) = try row.decode((String, String, String, String?).self)
            switch kind {
            case "p": found.existing[value] = StoredPlay(title: id, artist: artist ?? "")
            case "m": found.hits.append(SongHit(kind: .mbid, value: value, songID: id))
            case "i": found.hits.append(SongHit(kind: .isrc, value: value, songID: id))
            default: found.hits.append(SongHit(kind: .key, value: value, songID: id))
            }
        }
        found.hits = try await found.hits.addingPreview(previewKeys, for: keys)
        return found
    }

    func insertSongs(_ newSongs: [PagePlan.NewSong]) async throws -> [String: String] {
        guard !newSongs.isEmpty else { return [:] }
        let songs = schema.songs
        var planned = newSongs
        var storedID: [String: String] = [:]
        if songs.idKind == .integer {
            // The database numbers songs: take numbers from the id's sequence first, so that
            // keys and plays can name the songs in the same statement.
            var numbers: [String] = []
            var count = PreparedBinds()
            try count.append(Int64(newSongs.count))
            for row in try await executePrepared(
                "SELECT nextval(pg_get_serial_sequence('songs', 'id'))::text FROM generate_series(1, $1::bigint)", count)
            {
                numbers.append(try row.decode(String.self))
            }
            for (i, number) in numbers.enumerated() where i < planned.count {
                storedID[number] = planned[i].id
                planned[i].id = number
            }
        }
        var columns = ["id", "title", "artist"]
        var values = ["i.id::\(songs.idType)", "i.title", "i.artist"]
        for (field, value) in [
            (CatalogSchema.SongField.album, "i.album"), (.year, "i.year"), (.mbid, "i.mbid"), (.isrc, "i.isrc"), (.source, "i.source"),
            (.isPlaceholder, "false"), (.embeddingVersion, "0"), (.updated, "now()"),
        ] {
            if let column = songs.columns[field] {
                columns.append(quote(column))
                values.append(value)
            }
        }
        if let created = songs.columns[.created], !songs.createdHasDefault {
            columns.append(quote(created))
            values.append("now()")
        }
        let overriding = songs.idKind == .integer ? " OVERRIDING SYSTEM VALUE" : ""
        let sql = """
            WITH i AS (
                SELECT * FROM json_to_recordset($1::json) AS t(id text, match_key text, title text, artist text, album text,
                    year integer, mbid text, isrc text, source text)
            ), claimed AS (
                INSERT INTO radio_ingest_song_keys (song_id, computed_key, match_key, key_version)
                SELECT id, match_key, match_key, $2::bigint FROM i
                ON CONFLICT (match_key) DO NOTHING
                RETURNING song_id
            )
            INSERT INTO songs (\(columns.joined(separator: ", ")))\(overriding)
            SELECT \(values.joined(separator: ", ")) FROM i JOIN claimed ON claimed.song_id = i.id
            RETURNING id::text
            """
        var binds = PreparedBinds()
        try binds.append(PostgresPayload.json(planned))
        try binds.append(Int64(SongKey.version))
        var inserted: [String: String] = [:]
        for row in try await executePrepared(sql, binds) {
            let id = try row.decode(String.self)
            inserted[storedID[id] ?? id] = id
        }
        catalog.noteInserted(inserted.count, into: .songs)
        return inserted
    }

    func songIDs(holdingKeys keys: [String]) async throws -> [String: String] {
        var winners: [String: String] = [:]
        for try await (key, id) in try await execute(
            "SELECT match_key, song_id FROM radio_ingest_song_keys WHERE match_key = ANY(\(keys))"
        ).decode((String, String).self) {
            winners[key] = id
        }
        return winners
    }

    /// Without `checkingConflicts`, a plain `INSERT` returning nothing: the conflict check
    /// (`ON CONFLICT DO NOTHING`) and the returned ids cost about a third of a page's insert.
    /// A play another writer stored since the look-up then fails it with a unique violation
    /// (``PostgresCatalog/isPlayConflict(_:)``), and the page is written again, checking.
    func insertPlays(_ rows: [PagePlan.PlayRow], source: String, checkingConflicts: Bool) async throws -> Set<String> {
        guard !rows.isEmpty else { return [] }
        let plays = schema.plays
        var columns = ["source", "source_play_id", "title", "artist", "song_id"]
        var values = ["$2::text", "t.source_play_id", "t.title", "t.artist", "t.song_id::\(plays.songIDType)"]
        for (field, value) in [
            (CatalogSchema.PlayField.album, "t.album"), (.airdate, "t.airdate::timestamptz"), (.mbid, "t.mbid"), (.isrc, "t.isrc"),
            (.year, "t.year"),
        ] {
            if let column = plays.columns[field] {
                columns.append(quote(column))
                values.append(value)
            }
        }
        if let created = plays.columns[.created], !plays.createdHasDefault {
            columns.append(quote(created))
            values.append("now()")
        }
        if let id = plays.idToGenerate {
            columns.append("id")
            values.append(id == .uuid ? "t.id::uuid" : "t.id")
        }
        let sql = """
            INSERT INTO external_plays (\(columns.joined(separator: ", ")))
            SELECT \(values.joined(separator: ", "))
            FROM json_to_recordset($1::json) AS t(id text, source_play_id text, title text, artist text, album text,
                 airdate text, mbid text, isrc text, year integer, song_id text)
            \(checkingConflicts ? "ON CONFLICT (source, source_play_id) DO NOTHING RETURNING source_play_id" : "")
            """
        var binds = PreparedBinds()
        try binds.append(PostgresPayload.json(rows, withIDs: plays.idToGenerate != nil))
        try binds.append(source)
        guard checkingConflicts else {
            try await sendPreparedAhead(sql, binds)
            catalog.noteInserted(rows.count, into: .plays)
            return Set(rows.map(\.play.sourcePlayID))
        }
        var inserted = Set<String>()
        for row in try await executePrepared(sql, binds) {
            inserted.insert(try row.decode(String.self))
        }
        catalog.noteInserted(inserted.count, into: .plays)
        return inserted
    }

    func saveCheckpoint(_ checkpoint: Checkpoint, run: RunProgress?) async throws {
        let metadata = checkpoint.metadataJSON()
        guard let run else {
            sendAhead(
                """
                INSERT INTO ingestion_checkpoints (source, cursor, metadata, updated_at)
                VALUES (\(checkpoint.source), \(checkpoint.cursor), \(metadata)::jsonb, now())
                ON CONFLICT (source) DO UPDATE SET cursor = EXCLUDED.cursor, metadata = EXCLUDED.metadata, updated_at = now()
                """)
            return
        }
        // One statement: the run's counters and the checkpoint.
        let c = run.counters
        var binds = PreparedBinds()
        for count in [
            c.pagesFetched, c.playsSeen, c.trackPlays, c.provenanceInserted, c.songsMatched, c.newSongs, c.skippedInvalid,
            c.duplicatesSkipped, c.errors,
        ] {
            try binds.append(Int64(count))
        }
        try binds.append(run.runID)
        try binds.append(checkpoint.source)
        try binds.append(checkpoint.cursor)
        try binds.append(metadata)
        try await sendPreparedAhead(
            """
            WITH progress AS (
                UPDATE ingestion_runs SET pages_fetched = $1::bigint, plays_seen = $2::bigint, track_plays = $3::bigint,
                    provenance_inserted = $4::bigint, songs_matched = $5::bigint, new_songs = $6::bigint,
                    skipped_invalid = $7::bigint, duplicates_skipped = $8::bigint, errors = $9::bigint
                WHERE id = $10::bigint
            )
            INSERT INTO ingestion_checkpoints (source, cursor, metadata, updated_at)
            VALUES ($11::text, $12::text, $13::text::jsonb, now())
            ON CONFLICT (source) DO UPDATE SET cursor = EXCLUDED.cursor, metadata = EXCLUDED.metadata, updated_at = now()
            """, binds)
    }

    func recordFailures(_ failures: [FailedPlay]) async throws {
        let payload = try PostgresPayload.json(failures.map(PostgresPayload.FailureRecord.init))
        _ = try await execute(
            """
            INSERT INTO radio_ingest_failed_plays (source, source_play_id, record, reason, run_id)
            SELECT t.source, t.source_play_id, t.record::jsonb, t.reason, t.run_id
            FROM jsonb_to_recordset(\(payload)::jsonb) AS t(source text, source_play_id text, record text, reason text, run_id bigint)
            ON CONFLICT (source, source_play_id) DO UPDATE SET record = EXCLUDED.record, reason = EXCLUDED.reason,
                run_id = EXCLUDED.run_id, last_failed_at = now(), attempts = radio_ingest_failed_plays.attempts + 1
            """)
    }

    func recordRevisions(_ revisions: [PlayRevision]) async throws -> Int {
        let payload = try PostgresPayload.json(revisions.map(PostgresPayload.RevisionRecord.init))
        var noticed = 0
        for try await _ in try await execute(
            """
            INSERT INTO radio_ingest_play_revisions (source, source_play_id, kind, title, artist, record, run_id)
            SELECT t.source, t.source_play_id, t.kind, t.title, t.artist, t.record::jsonb, t.run_id
            FROM jsonb_to_recordset(\(payload)::jsonb) AS t(source text, source_play_id text, kind text, title text, artist text,
                 record text, run_id bigint)
            ON CONFLICT DO NOTHING
            RETURNING 1
            """
        ).decode(Int.self) {
            noticed += 1
        }
        return noticed
    }

    func clearFailures(source: String, playIDs: [String]) async throws {
        _ = try await execute(
            "DELETE FROM radio_ingest_failed_plays WHERE source = \(source) AND source_play_id = ANY(\(playIDs))")
    }

    func withSavepoint<T>(_ body: () async throws -> T) async throws -> T {
        _ = try await execute("SAVEPOINT play")
        do {
            let value = try await body()
            _ = try await execute("RELEASE SAVEPOINT play")
            return value
        } catch {
            _ = try await execute("ROLLBACK TO SAVEPOINT play")
            throw error
        }
    }

    func quote(_ name: String) -> String { SQLIdentifier.quote(name) }
}
