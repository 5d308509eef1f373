import GRDB

/// The embedded catalog's schema as GRDB migrations, recorded in `grdb_migrations`, so a file
/// from an older version is upgraded in place. Like the PostgreSQL schema, it creates the
/// catalog's tables only where absent and keeps the tool's own state in its own tables. Timestamps are RFC 3339 text in UTC with
/// microseconds, which sorts chronologically.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        // Each migration runs with foreign keys enforced statement by statement, not with GRDB's
        // default check of the whole file before commit (`PRAGMA foreign_key_check`). That check
        // read every play of a catalog the application filled (`migrate` 48.5 s with 2,000,000 plays, 11.7 s without) and
        // refused to migrate one whose own rows break a reference (a play of a deleted song,
        // written with foreign keys off): the tool must work on the catalog as it is. No
        // migration here rebuilds a table, which immediate checks would not allow.
        let checks = DatabaseMigrator.ForeignKeyChecks.immediate
        migrator.registerMigration("v1-catalog", foreignKeyChecks: checks) { db in
            // The catalog's tables where absent; tables another application made are left as
            // they are (no column, index or constraint added).
            if !(try db.tableExists("songs")) {
                try db.execute(
                    sql: """
                        CREATE TABLE songs (
                            id TEXT PRIMARY KEY,
                            title TEXT NOT NULL,
                            artist TEXT NOT NULL,
                            album TEXT, year INTEGER, mbid TEXT, isrc TEXT, source TEXT,
                            is_placeholder INTEGER NOT NULL DEFAULT 0,
                            embedding_version INTEGER,
                            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now'))
                        );
                        CREATE INDEX songs_mbid_idx ON songs (mbid);
                        CREATE INDEX songs_isrc_idx ON songs (isrc);
                        CREATE INDEX songs_awaiting_embedding_idx ON songs (created_at) WHERE embedding_version = 0;
                        """)
            }
            if !(try db.tableExists("external_plays")) {
                let songIDType = try db.columns(in: "songs").first { $0.name == "id" }?.type ?? "TEXT"
                try db.execute(
                    sql: """
                        CREATE TABLE external_plays (
                            id INTEGER PRIMARY KEY AUTOINCREMENT,
                            source TEXT NOT NULL,
                            source_play_id TEXT NOT NULL,
                            title TEXT NOT NULL,
                            artist TEXT NOT NULL,
                            album TEXT, airdate TEXT, mbid TEXT, isrc TEXT, year INTEGER,
                            song_id \(songIDType.uppercased().contains("INT") ? "INTEGER" : "TEXT") REFERENCES songs (id),
                            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now')),
                            UNIQUE (source, source_play_id)
                        );
                        CREATE INDEX external_plays_source_idx ON external_plays (source);
                        CREATE INDEX external_plays_song_id_idx ON external_plays (song_id);
                        """)
            }
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS ingestion_checkpoints (
                        source TEXT PRIMARY KEY,
                        cursor TEXT,
                        metadata TEXT,
                        updated_at TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v2-run-history", foreignKeyChecks: checks) { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS ingestion_runs (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        source TEXT NOT NULL,
                        flags TEXT NOT NULL DEFAULT '{}',
                        started_at TEXT NOT NULL,
                        finished_at TEXT,
                        status TEXT NOT NULL,
                        pages_fetched INTEGER NOT NULL DEFAULT 0,
                        plays_seen INTEGER NOT NULL DEFAULT 0,
                        track_plays INTEGER NOT NULL DEFAULT 0,
                        provenance_inserted INTEGER NOT NULL DEFAULT 0,
                        songs_matched INTEGER NOT NULL DEFAULT 0,
                        new_songs INTEGER NOT NULL DEFAULT 0,
                        skipped_invalid INTEGER NOT NULL DEFAULT 0,
                        duplicates_skipped INTEGER NOT NULL DEFAULT 0,
                        errors INTEGER NOT NULL DEFAULT 0,
                        error TEXT
                    );
                    CREATE INDEX IF NOT EXISTS ingestion_runs_source_idx ON ingestion_runs (source, started_at DESC);
                    """)
        }
        migrator.registerMigration("v3-leases", foreignKeyChecks: checks) { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS ingestion_leases (
                        source TEXT PRIMARY KEY,
                        holder TEXT NOT NULL,
                        acquired_at TEXT NOT NULL,
                        expires_at TEXT NOT NULL
                    )
                    """)
        }
        migrator.registerMigration("v4-indexes", foreignKeyChecks: checks) { db in
            // Files made by the first release kept keys on songs: keep their look-ups indexed.
            let columns = Set(try db.columns(in: "songs").map(\.name))
            guard columns.contains("key_version") else { return }
            try db.execute(
                sql: """
                    CREATE INDEX IF NOT EXISTS songs_key_version_idx ON songs (key_version);
                    CREATE INDEX IF NOT EXISTS songs_awaiting_embedding_idx ON songs (created_at) WHERE embedding_version = 0;
                    """)
        }
        migrator.registerMigration("v5-keys-and-failures", foreignKeyChecks: checks) { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS radio_ingest_song_keys (
                        song_id TEXT PRIMARY KEY,
                        computed_key TEXT,
                        match_key TEXT,
                        key_version INTEGER NOT NULL,
                        keyed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now'))
                    );
                    CREATE UNIQUE INDEX IF NOT EXISTS radio_ingest_song_keys_match_key ON radio_ingest_song_keys (match_key);
                    CREATE INDEX IF NOT EXISTS radio_ingest_song_keys_computed_key ON radio_ingest_song_keys (computed_key);
                    CREATE TABLE IF NOT EXISTS radio_ingest_failed_plays (
                        source TEXT NOT NULL,
                        source_play_id TEXT NOT NULL,
                        record TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        run_id INTEGER,
                        attempts INTEGER NOT NULL DEFAULT 1,
                        first_failed_at TEXT NOT NULL,
                        last_failed_at TEXT NOT NULL,
                        PRIMARY KEY (source, source_play_id)
                    );
                    """)
            // A file made by the first release kept keys on songs: copy them over.
            let columns = Set(try db.columns(in: "songs").map(\.name))
            if columns.contains("match_key") && columns.contains("key_version") {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO radio_ingest_song_keys (song_id, computed_key, match_key, key_version)
                        SELECT id, match_key, match_key, key_version FROM songs WHERE key_version IS NOT NULL
                        """)
            }
        }
        migrator.registerMigration("v6-late-and-changed-plays", foreignKeyChecks: checks) { db in
            try db.execute(
                sql: """
                    ALTER TABLE ingestion_runs ADD COLUMN late_plays INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE ingestion_runs ADD COLUMN edited_upstream INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE ingestion_runs ADD COLUMN withdrawn_upstream INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE ingestion_runs ADD COLUMN skip_reasons TEXT NOT NULL DEFAULT '{}';
                    CREATE TABLE IF NOT EXISTS radio_ingest_play_revisions (
                        source TEXT NOT NULL,
                        source_play_id TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        title TEXT NOT NULL,
                        artist TEXT NOT NULL,
                        record TEXT,
                        run_id INTEGER,
                        noticed_at TEXT NOT NULL,
                        PRIMARY KEY (source, source_play_id, kind, title, artist)
                    );
                    """)
        }
        migrator.registerMigration("v7-duplicates-index", foreignKeyChecks: checks) { db in
            try db.execute(sql: SQLiteSchema.duplicatesIndex)
        }
        return migrator
    }

    /// Replaces the index of every computed key with one of the duplicates' only. A key's
    /// holder has `match_key = computed_key`, so the report finds a group through its
    /// duplicates (this index) and its holder through the match-key index. Keying a large
    /// catalog then updates two B-trees at random places per song instead of three.
    static let duplicatesIndex = """
        DROP INDEX IF EXISTS radio_ingest_song_keys_computed_key;
        CREATE INDEX IF NOT EXISTS radio_ingest_song_keys_duplicates ON radio_ingest_song_keys (computed_key) WHERE match_key IS NULL;
        """

    /// The key table's two indexes as the migrations leave them: a first keying pass drops
    /// them and builds them again once its keys are in (``StagedKeyWriter``).
    static let keyIndexes = (
        drop: """
        DROP INDEX radio_ingest_song_keys_match_key;
        DROP INDEX radio_ingest_song_keys_duplicates;
        """,
        create: """
        CREATE UNIQUE INDEX radio_ingest_song_keys_match_key ON radio_ingest_song_keys (match_key);
        CREATE INDEX radio_ingest_song_keys_duplicates ON radio_ingest_song_keys (computed_key) WHERE match_key IS NULL;
        """
    )

    /// Tables that mark a file as a catalog (or a songs database we may extend).
    static let catalogTables = ["songs", "external_plays", "ingestion_checkpoints", "grdb_migrations"]
}
