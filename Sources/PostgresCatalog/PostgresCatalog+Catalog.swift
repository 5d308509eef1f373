import Foundation
import IngestCore
import IngestEngine
import PostgresNIO
import SQLiteCatalog

extension PostgresCatalog {
    public func prepareForMatching(readOnly: Bool) async throws -> Int {
        guard try await schemaPresent() else { return 0 }
        let schema = try await catalogSchema()
        let keysTable = state.withLock { $0.keysTablePresent }
        let order = schema.songs.columns[.created].map { "s.\(SQLIdentifier.quote($0)), s.id" } ?? "s.id"
        let unkeyed =
            keysTable
            ? "NOT EXISTS (SELECT 1 FROM radio_ingest_song_keys k WHERE k.song_id = s.id::text AND k.key_version = $1)"
            : "$1::integer IS NOT NULL"
        var bindings = PostgresBindings()
        bindings.append(SongKey.version)
        let cursor = PostgresQuery(
            unsafeSQL:
                "DECLARE unkeyed_songs NO SCROLL CURSOR FOR SELECT s.id::text, s.title, s.artist FROM songs s WHERE \(unkeyed) ORDER BY \(order)",
            binds: bindings)
        let fetch = PostgresQuery(unsafeSQL: "FETCH \(SongKeying.batchSize) FROM unkeyed_songs", binds: .init())
        // One ordered pass over the unkeyed songs, read through a cursor a batch at a time (so a
        // stop ends it at once) and keyed on a second connection: time linear in the catalog,
        // memory flat. Each batch's keys are computed while the batch before it is written
        // (``KeyingPipeline``).
        // Keys of an older version give way as their songs are re-keyed; a catalog that holds
        // none (any catalog keyed by this version, or keyed for the first time) skips that step.
        let olderKeys = readOnly || !keysTable ? false : try await holdsOlderKeys()
        // Keys are staged and stored at the end in one sorted statement (``stageKeys``), unless
        // keys of an older version must give way first: those passes store batch by batch.
        let staged = !readOnly && keysTable && !olderKeys
        return try await withConnection { reader in
            try await withConnection(if: staged) { staging in
                let preview = readOnly ? startPreview() : nil
                var pipeline = KeyingPipeline { songs, keys, number in
                    if let preview { return try await preview.remember(songs, keys: keys) }
                    if let staging { return try await self.stageKeys(songs, keys: keys, number: number, on: staging) }
                    let count = try await self.storeKeys(songs, keys: keys, replacingOlder: olderKeys)
                    // The key table grows from empty during the pass: refresh the planner's
                    // statistics as it does (after 1, 4, 16, 64, 256 batches), or its look-ups
                    // turn into scans and the pass into quadratic time.
                    if [1, 4, 16, 64, 256].contains(number) {
                        try await self.withConnection { try await self.execute("ANALYZE radio_ingest_song_keys", on: $0) }
                    }
                    return count
                }
                do {
                    try await inTransaction(.readOnly, on: reader) {
                        try await execute(cursor, on: reader)
                        while true {
                            // A stop cancels the task; the cursor is closed with the transaction.
                            try Task.checkCancellation()
                            var batch: [SongKeying.Unkeyed] = []
                            for try await (id, title, artist) in try await execute(fetch, on: reader).decode((String, String, String).self)
                            {
                                batch.append(.init(id: id, title: title, artist: artist))
                            }
                            if !batch.isEmpty { try await pipeline.add(batch) }
                            if batch.count < SongKeying.batchSize { break }
                        }
                    }
                    let keyed = try await pipeline.finish()
                    if let staging, keyed > 0 { try await commitStagedKeys(on: staging) }
                    return keyed
                } catch {
                    await pipeline.stop()
                    if let staging { try? await dropStagedKeys(on: staging) }
                    throw error
                }
            }
        }
    }

    /// Runs `body` with a second pooled connection when `needed`, with none otherwise.
    func withConnection<T>(if needed: Bool, _ body: (PostgresConnection?) async throws -> T) async throws -> T {
        guard needed else { return try await body(nil) }
        return try await withConnection { try await body($0) }
    }

    /// Whether any song holds a key of another version than ``SongKey/version``.
    func holdsOlderKeys() async throws -> Bool {
        try await withConnection { connection in
            try await value(
                Bool.self, of: "SELECT EXISTS (SELECT 1 FROM radio_ingest_song_keys WHERE key_version <> \(SongKey.version))",
                on: connection) ?? false
        }
    }

    /// A new scratch file for this preview's keys (replacing an earlier preview's).
    func startPreview() -> ScratchPreviewKeys {
        let preview = ScratchPreviewKeys()
        state.withLock { state in
            state.previewKeys?.close()
            state.previewKeys = preview
        }
        return preview
    }

    /// Stores one batch's keys (`keys`, computed in order); a key another song holds already
    /// leaves the song keyed without one. Planned as a page is (``PostgresCatalog/indexedOnly``):
    /// every statement here looks up by index, and a sequential scan of the growing key table
    /// per batch would make the pass quadratic.
    func storeKeys(_ songs: [SongKeying.Unkeyed], keys: [String?], replacingOlder: Bool) async throws -> Int {
        try await withConnection { connection in
            try await inTransaction(.pageWrite, on: connection) {
                try await execute("SELECT pg_advisory_xact_lock(7305417204)", on: connection)
                let ids = songs.map(\.id)
                let candidates = keys.compactMap { $0 }
                if replacingOlder {
                    try await execute(
                        """
                        DELETE FROM radio_ingest_song_keys WHERE key_version <> \(SongKey.version)
                            AND (song_id = ANY(\(ids)) OR match_key = ANY(\(candidates)))
                        """, on: connection)
                }
                var taken = Set<String>()
                for try await key in try await execute(
                    "SELECT match_key FROM radio_ingest_song_keys WHERE match_key = ANY(\(candidates))", on: connection
                ).decode(String.self) {
                    taken.insert(key)
                }
                let assignments = SongKeying.assign(songs, keys: keys, taken: taken)
                let payload = PostgresPayload.json(assignments)
                try await execute(
                    """
                    INSERT INTO radio_ingest_song_keys (song_id, computed_key, match_key, key_version)
                    SELECT t.id, t.computed_key, t.match_key, \(SongKey.version)
                    FROM json_to_recordset(\(payload)::json) AS t(id text, computed_key text, match_key text)
                    ON CONFLICT DO NOTHING
                    """, on: connection)
                return assignments.count
            }
        }
    }

    public func startRun(_ run: RunRecord) async throws -> Int64 {
        try await withConnection { connection in
            let rows = try await execute(
                """
                INSERT INTO ingestion_runs (source, flags, started_at, status)
                VALUES (\(run.source), \(run.flagsJSON)::jsonb, \(run.startedAt), \(run.status)) RETURNING id
                """, on: connection)
            for try await id in rows.decode(Int64.self) { return id }
            throw IngestError.storage("PostgreSQL did not return a run id")
        }
    }

    public func finishRun(_ run: RunRecord) async throws {
        guard let id = run.id else { return }
        let c = run.counters
        try await withConnection { connection in
            try await execute(
                """
                UPDATE ingestion_runs SET finished_at = \(run.finishedAt ?? Date()), status = \(run.status),
                    pages_fetched = \(c.pagesFetched), plays_seen = \(c.playsSeen), track_plays = \(c.trackPlays),
                    provenance_inserted = \(c.provenanceInserted), songs_matched = \(c.songsMatched),
                    new_songs = \(c.newSongs), skipped_invalid = \(c.skippedInvalid),
                    duplicates_skipped = \(c.duplicatesSkipped), errors = \(c.errors), error = \(run.error),
                    late_plays = \(c.latePlays), edited_upstream = \(c.editedUpstream), withdrawn_upstream = \(c.withdrawnUpstream),
                    skip_reasons = \(Self.skipReasonsJSON(c))::jsonb
                WHERE id = \(id)
                """, on: connection)
        }
    }

    public func recentRuns(source: String?, limit: Int) async throws -> [RunRecord] {
        guard try await schemaPresent() else { return [] }
        return try await withConnection { connection in
            // Counters travel as the row's JSON, so a catalog whose run history predates a
            // counter (read-only commands do not migrate) still reads, the counter as 0.
            let rows = try await execute(
                """
                SELECT id, source, flags::text, started_at, finished_at, status, error, to_jsonb(r)::text
                FROM ingestion_runs r WHERE (\(source)::text IS NULL OR source = \(source))
                ORDER BY started_at DESC, id DESC LIMIT \(limit)
                """, on: connection)
            var runs: [RunRecord] = []
            for try await (id, source, flags, started, finished, status, error, row) in rows.decode(
                (Int64, String, String, Date, Date?, String, String?, String).self)
            {
                let counters = try JSONDecoder().decode(RunCounters.self, from: Data(row.utf8))
                runs.append(
                    RunRecord(
                        id: id, source: source, flagsJSON: flags, startedAt: started, finishedAt: finished, status: status,
                        counters: counters, error: error))
            }
            return runs
        }
    }

    public func duplicateSongs(limit: Int) async throws -> [DuplicateGroup] {
        guard try await schemaPresent(), try await tablePresent("radio_ingest_song_keys") else { return [] }
        return try await withConnection { connection in
            var rows: [(key: String, song: DuplicateGroup.Song)] = []
            for try await (key, id, title, artist, plays, canonical) in try await execute(
                """
                WITH duplicates AS (
                    SELECT computed_key, count(*) AS n FROM radio_ingest_song_keys
                    WHERE match_key IS NULL AND computed_key IS NOT NULL AND key_version = \(SongKey.version) GROUP BY computed_key
                ), groups AS (
                    SELECT d.computed_key FROM duplicates d
                    WHERE d.n > 1 OR EXISTS (
                        SELECT 1 FROM radio_ingest_song_keys h WHERE h.match_key = d.computed_key AND h.key_version = \(SongKey.version))
                    ORDER BY d.computed_key LIMIT \(limit)
                ), members AS (
                    SELECT k.computed_key, k.song_id, k.match_key FROM radio_ingest_song_keys k JOIN groups g
                        ON k.match_key IS NULL AND k.computed_key = g.computed_key
                    UNION ALL
                    SELECT k.computed_key, k.song_id, k.match_key FROM radio_ingest_song_keys k JOIN groups g ON k.match_key = g.computed_key
                ), plays AS (
                    SELECT song_id::text AS sid, count(*) AS n FROM external_plays WHERE song_id IS NOT NULL GROUP BY song_id
                )
                SELECT m.computed_key, m.song_id, s.title, s.artist, coalesce(p.n, 0)::bigint, m.match_key IS NOT NULL
                FROM members m JOIN songs s ON s.id::text = m.song_id LEFT JOIN plays p ON p.sid = m.song_id
                ORDER BY m.computed_key, (m.match_key IS NULL), m.song_id
                """, on: connection
            ).decode((String, String, String, String, Int, Bool).self) {
                rows.append((key, DuplicateGroup.Song(id: id, title: title, artist: artist, plays: plays, canonical: canonical)))
            }
            return DuplicateGroup.grouping(rows)
        }
    }

    public func songSummaries(ids: [String]) async throws -> [String: (title: String, artist: String)] {
        guard try await schemaPresent(), !ids.isEmpty else { return [:] }
        return try await withConnection { connection in
            var songs: [String: (title: String, artist: String)] = [:]
            for try await (id, title, artist) in try await execute(
                "SELECT id::text, title, artist FROM songs WHERE id::text = ANY(\(ids))", on: connection
            ).decode((String, String, String).self) {
                songs[id] = (title, artist)
            }
            return songs
        }
    }

    /// Whether the table `name` exists in the current schema (read-only commands do not migrate).
    func tablePresent(_ name: String) async throws -> Bool {
        try await withConnection { connection in
            for try await found in try await execute("SELECT to_regclass(\(name))::text", on: connection).decode(String?.self) {
                return found != nil
            }
            return false
        }
    }

    /// A run's skip reasons as a JSON object.
    static func skipReasonsJSON(_ counters: RunCounters) -> String {
        (try? String(decoding: JSONEncoder().encode(counters.skipReasons), as: UTF8.self)) ?? "{}"
    }

    public func storedPlayIDs(source: String, airedIn window: TimeWindow) async throws -> Set<String> {
        guard try await schemaPresent(), try await catalogSchema().plays.columns[.airdate] != nil else { return [] }
        return try await withConnection { connection in
            var ids = Set<String>()
            for try await id in try await execute(
                """
                SELECT source_play_id FROM external_plays WHERE source = \(source)
                    AND airdate >= \(window.start ?? .distantPast) AND airdate < \(window.end ?? .distantFuture)
                """, on: connection
            ).decode(String.self) {
                ids.insert(id)
            }
            return ids
        }
    }

    public func songsAwaitingEmbedding(limit: Int) async throws -> [PendingSong] {
        guard try await schemaPresent() else { return [] }
        let songs = try await catalogSchema().songs
        guard let version = songs.columns[.embeddingVersion] else { return [] }
        let created = songs.columns[.created].map { "s.\(SQLIdentifier.quote($0))" }
        let source = songs.columns[.source].map { "s.\(SQLIdentifier.quote($0))::text" } ?? "NULL::text"
        var bindings = PostgresBindings()
        bindings.append(limit)
        let query = PostgresQuery(
            unsafeSQL: """
                SELECT s.id::text, s.title, s.artist, \(source), \(created.map { "\($0)::timestamptz" } ?? "NULL::timestamptz")
                FROM songs s WHERE s.\(SQLIdentifier.quote(version)) = 0 ORDER BY \(created.map { "\($0), " } ?? "")s.id LIMIT $1
                """, binds: bindings)
        return try await withConnection { connection in
            var pending: [PendingSong] = []
            for try await (id, title, artist, source, createdAt) in try await execute(query, on: connection).decode(
                (String, String, String, String?, Date?).self)
            {
                pending.append(
                    PendingSong(
                        id: id, title: title, artist: artist, source: source, createdAt: createdAt ?? Date(timeIntervalSince1970: 0)))
            }
            return pending
        }
    }

    public func countSongsAwaitingEmbedding() async throws -> Int {
        guard try await schemaPresent() else { return 0 }
        guard let version = try await catalogSchema().songs.columns[.embeddingVersion] else { return 0 }
        return try await withConnection { connection in
            try await value(
                Int.self, of: PostgresQuery(unsafeSQL: "SELECT count(*) FROM songs WHERE \(SQLIdentifier.quote(version)) = 0"),
                on: connection) ?? 0
        }
    }

    public func failedPlays(source: String?, limit: Int) async throws -> [FailedPlay] {
        guard try await tablePresent("radio_ingest_failed_plays") else { return [] }
        return try await withConnection { connection in
            var failures: [FailedPlay] = []
            for try await (source, id, record, reason, runID, attempts, last) in try await execute(
                """
                SELECT source, source_play_id, record::text, reason, run_id, attempts, last_failed_at
                FROM radio_ingest_failed_plays WHERE (\(source)::text IS NULL OR source = \(source))
                ORDER BY first_failed_at, source, source_play_id LIMIT \(limit)
                """, on: connection
            ).decode((String, String, String, String, Int64?, Int, Date).self) {
                failures.append(
                    FailedPlay(
                        source: source, sourcePlayID: id, recordJSON: record, reason: reason, runID: runID, attempts: attempts,
                        lastFailedAt: last))
            }
            return failures
        }
    }

    public func countFailedPlays(source: String?) async throws -> Int {
        guard try await tablePresent("radio_ingest_failed_plays") else { return 0 }
        return try await withConnection { connection in
            try await value(
                Int.self, of: "SELECT count(*) FROM radio_ingest_failed_plays WHERE (\(source)::text IS NULL OR source = \(source))",
                on: connection) ?? 0
        }
    }
}
