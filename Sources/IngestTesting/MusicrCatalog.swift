import Foundation

/// A reproduction of Musicr's catalog (github.com/cfiorelli/musicr, `apps/api/prisma/migrations/`),
/// written from the facts of its migrations: uuid ids made by the application, `"createdAt"` and
/// a NOT NULL `"updatedAt"` without a default, `embedding_version` defaulting to 1, a unique
/// `mbid`, an `isrc varchar(12)` unique when present, and the `external_plays` and
/// `ingestion_checkpoints` tables its KEXP migration made. pgvector is not packaged here, so
/// `embedding_vector vector(384)` is `real[]`.
///
/// Tests build it, run RadioIngest on it, and check it is used as it is, never altered.
public enum MusicrCatalog {
    /// The application's songs already in the catalog, with their ids.
    public struct AppSong: Sendable {
        public var id: String
        public var title: String
        public var artist: String
        public var mbid: String?
        public var isrc: String?
    }

    /// Songs the generated KEXP feed plays (by MBID, by key in other case and with a
    /// "(Remastered)" tag), and one it never plays.
    public static let appSongs: [AppSong] = [
        AppSong(
            id: "6f1f2c1e-0000-4000-8000-000000000001", title: "A Different Title", artist: "Someone Else",
            mbid: "00000000-0000-4000-8000-000000000000", isrc: "USABC0000001"),
        AppSong(id: "6f1f2c1e-0000-4000-8000-000000000002", title: "SONG 1", artist: "artist 1"),
        AppSong(id: "6f1f2c1e-0000-4000-8000-000000000003", title: "Song 2 (Remastered)", artist: "Artist 2"),
        AppSong(id: "6f1f2c1e-0000-4000-8000-000000000004", title: "Never Played", artist: "Nobody", isrc: "GBXYZ9900001"),
    ]

    /// The DDL for PostgreSQL.
    public static let postgresDDL = """
        CREATE TABLE "songs" (
            "id" UUID NOT NULL,
            "title" TEXT NOT NULL,
            "artist" TEXT NOT NULL,
            "year" INTEGER,
            "popularity" INTEGER NOT NULL DEFAULT 0,
            "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
            "phrases" TEXT[] DEFAULT ARRAY[]::TEXT[],
            "mbid" TEXT,
            "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
            "updatedAt" TIMESTAMP(3) NOT NULL,
            "isrc" VARCHAR(12),
            "album" TEXT,
            "source" TEXT DEFAULT 'manual',
            "source_url" TEXT,
            "embedding_vector" REAL[],
            "is_placeholder" BOOLEAN NOT NULL DEFAULT false,
            "import_batch_id" UUID,
            "primary_artist" TEXT,
            "primary_artist_mbid" TEXT,
            "artist_credit" TEXT,
            "embedding_version" INTEGER NOT NULL DEFAULT 1,
            CONSTRAINT "songs_pkey" PRIMARY KEY ("id")
        );
        CREATE UNIQUE INDEX "songs_mbid_key" ON "songs"("mbid");
        CREATE INDEX "idx_songs_tags" ON "songs" USING GIN ("tags");
        CREATE INDEX "idx_songs_title_artist" ON "songs"("title", "artist");
        CREATE INDEX "idx_songs_is_placeholder" ON "songs"("is_placeholder");
        CREATE UNIQUE INDEX "idx_songs_isrc" ON "songs"("isrc") WHERE "isrc" IS NOT NULL;
        CREATE INDEX "idx_songs_embedding_version" ON "songs"("embedding_version");
        CREATE TABLE "messages" (
            "id" UUID NOT NULL,
            "text" TEXT NOT NULL,
            "chosenSongId" UUID,
            "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
            CONSTRAINT "messages_pkey" PRIMARY KEY ("id")
        );
        ALTER TABLE "messages" ADD CONSTRAINT "messages_chosenSongId_fkey" FOREIGN KEY ("chosenSongId")
            REFERENCES "songs"("id") ON DELETE SET NULL ON UPDATE CASCADE;
        CREATE TABLE "external_plays" (
            "id" UUID NOT NULL DEFAULT gen_random_uuid(),
            "source" TEXT NOT NULL,
            "source_play_id" TEXT NOT NULL,
            "title" TEXT NOT NULL,
            "artist" TEXT NOT NULL,
            "album" TEXT,
            "airdate" TIMESTAMPTZ,
            "mbid" TEXT,
            "year" INTEGER,
            "song_id" UUID,
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP,
            CONSTRAINT "external_plays_pkey" PRIMARY KEY ("id")
        );
        CREATE TABLE "ingestion_checkpoints" (
            "source" TEXT NOT NULL,
            "cursor" TEXT,
            "metadata" JSONB,
            "updated_at" TIMESTAMPTZ NOT NULL,
            CONSTRAINT "ingestion_checkpoints_pkey" PRIMARY KEY ("source")
        );
        CREATE UNIQUE INDEX "idx_external_plays_source_play_id" ON "external_plays"("source", "source_play_id");
        CREATE INDEX "idx_external_plays_source" ON "external_plays"("source");
        CREATE INDEX "idx_external_plays_song_id" ON "external_plays"("song_id");
        ALTER TABLE "external_plays" ADD CONSTRAINT "external_plays_song_id_fkey"
            FOREIGN KEY ("song_id") REFERENCES "songs"("id") ON DELETE SET NULL ON UPDATE CASCADE;
        """

    /// The same catalog as an application would declare it in SQLite (Prisma's SQLite types:
    /// text ids, `DATETIME` times).
    public static let sqliteDDL = """
        CREATE TABLE "songs" (
            "id" TEXT NOT NULL PRIMARY KEY,
            "title" TEXT NOT NULL,
            "artist" TEXT NOT NULL,
            "year" INTEGER,
            "popularity" INTEGER NOT NULL DEFAULT 0,
            "mbid" TEXT,
            "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
            "updatedAt" DATETIME NOT NULL,
            "isrc" VARCHAR(12),
            "album" TEXT,
            "source" TEXT DEFAULT 'manual',
            "embedding_vector" BLOB,
            "is_placeholder" BOOLEAN NOT NULL DEFAULT false,
            "embedding_version" INTEGER NOT NULL DEFAULT 1
        );
        CREATE UNIQUE INDEX "songs_mbid_key" ON "songs"("mbid");
        CREATE UNIQUE INDEX "idx_songs_isrc" ON "songs"("isrc") WHERE "isrc" IS NOT NULL;
        CREATE TABLE "external_plays" (
            "id" TEXT NOT NULL PRIMARY KEY,
            "source" TEXT NOT NULL,
            "source_play_id" TEXT NOT NULL,
            "title" TEXT NOT NULL,
            "artist" TEXT NOT NULL,
            "album" TEXT,
            "airdate" DATETIME,
            "mbid" TEXT,
            "year" INTEGER,
            "song_id" TEXT REFERENCES "songs"("id") ON DELETE SET NULL ON UPDATE CASCADE,
            "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
        );
        CREATE TABLE "ingestion_checkpoints" (
            "source" TEXT NOT NULL PRIMARY KEY,
            "cursor" TEXT,
            "metadata" TEXT,
            "updated_at" DATETIME NOT NULL
        );
        CREATE UNIQUE INDEX "idx_external_plays_source_play_id" ON "external_plays"("source", "source_play_id");
        CREATE INDEX "idx_external_plays_song_id" ON "external_plays"("song_id");
        """

    /// INSERTs of ``appSongs`` as the application makes them: it fills `"updatedAt"`, and
    /// songs it has embedded carry a vector and `embedding_version` 1.
    public static func appSongInserts(postgres: Bool) -> String {
        appSongs.map { song in
            let vector = postgres ? "ARRAY[0.1, 0.2]::real[]" : "X'00'"
            func text(_ value: String?) -> String { value.map { "'\($0)'" } ?? "NULL" }
            return """
                INSERT INTO songs (id, title, artist, mbid, isrc, "updatedAt", embedding_vector)
                VALUES ('\(song.id)', '\(song.title)', '\(song.artist)', \(text(song.mbid)), \(text(song.isrc)), CURRENT_TIMESTAMP, \(vector));
                """
        }.joined(separator: "\n")
    }

    /// Musicr's embedding backfill's selection: songs without a vector, oldest first.
    public static let embeddingBackfillQuery = "SELECT count(*) FROM songs WHERE embedding_vector IS NULL"
}
