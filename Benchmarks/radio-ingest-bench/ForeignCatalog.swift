import Foundation
import IngestTesting

/// A catalog another program filled: Musicr's tables with `count` songs and no match keys.
/// One song in 7 carries a remaster tag and one in 11 a featured credit; the first songs are
/// the feed's own (in other case, some tagged), so a first run has matching to do.
enum ForeignCatalog {
    static func fill(_ catalog: TestCatalog, songs count: Int, feedSongs: Int) async throws {
        switch catalog.kind {
        case .postgres:
            try await catalog.executeScript(MusicrCatalog.postgresDDL)
            try await catalog.execute(
                """
                INSERT INTO songs (id, title, artist, mbid, "updatedAt", "createdAt")
                SELECT gen_random_uuid(), \(title("g")), \(artist("g")), NULL, now(), now() - (\(count) - g) * interval '1 second'
                FROM generate_series(0, \(count - 1)) AS g
                """.replacingOccurrences(of: "FEED", with: "\(feedSongs)"))
            try await catalog.execute("ANALYZE songs")
        case .sqlite:
            try await catalog.executeScript(MusicrCatalog.sqliteDDL)
            try await catalog.execute(
                """
                WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < \(count - 1))
                INSERT INTO songs (id, title, artist, "updatedAt")
                SELECT lower(hex(randomblob(16))), \(title("n")), \(artist("n")), CURRENT_TIMESTAMP FROM g
                """.replacingOccurrences(of: "FEED", with: "\(feedSongs)"))
        }
    }

    /// `count` plays of another station, spread over the catalog's `songs` songs, then (on
    /// PostgreSQL) the statistics autovacuum would have gathered by then.
    static func addPlays(_ catalog: TestCatalog, count: Int, songs: Int) async throws {
        switch catalog.kind {
        case .postgres:
            try await catalog.execute(
                """
                WITH s AS (SELECT id, title, artist, row_number() OVER () - 1 AS n FROM songs)
                INSERT INTO external_plays (source, source_play_id, title, artist, song_id, airdate)
                SELECT 'another-station', g::text, s.title, s.artist, s.id, now() - g * interval '3 minutes'
                FROM generate_series(0, \(count - 1)) AS g JOIN s ON s.n = g % \(songs)
                """)
            try await catalog.execute("ANALYZE external_plays")
        case .sqlite:
            try await catalog.execute(
                """
                WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < \(count - 1))
                INSERT INTO external_plays (id, source, source_play_id, title, artist, song_id, airdate)
                SELECT lower(hex(randomblob(16))), 'another-station', g.n, s.title, s.artist, s.id, datetime('now', '-' || (g.n * 3) || ' minutes')
                FROM g JOIN songs s ON s.rowid = g.n % \(songs) + 1
                """)
        }
    }

    /// Titles: the feed's songs first ("SONG 12", "Song 13 (Remastered 2011)"), then others.
    static func title(_ n: String) -> String {
        """
        CASE WHEN \(n) < FEED THEN (CASE WHEN \(n) % 2 = 0 THEN 'SONG ' ELSE 'Song ' END) || \(n) ELSE 'Catalog Song ' || \(n) END
        || CASE WHEN \(n) % 7 = 3 THEN ' (Remastered ' || (1990 + \(n) % 30) || ')' ELSE '' END
        """
    }

    static func artist(_ n: String) -> String {
        """
        CASE WHEN \(n) < FEED THEN 'Artist ' || (\(n) % 97) ELSE 'Catalog Artist ' || (\(n) % 50000) END
        || CASE WHEN \(n) % 11 = 5 THEN ' feat. Guest ' || (\(n) % 300) ELSE '' END
        """
    }
}
