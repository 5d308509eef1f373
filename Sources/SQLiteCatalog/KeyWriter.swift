import GRDB
import IngestEngine

/// Where the keying pass stores its batches: ``KeyWriter`` on a catalog that holds keys
/// already, ``StagedKeyWriter`` on one that holds none yet.
protocol KeyBatchWriter: Actor {
    /// Stores one batch's computed keys, in creation order; returns how many songs it took.
    func store(_ songs: [SongKeying.Unkeyed], keys: [String?]) async throws -> Int
    /// Makes what was stored part of the catalog.
    func commit() async throws
    /// Drops what is not committed yet (with blocking calls: a cancelled task must still).
    func abandon()
}

extension KeyBatchWriter {
    /// Runs `body`; when it fails, drops what is not committed, then rethrows.
    func abandoningOnFailure<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            abandon()
            throw error
        }
    }
}

/// Stores the keying pass's batches in transactions of several batches each.
///
/// Keys land at random places in the key table's B-trees, and each commit writes every page it
/// touched to the write-ahead log. Once the table has more pages than a batch has songs, a
/// commit per batch writes nearly one page per song, and the pass grows faster than the
/// catalog (1,000,000 songs 21.9 s, 2,000,000 48.5 s). A transaction of ten batches writes a
/// page touched by several of them once: 17.8 s and 37.5 s. Pages the transaction dirtied
/// beyond the writer's cache spill to the log, so memory does not grow.
///
/// Each transaction holds the store's write gate, so page writes of this process wait for it
/// (about two seconds) and never interleave with it.
actor KeyWriter: KeyBatchWriter {
    /// Songs per transaction: ten batches of ``SQLiteCatalog/keyingBatchSize``.
    static let songsPerTransaction = 100_000

    let catalog: SQLiteCatalog
    /// Whether keys of an older version may stand in the way (and are deleted first).
    let replacingOlder: Bool
    var open = false
    var songsInTransaction = 0

    init(catalog: SQLiteCatalog, replacingOlder: Bool) {
        self.catalog = catalog
        self.replacingOlder = replacingOlder
    }

    /// Stores one batch's keys, beginning a transaction first if none is open and committing
    /// it once it holds ``songsPerTransaction`` songs. On failure the transaction rolls back.
    func store(_ songs: [SongKeying.Unkeyed], keys: [String?]) async throws -> Int {
        try await abandoningOnFailure {
            if !open {
                await catalog.gate.lock()
                open = true
                try await catalog.writer.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
            }
            let replacingOlder = self.replacingOlder
            try await catalog.writer.writeWithoutTransaction { db in
                try SQLiteCatalog.storeKeys(for: songs, keys: keys, replacingOlder: replacingOlder, in: db)
            }
            songsInTransaction += songs.count
            if songsInTransaction >= Self.songsPerTransaction { try await commit() }
            return songs.count
        }
    }

    /// Commits the open transaction, if any.
    func commit() async throws {
        guard open else { return }
        try await abandoningOnFailure { try await catalog.writer.writeWithoutTransaction { try $0.execute(sql: "COMMIT") } }
        release()
    }

    /// Rolls back the open transaction, if any (with the blocking call: a cancelled task must
    /// still roll back).
    func abandon() {
        guard open else { return }
        SQLiteCatalog.rollback(catalog.writer)
        release()
    }

    private func release() {
        open = false
        songsInTransaction = 0
        catalog.gate.unlock()
    }
}
