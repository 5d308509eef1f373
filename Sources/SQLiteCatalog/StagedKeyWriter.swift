import GRDB
import IngestCore
import IngestEngine

/// Keys a catalog that holds no keys yet (the first run on a catalog another program filled):
/// the pass stages each song's computed key in a temporary table, in creation order, and one
/// transaction at the end assigns the keys and writes them all.
///
/// Written batch by batch (``KeyWriter``), each key lands at a random place in the key table's
/// `song_id` and `match_key` indexes; once they outgrow the cache every transaction rewrites
/// most of their pages, and the pass grows faster than the catalog (1,000,000 songs 12.5 to
/// 15.3 s, 2,000,000 32.6 to 36.2 s). Here the staged rows are sorted instead: grouped by key,
/// to find the keys several songs compute and their holder (the oldest of them), then by song
/// id for the insert, so the `song_id` index fills front to back; the `match_key` index is
/// dropped for the insert and built again from a sort. Every step reads and writes in order,
/// so the pass stays linear (1,000,000 songs 9.7 to 11.6 s, 2,000,000 19.8 to 22.9 s).
///
/// The last transaction holds the catalog's write lock while it runs (4 to 5 s per 1,000,000
/// songs here); another process's writes wait for it. It is all or nothing: a pass stopped
/// before it ends keeps no keys, and the next pass starts over.
actor StagedKeyWriter: KeyBatchWriter {
    let catalog: SQLiteCatalog
    var staging = false

    init(catalog: SQLiteCatalog) {
        self.catalog = catalog
    }

    func store(_ songs: [SongKeying.Unkeyed], keys: [String?]) async throws -> Int {
        try await abandoningOnFailure {
            let fresh = !staging
            staging = true
            try await catalog.writer.writeWithoutTransaction { db in
                if fresh { try db.execute(sql: Self.createStaging) }
                // Only the temporary table is written: the catalog's write lock is not taken.
                try db.inTransaction(.deferred) {
                    let insert = try db.cachedStatement(
                        sql: "INSERT INTO temp.radio_ingest_staged_keys (song_id, computed_key) VALUES (?, ?)")
                    for (song, key) in zip(songs, keys) { try insert.execute(arguments: [song.id, key]) }
                    return .commit
                }
            }
            return songs.count
        }
    }

    func commit() async throws {
        guard staging else { return }
        await catalog.gate.lock()
        defer { catalog.gate.unlock() }
        try await abandoningOnFailure {
            try await catalog.writer.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    // Another process may have keyed songs while this pass staged its own: its
                    // keys stand, each staged key is checked against them, and the indexes stay.
                    let empty = try Bool.fetchOne(db, sql: "SELECT NOT EXISTS (SELECT 1 FROM radio_ingest_song_keys)") ?? false
                    guard empty else {
                        try db.execute(sql: Self.insertAssigned(checkingTaken: true), arguments: [SongKey.version])
                        return .commit
                    }
                    // Its sorts take as much memory as the page cache may: every step reads and
                    // writes in order, so a small cache does, and the pass stays under 100 MB
                    // (95 MiB with the writer's 16 MiB cache, 2,000,000 songs). The sorts may use
                    // a second thread: the pass's other core is idle by now (2,000,000 songs:
                    // this step 11.1-12.1 s on one thread, 8.1-10.2 s on two).
                    try db.execute(sql: "PRAGMA cache_size = -\(Self.cacheKiB); PRAGMA threads = 2")
                    defer { try? db.execute(sql: "PRAGMA cache_size = -\(SQLiteCatalog.writerCacheKiB); PRAGMA threads = 0") }
                    try db.execute(
                        sql: SQLiteSchema.keyIndexes.drop + Self.insertAssigned(checkingTaken: false) + SQLiteSchema.keyIndexes.create,
                        arguments: [SongKey.version])
                    return .commit
                }
            }
        }
        dropStaging()
    }

    func abandon() {
        SQLiteCatalog.rollback(catalog.writer)
        dropStaging()
    }

    private func dropStaging() {
        guard staging else { return }
        staging = false
        try? catalog.writer.writeWithoutTransaction { try $0.execute(sql: "DROP TABLE IF EXISTS temp.radio_ingest_staged_keys") }
    }

    /// The page cache while the keys are sorted and written, in KiB.
    static let cacheKiB = 4_096

    /// A staged song's rowid is its place in creation order.
    static let createStaging = """
        DROP TABLE IF EXISTS temp.radio_ingest_staged_keys;
        DROP TABLE IF EXISTS temp.radio_ingest_shared_keys;
        CREATE TEMP TABLE radio_ingest_staged_keys (song_id TEXT NOT NULL, computed_key TEXT);
        """

    /// Every staged song's key; the oldest song computing a key holds it, the others are its
    /// duplicates (keyed without one), and so is a song whose key a song keyed before holds
    /// (`checkingTaken`; an empty key table needs no check). Keys computed by more than one song
    /// are found first, by a grouping sort (a window over every key took twice as long: most
    /// keys are unique); the keys are then inserted in song-id order.
    static func insertAssigned(checkingTaken: Bool) -> String {
        let notTaken = checkingTaken ? "NOT EXISTS (SELECT 1 FROM radio_ingest_song_keys k WHERE k.match_key = s.computed_key)" : "1"
        return """
            CREATE TEMP TABLE radio_ingest_shared_keys (computed_key TEXT PRIMARY KEY, holder INTEGER NOT NULL) WITHOUT ROWID;
            INSERT INTO temp.radio_ingest_shared_keys
            SELECT computed_key, min(rowid) FROM temp.radio_ingest_staged_keys
            WHERE computed_key IS NOT NULL GROUP BY computed_key HAVING count(*) > 1;
            INSERT OR IGNORE INTO radio_ingest_song_keys (song_id, computed_key, match_key, key_version)
            SELECT s.song_id, s.computed_key, CASE WHEN (d.holder IS NULL OR d.holder = s.rowid) AND \(notTaken) THEN s.computed_key END, ?1
            FROM temp.radio_ingest_staged_keys s LEFT JOIN temp.radio_ingest_shared_keys d ON d.computed_key = s.computed_key
            ORDER BY s.song_id;
            DROP TABLE temp.radio_ingest_shared_keys;
            """
    }
}
