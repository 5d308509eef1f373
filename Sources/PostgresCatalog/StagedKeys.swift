import IngestCore
import IngestEngine
import PostgresNIO

/// Keying in one sorted pass: each batch's computed keys are staged in a temporary table (no
/// index, no write-ahead log, no look-up), and one statement at the end assigns and inserts
/// them all, in song-id order.
///
/// Batch by batch (``PostgresCatalog/storeKeys(_:keys:replacingOlder:)``), every batch was a
/// transaction that looked its keys up and inserted them at random places in the key table's
/// three indexes: 1,000,000 songs took 21.7 to 25.9 s, 2,000,000 up to 2.21x that. A pass that
/// must replace keys of an older version still goes batch by batch.
extension PostgresCatalog {
    /// Stages one batch (`number` counts from 1: the first makes the table afresh). `ord` is
    /// the song's place in creation order, so the oldest song computing a key can be found.
    func stageKeys(_ songs: [SongKeying.Unkeyed], keys: [String?], number: Int, on connection: PostgresConnection) async throws -> Int {
        if number == 1 {
            try await execute("DROP TABLE IF EXISTS pg_temp.radio_ingest_staged_keys", on: connection)
            try await execute(
                "CREATE TEMP TABLE radio_ingest_staged_keys (ord bigint NOT NULL, song_id text NOT NULL, computed_key text)", on: connection
            )
        }
        let first = (number - 1) * SongKeying.batchSize
        let rows = zip(songs.indices, keys).map { (ord: first + $0, id: songs[$0].id, key: $1) }
        let payload = JSONRowWriter.document(rows) { row, w in
            w.field("ord", row.ord)
            w.field("id", row.id)
            w.field("computed_key", row.key)
        }
        try await execute(
            """
            INSERT INTO pg_temp.radio_ingest_staged_keys (ord, song_id, computed_key)
            SELECT t.ord, t.id, t.computed_key FROM json_to_recordset(\(payload)::json) AS t(ord bigint, id text, computed_key text)
            """, on: connection)
        return songs.count
    }

    /// Assigns and stores the staged keys in one transaction, then drops the staging table.
    /// The oldest song computing a key holds it, unless a song keyed before this pass (or by
    /// another process meanwhile) does; the others are its duplicates, keyed without one.
    ///
    /// Into an empty key table (a first pass) the statement inserts without conflict checks,
    /// with the two secondary indexes dropped and built again afterwards from a sort: inserted
    /// row by row at random places, they took most of the 17 s the statement took for
    /// 1,000,000 songs. The key table is locked meanwhile; page writes of other processes wait.
    func commitStagedKeys(on connection: PostgresConnection) async throws {
        try await inTransaction(on: connection) {
            try await execute("SELECT pg_advisory_xact_lock(7305417204)", on: connection)
            // The sorts run in the server's memory rather than in temporary files.
            try await execute("SELECT set_config('work_mem', '64MB', true)", on: connection)
            // Page writes (which insert keys of new songs) wait from here, so the key table
            // cannot stop being empty between the look and the insert.
            try await execute("LOCK TABLE radio_ingest_song_keys IN SHARE ROW EXCLUSIVE MODE", on: connection)
            let empty = try await value(Bool.self, of: "SELECT NOT EXISTS (SELECT 1 FROM radio_ingest_song_keys)", on: connection) ?? false
            if empty {
                for statement in PostgresSchema.keyIndexes.drop { try await execute(PostgresQuery(unsafeSQL: statement), on: connection) }
            }
            // Keys several songs compute, with their oldest song: a hashed grouping (a window
            // over every key sorted them all, and most keys are unique).
            try await execute(
                """
                CREATE TEMP TABLE radio_ingest_shared_keys ON COMMIT DROP AS
                SELECT computed_key, min(ord) AS holder FROM pg_temp.radio_ingest_staged_keys
                WHERE computed_key IS NOT NULL GROUP BY computed_key HAVING count(*) > 1
                """, on: connection)
            // Inserted in song-id order, so the primary key's index fills front to back ("C":
            // byte order sorts fastest; any order is correct, this one only saves work).
            let insert = """
                INSERT INTO radio_ingest_song_keys (song_id, computed_key, match_key, key_version)
                SELECT s.song_id, s.computed_key,
                       CASE WHEN (d.holder IS NULL OR d.holder = s.ord) AND (\(empty ? "true" : Self.notTaken)) THEN s.computed_key END,
                       $1
                FROM pg_temp.radio_ingest_staged_keys s LEFT JOIN pg_temp.radio_ingest_shared_keys d ON d.computed_key = s.computed_key
                ORDER BY s.song_id COLLATE "C"
                """
            var bindings = PostgresBindings()
            bindings.append(SongKey.version)
            try await execute(PostgresQuery(unsafeSQL: insert + (empty ? "" : " ON CONFLICT DO NOTHING"), binds: bindings), on: connection)
            if empty {
                for statement in PostgresSchema.keyIndexes.create { try await execute(PostgresQuery(unsafeSQL: statement), on: connection) }
            }
        }
        try await dropStagedKeys(on: connection)
        // The page writer's look-ups are planned from these statistics.
        try await execute("ANALYZE radio_ingest_song_keys", on: connection)
    }

    /// No song keyed before holds the staged key (checked only when the key table held some).
    static let notTaken = "NOT EXISTS (SELECT 1 FROM radio_ingest_song_keys k WHERE k.match_key = s.computed_key)"

    /// Drops the staging table (after a failed or stopped pass too: the connection goes back
    /// to the pool).
    func dropStagedKeys(on connection: PostgresConnection) async throws {
        try await execute("DROP TABLE IF EXISTS pg_temp.radio_ingest_staged_keys", on: connection)
    }
}
