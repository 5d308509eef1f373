import Foundation
import IngestCore
import IngestEngine
import PostgresNIO

extension PostgresCatalog {
    public func commit(_ batch: PageBatch) async throws -> [PlayDisposition] {
        do {
            return try await writePage(batch, isolatingFailures: false)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] != nil {
            // A row the database rejects aborts the batched statement: redo the page play by
            // play, each behind a savepoint, so only that play is lost.
            logger.warning("page write failed; retrying play by play", metadata: ["ingest.error": "\(Self.describe(error))"])
            return try await writePage(batch, isolatingFailures: true)
        }
    }

    public func preview(_ batch: PageBatch) async throws -> [PlayDisposition] {
        let pendingKeys = state.withLock { $0.pendingKeys }
        guard try await schemaPresent() else {
            return PagePlan(batch: batch, existingPlayIDs: [], songIDByMBID: [:], songIDByKey: [:]).dispositions
        }
        return try await withConnection { connection in
            try await inTransaction(.readOnly, on: connection) {
                try await plan(batch, on: connection, extraKeys: pendingKeys).dispositions
            }
        }
    }

    func writePage(_ batch: PageBatch, isolatingFailures: Bool) async throws -> [PlayDisposition] {
        // The raw client, not `withConnection`: a server error must reach `commit` unmapped, so
        // that it can retry the page play by play.
        try await client.withConnection { connection in
            try await inTransaction(on: connection) {
                var plan = try await plan(batch, on: connection)
                if isolatingFailures {
                    try await writeOneByOne(&plan, on: connection)
                } else {
                    let inserted = try await insertSongs(plan.newSongs, on: connection)
                    try await resolveLostSongs(&plan, inserted: inserted, among: plan.newSongs, on: connection)
                    let stored = try await insertPlays(plan.rows, source: plan.source, on: connection)
                    plan.markDuplicates(Set(plan.rows.map(\.play.sourcePlayID)).subtracting(stored))
                }
                try await saveCheckpoint(batch.checkpoint, on: connection)
                return plan.dispositions
            }
        }
    }

    /// Two look-ups, then the shared planner.
    func plan(_ batch: PageBatch, on connection: PostgresConnection, extraKeys: [String: String] = [:]) async throws -> PagePlan {
        guard !batch.plays.isEmpty else {
            return PagePlan(batch: batch, existingPlayIDs: [], songIDByMBID: [:], songIDByKey: [:])
        }
        let ids = batch.plays.map(\.sourcePlayID)
        var existing = Set<String>()
        for try await id in try await execute(
            "SELECT source_play_id FROM external_plays WHERE source = \(batch.source) AND source_play_id = ANY(\(ids))",
            on: connection
        ).decode(String.self) {
            existing.insert(id)
        }
        let (mbids, keys) = PagePlan.lookups(for: batch)
        var byMBID: [String: String] = [:]
        var byKey: [String: String] = [:]
        let rows = try await execute(
            """
            SELECT id, mbid, match_key FROM songs
            WHERE mbid = ANY(\(mbids)) OR match_key = ANY(\(keys))
            ORDER BY created_at, id
            """, on: connection)
        for try await (id, mbid, key) in rows.decode((String, String?, String?).self) {
            if let mbid, byMBID[mbid.lowercased()] == nil { byMBID[mbid.lowercased()] = id }
            if let key, byKey[key] == nil { byKey[key] = id }
        }
        byKey.merge(extraKeys) { stored, _ in stored }
        return PagePlan(batch: batch, existingPlayIDs: existing, songIDByMBID: byMBID, songIDByKey: byKey)
    }

    /// Inserts songs, skipping keys another process holds; returns the ids inserted.
    func insertSongs(_ songs: [PagePlan.NewSong], on connection: PostgresConnection) async throws -> Set<String> {
        guard !songs.isEmpty else { return [] }
        let payload = try PostgresPayload.json(songs)
        let rows = try await execute(
            """
            INSERT INTO songs (id, title, artist, album, year, mbid, isrc, source, is_placeholder, embedding_version, match_key, key_version)
            SELECT t.id, t.title, t.artist, t.album, t.year, t.mbid, t.isrc, t.source, false, 0, t.match_key, \(SongKey.version)
            FROM jsonb_to_recordset(\(payload)::jsonb) AS t(id text, title text, artist text, album text, year integer,
                 mbid text, isrc text, source text, match_key text)
            ON CONFLICT (match_key) DO NOTHING
            RETURNING id
            """, on: connection)
        var inserted = Set<String>()
        for try await id in rows.decode(String.self) { inserted.insert(id) }
        return inserted
    }

    /// Links plays to the rows of songs that another process inserted first.
    func resolveLostSongs(
        _ plan: inout PagePlan, inserted: Set<String>, among songs: [PagePlan.NewSong],
        on connection: PostgresConnection
    ) async throws {
        let lost = songs.filter { !inserted.contains($0.id) }
        guard !lost.isEmpty else { return }
        let lostKeys = lost.map(\.matchKey)
        var winners: [String: String] = [:]
        for try await (id, key) in try await execute(
            "SELECT id, match_key FROM songs WHERE match_key = ANY(\(lostKeys))", on: connection
        ).decode((String, String).self) {
            winners[key] = id
        }
        plan.resolve(conflicts: Dictionary(uniqueKeysWithValues: lost.compactMap { song in winners[song.matchKey].map { (song.id, $0) } }))
    }

    /// Inserts provenance rows, skipping plays already stored; returns the play ids inserted.
    func insertPlays(_ rows: [PagePlan.PlayRow], source: String, on connection: PostgresConnection) async throws -> Set<String> {
        guard !rows.isEmpty else { return [] }
        let payload = try PostgresPayload.json(rows.map(PostgresPayload.PlayRecord.init))
        let result = try await execute(
            """
            INSERT INTO external_plays (source, source_play_id, title, artist, album, airdate, mbid, isrc, year, song_id)
            SELECT \(source), t.source_play_id, t.title, t.artist, t.album, t.airdate::timestamptz, t.mbid, t.isrc, t.year, t.song_id
            FROM jsonb_to_recordset(\(payload)::jsonb) AS t(source_play_id text, title text, artist text, album text,
                 airdate text, mbid text, isrc text, year integer, song_id text)
            ON CONFLICT (source, source_play_id) DO NOTHING
            RETURNING source_play_id
            """, on: connection)
        var inserted = Set<String>()
        for try await id in result.decode(String.self) { inserted.insert(id) }
        return inserted
    }

    /// The slow path: each play (and the song it creates) behind its own savepoint.
    func writeOneByOne(_ plan: inout PagePlan, on connection: PostgresConnection) async throws {
        let newSongsByID = Dictionary(uniqueKeysWithValues: plan.newSongs.map { ($0.id, $0) })
        var createdSongIDs = Set<String>()
        for index in plan.rows.indices {
            try await execute("SAVEPOINT play", on: connection)
            do {
                var created: String?
                if let song = newSongsByID[plan.rows[index].songID], !createdSongIDs.contains(song.id) {
                    let inserted = try await insertSongs([song], on: connection)
                    try await resolveLostSongs(&plan, inserted: inserted, among: [song], on: connection)
                    created = inserted.contains(song.id) ? song.id : nil
                }
                let row = plan.rows[index]
                if try await insertPlays([row], source: plan.source, on: connection).isEmpty {
                    plan.markDuplicates([row.play.sourcePlayID])
                }
                try await execute("RELEASE SAVEPOINT play", on: connection)
                if let created {
                    plan.markCreatedSong(index: row.index)
                    createdSongIDs.insert(created)
                }
            } catch let error as PSQLError where error.serverInfo?[.sqlState] != nil {
                try await execute("ROLLBACK TO SAVEPOINT play", on: connection)
                plan.markFailed(index: plan.rows[index].index, reason: Self.describe(error))
            }
        }
    }

    func saveCheckpoint(_ checkpoint: Checkpoint, on connection: PostgresConnection) async throws {
        let metadata = checkpoint.metadataJSON()
        try await execute(
            """
            INSERT INTO ingestion_checkpoints (source, cursor, metadata, updated_at)
            VALUES (\(checkpoint.source), \(checkpoint.cursor), \(metadata)::jsonb, now())
            ON CONFLICT (source) DO UPDATE SET cursor = EXCLUDED.cursor, metadata = EXCLUDED.metadata, updated_at = now()
            """, on: connection)
    }
}
