import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import Testing

/// Whichever way a store keys a catalog (a first pass in one sorted statement, a later pass
/// checking keys already held, SQLite batch by batch), the rule holds: the oldest song
/// computing a key holds it, the others are its duplicates, a song without a key is marked
/// keyed, and the duplicates report lists each group with its holder first.
@Suite struct KeyingRuleTests {
    /// Song n (created n seconds after the first): ids fall as songs are created, so id order
    /// is the reverse of creation order; up to song 4,500 "Song k" by "Artist k" recurs every
    /// 1,500 songs, a third of them with a guest credit, and the songs after it are unique;
    /// every 500th song has no title.
    static let count = 6_000
    static func id(_ n: Int) -> String { "song-" + String(100_000 - n) }
    static func title(_ n: Int) -> String { n % 500 == 0 ? "" : n > 4_500 ? "Solo \(n)" : "Song \(n % 1_500)" }
    static func artist(_ n: Int) -> String { "Artist \(n % 1_500)" + (n % 3 == 0 ? " feat. Guest" : "") }
    static func created(_ n: Int) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: 1_700_000_000 + Double(n)))
    }

    /// What the rule gives: every song's (id, computed key, match key), by id; each key's holder.
    static func expected() -> (rows: [[String]], holders: [String: String]) {
        var rows: [String: [String]] = [:]
        var holders: [String: String] = [:]
        for n in 1...count {
            let key = SongKey.make(title: title(n), artist: artist(n))
            let holds = key.map { holders[$0] == nil } ?? false
            if let key, holds { holders[key] = id(n) }
            rows[id(n)] = [id(n), key ?? "NULL", holds ? key! : "NULL"]
        }
        return (rows.keys.sorted().map { rows[$0]! }, holders)
    }

    @Test(arguments: StoreKind.available, [false, true])
    func aPassKeysAsTheRuleSays(kind: StoreKind, holdingKeys: Bool) async throws {
        let (rows, holders) = Self.expected()
        try await TestCatalog.withStore(kind) { catalog, store in
            let values = (1...Self.count).map { "('\(Self.id($0))', '\(Self.title($0))', '\(Self.artist($0))', '\(Self.created($0))')" }
            try await catalog.execute("INSERT INTO songs (id, title, artist, created_at) VALUES \(values.joined(separator: ", "))")
            if holdingKeys {
                // A key held by a song of the catalog's, so that the pass finds keys there.
                try await catalog.execute("INSERT INTO songs (id, title, artist) VALUES ('other-1', 'Another Song', 'Another Artist')")
                try await catalog.execute(
                    """
                    INSERT INTO radio_ingest_song_keys (song_id, computed_key, match_key, key_version)
                    VALUES ('other-1', 'another song|another artist', 'another song|another artist', \(SongKey.version))
                    """)
            }
            #expect(try await store.prepareForMatching(readOnly: false) == Self.count)
            let stored = try await catalog.rows(
                "SELECT song_id, computed_key, match_key FROM radio_ingest_song_keys WHERE song_id LIKE 'song-%' ORDER BY song_id")
            #expect(stored.count == rows.count)
            let wrong = zip(stored, rows).filter { $0 != $1 }
            #expect(wrong.isEmpty, "\(wrong.count) rows differ; first ones (stored, expected): \(wrong.prefix(3))")
            let report = try await store.duplicateSongs(limit: 10_000)
            #expect(!report.isEmpty && report.count < holders.count, "the catalog has duplicates, and unique songs too")
            for group in report {
                #expect(group.songs.first?.id == holders[group.key] && group.songs.first?.canonical == true)
                #expect(group.songs.dropFirst().allSatisfy { !$0.canonical && rows.contains([$0.id, group.key, "NULL"]) })
            }
            #expect(try await store.prepareForMatching(readOnly: false) == 0, "a second pass finds nothing to do")
        }
    }
}
