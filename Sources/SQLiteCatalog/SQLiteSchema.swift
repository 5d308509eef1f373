import GRDB

/// The embedded catalog's schema as GRDB migrations, recorded in `grdb_migrations`, so a file
/// from an older version is upgraded in place. Timestamps are RFC 3339 text in UTC with
/// microseconds, which sorts chronologically.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-catalog") { db in
            if try db.tableExists("songs") {
                // A songs table from another application: add only what it lacks.
                let existing = Set(try db.columns(in: "songs").map { $0.name.lowercased() })
                let wanted: [(String, String)] = [
                    ("album", "TEXT"), ("year", "INTEGER"), ("mbid", "TEXT"), ("isrc", "TEXT"), ("source", "TEXT"),
                    ("is_placeholder", "INTEGER NOT NULL DEFAULT 0"), ("embedding_version", "INTEGER"),
                    ("match_key", "TEXT"), ("key_version", "INTEGER"), ("created_at", "TEXT"),
                ]
                for (name, type) in wanted where !existing.contains(name) {
                    try db.execute(sql: "ALTER TABLE songs ADD COLUMN \(name) \(type)")
                }
            } else {
                try db.execute(
                    sql: """
                        CREATE TABLE songs (
                            id TEXT PRIMARY KEY,
                            title TEXT NOT NULL,
                            artist TEXT NOT NULL,
                            album TEXT, year INTEGER, mbid TEXT, isrc TEXT, source TEXT,
                            is_placeholder INTEGER NOT NULL DEFAULT 0,
                            embedding_version INTEGER,
                            match_key TEXT, key_version INTEGER,
                            created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now'))
                        )
                        """)
            }
            try db.execute(
                sql: """
                    CREATE UNIQUE INDEX IF NOT EXISTS songs_match_key_key ON songs (match_key);
                    CREATE INDEX IF NOT EXISTS songs_mbid_idx ON songs (mbid);
                    CREATE TABLE IF NOT EXISTS external_plays (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        source TEXT NOT NULL,
                        source_play_id TEXT NOT NULL,
                        title TEXT NOT NULL,
                        artist TEXT NOT NULL,
                        album TEXT, airdate TEXT, mbid TEXT, isrc TEXT, year INTEGER,
                        song_id TEXT REFERENCES songs (id),
                        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%f000+00:00', 'now')),
                        UNIQUE (source, source_play_id)
                    );
                    CREATE INDEX IF NOT EXISTS external_plays_source_idx ON external_plays (source);
                    CREATE INDEX IF NOT EXISTS external_plays_song_id_idx ON external_plays (song_id);
                    CREATE TABLE IF NOT EXISTS ingestion_checkpoints (
                        source TEXT PRIMARY KEY,
                        cursor TEXT,
                        metadata TEXT,
                        updated_at TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v2-run-history") { db in
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
        migrator.registerMigration("v3-leases") { db in
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
        migrator.registerMigration("v4-indexes") { db in
            // Each run looks for unkeyed songs and counts songs awaiting an embedding.
            try db.execute(
                sql: """
                    CREATE INDEX IF NOT EXISTS songs_key_version_idx ON songs (key_version);
                    CREATE INDEX IF NOT EXISTS songs_awaiting_embedding_idx ON songs (created_at) WHERE embedding_version = 0;
                    """)
        }
        return migrator
    }

    /// Tables that mark a file as a catalog (or a songs database we may extend).
    static let catalogTables = ["songs", "external_plays", "ingestion_checkpoints", "grdb_migrations"]
}
