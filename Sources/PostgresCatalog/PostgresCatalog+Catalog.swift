import Foundation
import IngestCore
import IngestEngine
import PostgresNIO

extension PostgresCatalog {
    public func prepareForMatching(readOnly: Bool) async throws -> Int {
        guard try await schemaPresent() else { return 0 }
        var total = 0
        while true {
            let keyed = try await withConnection { connection in
                try await keyNextBatch(readOnly: readOnly, on: connection)
            }
            total += keyed
            if keyed < SongKeying.batchSize || readOnly { return total }
        }
    }

    /// Keys one batch of unkeyed songs; in read-only mode keeps the keys in memory instead.
    func keyNextBatch(readOnly: Bool, on connection: PostgresConnection) async throws -> Int {
        try await inTransaction(readOnly ? .readOnly : .readWrite, on: connection) {
            if !readOnly { try await execute("SELECT pg_advisory_xact_lock(7305417204)", on: connection) }
            let limit = readOnly ? Int.max / 2 : SongKeying.batchSize
            var songs: [SongKeying.Unkeyed] = []
            for try await (id, title, artist) in try await execute(
                """
                SELECT id, title, artist FROM songs
                WHERE key_version IS NULL OR key_version < \(SongKey.version)
                ORDER BY created_at, id LIMIT \(limit)
                """, on: connection
            ).decode((String, String, String).self) {
                songs.append(.init(id: id, title: title, artist: artist))
            }
            let candidateKeys = songs.compactMap { SongKey.make(title: $0.title, artist: $0.artist) }
            var taken = Set<String>()
            if !candidateKeys.isEmpty {
                for try await key in try await execute(
                    "SELECT match_key FROM songs WHERE match_key = ANY(\(candidateKeys)) AND key_version = \(SongKey.version)",
                    on: connection
                ).decode(String.self) {
                    taken.insert(key)
                }
            }
            let assignments = SongKeying.assign(songs, taken: taken)
            if readOnly {
                state.withLock { $0.pendingKeys = SongKeying.songIDsByKey(assignments) }
            } else if !assignments.isEmpty {
                let payload = try PostgresPayload.json(assignments)
                try await execute(
                    """
                    UPDATE songs SET match_key = t.match_key, key_version = \(SongKey.version)
                    FROM jsonb_to_recordset(\(payload)::jsonb) AS t(id text, match_key text)
                    WHERE songs.id = t.id
                    """, on: connection)
            }
            return assignments.count
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
                    duplicates_skipped = \(c.duplicatesSkipped), errors = \(c.errors), error = \(run.error)
                WHERE id = \(id)
                """, on: connection)
        }
    }

    public func recentRuns(source: String?, limit: Int) async throws -> [RunRecord] {
        guard try await schemaPresent() else { return [] }
        return try await withConnection { connection in
            let rows = try await execute(
                """
                SELECT id, source, flags::text, started_at, finished_at, status, pages_fetched, plays_seen, track_plays,
                       provenance_inserted, songs_matched, new_songs, skipped_invalid, duplicates_skipped, errors, error
                FROM ingestion_runs WHERE (\(source)::text IS NULL OR source = \(source))
                ORDER BY started_at DESC, id DESC LIMIT \(limit)
                """, on: connection)
            var runs: [RunRecord] = []
            for try await row in rows {
                let r = row.makeRandomAccess()
                var counters = RunCounters()
                counters.pagesFetched = try r[6].decode(Int.self)
                counters.playsSeen = try r[7].decode(Int.self)
                counters.trackPlays = try r[8].decode(Int.self)
                counters.provenanceInserted = try r[9].decode(Int.self)
                counters.songsMatched = try r[10].decode(Int.self)
                counters.newSongs = try r[11].decode(Int.self)
                counters.skippedInvalid = try r[12].decode(Int.self)
                counters.duplicatesSkipped = try r[13].decode(Int.self)
                counters.errors = try r[14].decode(Int.self)
                runs.append(
                    RunRecord(
                        id: try r[0].decode(Int64.self), source: try r[1].decode(String.self), flagsJSON: try r[2].decode(String.self),
                        startedAt: try r[3].decode(Date.self), finishedAt: try r[4].decode(Date?.self),
                        status: try r[5].decode(String.self),
                        counters: counters, error: try r[15].decode(String?.self)))
            }
            return runs
        }
    }

    public func songsAwaitingEmbedding(limit: Int) async throws -> [PendingSong] {
        guard try await schemaPresent() else { return [] }
        return try await withConnection { connection in
            var songs: [PendingSong] = []
            for try await (id, title, artist, source, createdAt) in try await execute(
                """
                SELECT id, title, artist, source, created_at FROM songs
                WHERE embedding_version = 0 ORDER BY created_at, id LIMIT \(limit)
                """, on: connection
            ).decode((String, String, String, String?, Date).self) {
                songs.append(PendingSong(id: id, title: title, artist: artist, source: source, createdAt: createdAt))
            }
            return songs
        }
    }

    public func countSongsAwaitingEmbedding() async throws -> Int {
        guard try await schemaPresent() else { return 0 }
        return try await withConnection { connection in
            for try await count in try await execute(
                "SELECT count(*) FROM songs WHERE embedding_version = 0", on: connection
            ).decode(Int.self) {
                return count
            }
            return 0
        }
    }
}
