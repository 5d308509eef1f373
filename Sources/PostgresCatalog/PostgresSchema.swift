/// The schema as numbered migrations, applied once each and recorded in
/// `radio_ingest_migrations`.
///
/// The catalog's own tables (`songs`, `external_plays`, `ingestion_checkpoints`) are created
/// only where absent, shaped as Musicr's own migrations shape them; tables another application created are
/// never altered, indexed or extended. Everything else RadioIngest keeps lives in its own
/// tables: `radio_ingest_song_keys`, `radio_ingest_failed_plays`, `ingestion_runs`,
/// `ingestion_leases` and `radio_ingest_migrations`.
enum PostgresSchema {
    /// What a migration sees of the database before it runs.
    struct Existing: Sendable {
        /// Tables present in the current schema.
        var tables: Set<String>
        /// Columns of `songs`, with their `data_type`.
        var songColumns: [String: String]
    }

    struct Migration: Sendable {
        var version: Int
        var summary: String
        var statements: @Sendable (Existing) -> [String]
    }

    static let migrations: [Migration] = [
        Migration(version: 1, summary: "catalog tables where absent, and the run history", statements: catalogTables),
        Migration(version: 2, summary: "leases (one process per source)") { _ in
            [
                """
                CREATE TABLE IF NOT EXISTS ingestion_leases (
                    source text PRIMARY KEY,
                    holder text NOT NULL,
                    acquired_at timestamptz NOT NULL,
                    expires_at timestamptz NOT NULL
                )
                """
            ]
        },
        // Catalogs made by the first release kept keys on songs: keep their look-ups indexed.
        Migration(version: 3, summary: "index of the first release's key versions") { existing in
            existing.songColumns["key_version"] == nil ? [] : ["CREATE INDEX IF NOT EXISTS songs_key_version_idx ON songs (key_version)"]
        },
        Migration(version: 4, summary: "the tool's song keys and failed plays", statements: keysAndFailures),
        Migration(version: 5, summary: "late and changed plays: run counters and play revisions") { _ in
            [
                """
                ALTER TABLE ingestion_runs ADD COLUMN IF NOT EXISTS late_plays integer NOT NULL DEFAULT 0,
                    ADD COLUMN IF NOT EXISTS edited_upstream integer NOT NULL DEFAULT 0,
                    ADD COLUMN IF NOT EXISTS withdrawn_upstream integer NOT NULL DEFAULT 0,
                    ADD COLUMN IF NOT EXISTS skip_reasons jsonb NOT NULL DEFAULT '{}'
                """,
                """
                CREATE TABLE IF NOT EXISTS radio_ingest_play_revisions (
                    source text NOT NULL,
                    source_play_id text NOT NULL,
                    kind text NOT NULL,
                    title text NOT NULL,
                    artist text NOT NULL,
                    record jsonb,
                    run_id bigint,
                    noticed_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (source, source_play_id, kind, title, artist)
                )
                """,
            ]
        },
        // A key's holder has match_key = computed_key: the duplicates report finds a group's
        // duplicates through this partial index and its holder through the match-key index,
        // and keying a large catalog updates one B-tree fewer per song.
        Migration(version: 6, summary: "an index of duplicate songs' keys only") { _ in
            [
                "DROP INDEX IF EXISTS radio_ingest_song_keys_computed_key",
                """
                CREATE INDEX IF NOT EXISTS radio_ingest_song_keys_duplicates ON radio_ingest_song_keys (computed_key)
                WHERE match_key IS NULL
                """,
            ]
        },
    ]

    /// The key table's secondary indexes as the migrations leave them: a first keying pass
    /// drops them and builds them again once its keys are in (``PostgresCatalog/commitStagedKeys(on:)``).
    static let keyIndexes: (drop: [String], create: [String]) = (
        drop: ["DROP INDEX radio_ingest_song_keys_match_key", "DROP INDEX radio_ingest_song_keys_duplicates"],
        create: [
            "CREATE UNIQUE INDEX radio_ingest_song_keys_match_key ON radio_ingest_song_keys (match_key)",
            "CREATE INDEX radio_ingest_song_keys_duplicates ON radio_ingest_song_keys (computed_key) WHERE match_key IS NULL",
        ]
    )

    static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Migration 1: `songs`, `external_plays` and `ingestion_checkpoints` where absent, and
    /// `ingestion_runs`.
    static func catalogTables(_ existing: Existing) -> [String] {
        var statements: [String] = []
        if !existing.tables.contains("songs") {
            statements += [
                """
                CREATE TABLE songs (
                    id text PRIMARY KEY,
                    title text NOT NULL,
                    artist text NOT NULL,
                    album text,
                    year integer,
                    mbid text,
                    isrc text,
                    source text,
                    is_placeholder boolean NOT NULL DEFAULT false,
                    embedding_version integer,
                    created_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                "CREATE INDEX songs_mbid_idx ON songs (mbid)",
                "CREATE INDEX songs_isrc_idx ON songs (isrc)",
                "CREATE INDEX songs_awaiting_embedding_idx ON songs (created_at) WHERE embedding_version = 0",
            ]
        }
        if !existing.tables.contains("external_plays") {
            let songIDType = existing.songColumns["id"].map(sqlType) ?? "text"
            statements += [
                """
                CREATE TABLE external_plays (
                    id bigserial PRIMARY KEY,
                    source text NOT NULL,
                    source_play_id text NOT NULL,
                    title text NOT NULL,
                    artist text NOT NULL,
                    album text,
                    airdate timestamptz,
                    mbid text,
                    isrc text,
                    year integer,
                    song_id \(songIDType) REFERENCES songs (id),
                    created_at timestamptz NOT NULL DEFAULT now(),
                    UNIQUE (source, source_play_id)
                )
                """,
                "CREATE INDEX external_plays_source_idx ON external_plays (source)",
                "CREATE INDEX external_plays_song_id_idx ON external_plays (song_id)",
            ]
        }
        if !existing.tables.contains("ingestion_checkpoints") {
            statements.append(
                """
                CREATE TABLE ingestion_checkpoints (
                    source text PRIMARY KEY,
                    cursor text,
                    metadata jsonb,
                    updated_at timestamptz NOT NULL DEFAULT now()
                )
                """)
        }
        statements += [
            """
            CREATE TABLE IF NOT EXISTS ingestion_runs (
                id bigserial PRIMARY KEY,
                source text NOT NULL,
                flags jsonb NOT NULL DEFAULT '{}',
                started_at timestamptz NOT NULL,
                finished_at timestamptz,
                status text NOT NULL,
                pages_fetched integer NOT NULL DEFAULT 0,
                plays_seen integer NOT NULL DEFAULT 0,
                track_plays integer NOT NULL DEFAULT 0,
                provenance_inserted integer NOT NULL DEFAULT 0,
                songs_matched integer NOT NULL DEFAULT 0,
                new_songs integer NOT NULL DEFAULT 0,
                skipped_invalid integer NOT NULL DEFAULT 0,
                duplicates_skipped integer NOT NULL DEFAULT 0,
                errors integer NOT NULL DEFAULT 0,
                error text
            )
            """,
            "CREATE INDEX IF NOT EXISTS ingestion_runs_source_idx ON ingestion_runs (source, started_at DESC)",
        ]
        return statements
    }

    /// Migration 4: match keys and refused plays in the tool's own tables. A catalog made by the
    /// first release had keys in `songs.match_key`; they are copied over.
    static func keysAndFailures(_ existing: Existing) -> [String] {
        var statements = [
            """
            CREATE TABLE IF NOT EXISTS radio_ingest_song_keys (
                song_id text PRIMARY KEY,
                computed_key text,
                match_key text,
                key_version integer NOT NULL,
                keyed_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            "CREATE UNIQUE INDEX IF NOT EXISTS radio_ingest_song_keys_match_key ON radio_ingest_song_keys (match_key)",
            "CREATE INDEX IF NOT EXISTS radio_ingest_song_keys_computed_key ON radio_ingest_song_keys (computed_key)",
            """
            CREATE TABLE IF NOT EXISTS radio_ingest_failed_plays (
                source text NOT NULL,
                source_play_id text NOT NULL,
                record jsonb NOT NULL,
                reason text NOT NULL,
                run_id bigint,
                attempts integer NOT NULL DEFAULT 1,
                first_failed_at timestamptz NOT NULL DEFAULT now(),
                last_failed_at timestamptz NOT NULL DEFAULT now(),
                PRIMARY KEY (source, source_play_id)
            )
            """,
        ]
        if existing.songColumns["match_key"] != nil && existing.songColumns["key_version"] != nil {
            statements.append(
                """
                INSERT INTO radio_ingest_song_keys (song_id, computed_key, match_key, key_version)
                SELECT id::text, match_key, match_key, key_version FROM songs WHERE key_version IS NOT NULL
                ON CONFLICT DO NOTHING
                """)
        }
        return statements
    }

    /// A column type as DDL: `character varying` → `text`, others as they are.
    static func sqlType(_ dataType: String) -> String {
        switch dataType {
        case "uuid", "bigint", "integer", "smallint": return dataType
        default: return "text"
        }
    }
}
