import PostgresNIO

/// The catalog schema, as numbered migrations applied once each and recorded in
/// `radio_ingest_migrations`. Migration 1 copes with a `songs` table that another application
/// created: it only adds the columns it lacks.
enum PostgresSchema {
    static let migrations: [(version: Int, statements: [String])] = [
        (
            1,
            [
                """
                CREATE TABLE IF NOT EXISTS songs (
                    id text PRIMARY KEY,
                    title text NOT NULL,
                    artist text NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                ALTER TABLE songs
                    ADD COLUMN IF NOT EXISTS album text,
                    ADD COLUMN IF NOT EXISTS year integer,
                    ADD COLUMN IF NOT EXISTS mbid text,
                    ADD COLUMN IF NOT EXISTS isrc text,
                    ADD COLUMN IF NOT EXISTS source text,
                    ADD COLUMN IF NOT EXISTS is_placeholder boolean NOT NULL DEFAULT false,
                    ADD COLUMN IF NOT EXISTS embedding_version integer,
                    ADD COLUMN IF NOT EXISTS match_key text,
                    ADD COLUMN IF NOT EXISTS key_version integer,
                    ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now()
                """,
                "CREATE UNIQUE INDEX IF NOT EXISTS songs_match_key_key ON songs (match_key)",
                "CREATE INDEX IF NOT EXISTS songs_mbid_idx ON songs (mbid)",
                "CREATE INDEX IF NOT EXISTS songs_awaiting_embedding_idx ON songs (created_at) WHERE embedding_version = 0",
                """
                CREATE TABLE IF NOT EXISTS external_plays (
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
                    song_id text REFERENCES songs (id),
                    created_at timestamptz NOT NULL DEFAULT now(),
                    UNIQUE (source, source_play_id)
                )
                """,
                "CREATE INDEX IF NOT EXISTS external_plays_source_idx ON external_plays (source)",
                "CREATE INDEX IF NOT EXISTS external_plays_song_id_idx ON external_plays (song_id)",
                """
                CREATE TABLE IF NOT EXISTS ingestion_checkpoints (
                    source text PRIMARY KEY,
                    cursor text,
                    metadata jsonb,
                    updated_at timestamptz NOT NULL DEFAULT now()
                )
                """,
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
        ),
        (
            2,
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
        ),
        // Each run looks for unkeyed songs: keep that off a full scan of a large catalog.
        (3, ["CREATE INDEX IF NOT EXISTS songs_key_version_idx ON songs (key_version)"]),
    ]

    static var latestVersion: Int { migrations.last?.version ?? 0 }
}
