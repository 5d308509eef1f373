import Foundation
import IngestCore
import Logging

/// How a play found its song.
public enum MatchMethod: String, Sendable, Codable {
    case mbid
    case key
}

/// What became of one play when its page was written (or, in a dry run, would become).
public enum PlayDisposition: Sendable, Equatable {
    /// The play was already stored for this source.
    case duplicate
    /// The play was linked to a song that already existed.
    case matched(songID: String, by: MatchMethod)
    /// The play created a new song.
    case newSong(songID: String)
    /// The play was linked to a song that an earlier play of the same page or run created.
    case linkedToNewSong(songID: String)
    /// The database rejected the play; the rest of the page still landed.
    case failed(reason: String)
}

/// One page's writes, committed atomically: new songs, provenance rows and the checkpoint.
public struct PageBatch: Sendable {
    /// The source name.
    public var source: String
    /// Valid plays, unique by `sourcePlayID` within the batch, in page order.
    public var plays: [Play]
    /// The checkpoint as it stands once this page is in; `nil` leaves it as it is (a retry of
    /// failed plays).
    public var checkpoint: Checkpoint?
    /// Each play's ``SongKey``, computed once, in play order.
    public let matchKeys: [String]
    /// The run writing the page, saved with it: its counters (so a killed run shows what it
    /// did) and the lease it must still hold (checked, and renewed, inside the page's transaction).
    public var run: RunProgress?

    /// A batch of `plays`; their keys come from `memo` when given (a walk's keys computed ahead).
    public init(source: String, plays: [Play], checkpoint: Checkpoint?, run: RunProgress? = nil, memo: SongKeyMemo? = nil) {
        self.source = source
        self.plays = plays
        self.checkpoint = checkpoint
        self.run = run
        self.matchKeys = memo.map { memo in plays.map { memo.key(title: $0.title, artist: $0.artist) } } ?? plays.map(PagePlan.key(for:))
    }

    /// The lease the page's transaction renews: its run's, when it moves the checkpoint.
    public var leaseToRenew: LeaseRenewal? {
        guard checkpoint != nil, let run else { return nil }
        return LeaseRenewal(source: source, holder: run.holder, ttl: run.leaseTTL)
    }
}

/// What a page's transaction records of the run writing it.
public struct RunProgress: Sendable {
    public var runID: Int64
    /// The run's counters before this page's writes (its fetch counts included).
    public var counters: RunCounters
    /// The lease the run holds: the page commits only while `holder` still holds it.
    public var holder: String
    public var leaseTTL: Duration

    public init(runID: Int64, counters: RunCounters, holder: String, leaseTTL: Duration) {
        self.runID = runID
        self.counters = counters
        self.holder = holder
        self.leaseTTL = leaseTTL
    }
}

/// A run's lease on its source, renewed inside each page's transaction: a process paused or cut
/// off past its lease never commits over the process that took the source over.
public struct LeaseRenewal: Sendable, Equatable {
    public var source: String
    public var holder: String
    public var ttl: Duration

    public init(source: String, holder: String, ttl: Duration) {
        self.source = source
        self.holder = holder
        self.ttl = ttl
    }
}

/// One row of run history.
public struct RunRecord: Sendable, Equatable, Codable {
    public var id: Int64?
    public var source: String
    /// The flags or options the run was started with, as JSON.
    public var flagsJSON: String
    public var startedAt: Date
    public var finishedAt: Date?
    /// `running`, `complete`, `partial`, `failed` or `interrupted`.
    public var status: String
    public var counters: RunCounters
    public var error: String?

    public init(
        id: Int64? = nil, source: String, flagsJSON: String, startedAt: Date, finishedAt: Date? = nil,
        status: String, counters: RunCounters = .init(), error: String? = nil
    ) {
        self.id = id
        self.source = source
        self.flagsJSON = flagsJSON
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.counters = counters
        self.error = error
    }
}

/// The answer to a lease request.
public enum LeaseOutcome: Sendable, Equatable {
    case acquired
    /// Another process holds the source until `until`.
    case heldBy(holder: String, until: Date)
}

/// Catalog songs whose titles and artists give the same key: possible duplicates, for the
/// catalog owner to decide on (RadioIngest never merges or rewrites songs).
public struct DuplicateGroup: Sendable, Equatable, Codable {
    public struct Song: Sendable, Equatable, Codable {
        public var id: String
        public var title: String
        public var artist: String
        /// Plays linked to it.
        public var plays: Int
        /// Whether it holds the key, so new plays link to it (the oldest does).
        public var canonical: Bool

        public init(id: String, title: String, artist: String, plays: Int, canonical: Bool) {
            self.id = id
            self.title = title
            self.artist = artist
            self.plays = plays
            self.canonical = canonical
        }
    }
    public var key: String
    /// The canonical song first.
    public var songs: [Song]

    public init(key: String, songs: [Song]) {
        self.key = key
        self.songs = songs
    }

    /// Rows ordered by key (canonical song first within a key), gathered into groups.
    public static func grouping(_ rows: [(key: String, song: Song)]) -> [DuplicateGroup] {
        var groups: [DuplicateGroup] = []
        for (key, song) in rows {
            if groups.last?.key == key {
                groups[groups.count - 1].songs.append(song)
            } else {
                groups.append(DuplicateGroup(key: key, songs: [song]))
            }
        }
        return groups
    }
}

/// A song inserted by RadioIngest that still needs an embedding.
public struct PendingSong: Sendable, Equatable, Codable {
    public var id: String
    public var title: String
    public var artist: String
    public var source: String?
    public var createdAt: Date

    public init(id: String, title: String, artist: String, source: String?, createdAt: Date) {
        self.id = id
        self.title = title
        self.artist = artist
        self.source = source
        self.createdAt = createdAt
    }
}

/// The song catalog and its ingestion bookkeeping, as the engine sees it.
///
/// One protocol for every backend (PostgreSQL, SQLite). A store holds SQL, not decisions: the
/// ``PageWriter`` plans and writes pages through a ``CatalogSession`` the store opens. A
/// conformer must:
/// - run a write session as one transaction (songs, plays, failed plays, checkpoint) so that a
///   crash loses nothing committed and duplicates nothing, and a read session as a transaction
///   that cannot write;
/// - never alter tables it did not create: where another application owns `songs`,
///   `external_plays` or `ingestion_checkpoints`, only insert into them (and upsert checkpoints);
///   the tool's own state lives in its own tables;
/// - adapt its writes to ``catalogSchema()``, the layout it found;
/// - tell a row the database refused from a failure of the database as a whole
///   (``rejectionReason(_:)``).
///
/// `StoreConformanceTests` runs the same battery against every conformer.
public protocol CatalogStore: Sendable {
    /// A short name for logs: `postgres` or `sqlite`.
    var kind: String { get }
    /// Where the catalog is, for people: the URL with any password masked, or the file path.
    var location: String { get }
    /// Creates or upgrades the tool's own tables (and the catalog's, where absent); idempotent.
    /// Returns what it applied, one line each.
    @discardableResult
    func migrate() async throws -> [String]
    /// The catalog's layout, found by introspection once and then cached; throws a storage
    /// error naming the column when the catalog cannot be written as it is.
    func catalogSchema() async throws -> CatalogSchema
    /// Gives keys (``SongKey``) to songs that have none or an outdated one, such as songs
    /// another application inserted. With `readOnly`, computes them in memory for previews.
    /// Returns how many songs were keyed.
    @discardableResult
    func prepareForMatching(readOnly: Bool) async throws -> Int
    /// Runs `body` in one read-write transaction, committed when it returns and rolled back
    /// when it throws. With `lease`, the transaction first renews it and holds it until it
    /// ends, so no other process takes the source over while the page commits; when
    /// `lease.holder` no longer holds it, nothing is committed and
    /// ``IngestError/lostLease(_:)`` is thrown.
    func withWriteSession<T: Sendable>(renewing lease: LeaseRenewal?, _ body: (any CatalogSession) async throws -> T) async throws -> T
    /// Runs `body` in a transaction that writes nothing, for previews.
    func withReadSession<T: Sendable>(_ body: (any CatalogSession) async throws -> T) async throws -> T
    /// When `error` is the database refusing a row (a constraint, a trigger, a value it cannot
    /// hold), the reason in plain words; `nil` for anything else (a lost connection, a full disk).
    func rejectionReason(_ error: any Error) -> String?
    /// Whether `error` is a play insert meeting a play another writer stored after the page's
    /// look-up (see ``CatalogSession/insertPlays(_:source:checkingConflicts:)``).
    func isPlayConflict(_ error: any Error) -> Bool
    /// The checkpoint of `source`, or `nil` when it has none.
    func checkpoint(for source: String) async throws -> Checkpoint?
    /// Records a run's start and returns its id.
    func startRun(_ run: RunRecord) async throws -> Int64
    /// Records a run's end.
    func finishRun(_ run: RunRecord) async throws
    /// Marks runs of `source` still recorded as `running` as `abandoned` (their process died).
    /// Only called while holding the source's lease, when no other run can be live.
    @discardableResult
    func markAbandonedRuns(source: String) async throws -> Int
    /// The most recent runs, newest first, of one source or all.
    func recentRuns(source: String?, limit: Int) async throws -> [RunRecord]
    /// Songs inserted here that await an embedding, oldest first.
    func songsAwaitingEmbedding(limit: Int) async throws -> [PendingSong]
    /// How many songs await an embedding.
    func countSongsAwaitingEmbedding() async throws -> Int
    /// Plays the catalog refused, oldest first, of one source or all.
    func failedPlays(source: String?, limit: Int) async throws -> [FailedPlay]
    /// How many refused plays wait, of one source or all.
    func countFailedPlays(source: String?) async throws -> Int
    /// Groups of songs that share a computed key, up to `limit` groups.
    func duplicateSongs(limit: Int) async throws -> [DuplicateGroup]
    /// Titles and artists of songs, by id.
    func songSummaries(ids: [String]) async throws -> [String: (title: String, artist: String)]
    /// Source play ids stored for `source` that aired inside `window`.
    func storedPlayIDs(source: String, airedIn window: TimeWindow) async throws -> Set<String>
    /// Removes the checkpoint of `source`.
    func resetCheckpoint(for source: String) async throws
    /// Every stored checkpoint, by source name.
    func allCheckpoints() async throws -> [Checkpoint]
    /// Takes the lease on `source` for `holder` unless another live holder has it. A lease
    /// whose holder stopped renewing expires after `ttl`, so a crashed holder blocks nobody
    /// for ever; `replacing` names a holder known to be dead, whose lease is taken at once.
    /// Uses the database's clock, so several machines agree.
    func acquireLease(source: String, holder: String, ttl: Duration, replacing: String?) async throws -> LeaseOutcome
    /// Extends a held lease; returns `false` when `holder` no longer holds it.
    func renewLease(source: String, holder: String, ttl: Duration) async throws -> Bool
    /// Gives a lease up.
    func releaseLease(source: String, holder: String) async throws
    /// The leases held now (not expired), by source: who runs what, for the status page.
    func liveLeases() async throws -> [String: (holder: String, until: Date)]
    /// Closes connections.
    func close() async
}

extension CatalogStore {
    /// Runs `body` in one read-write transaction that renews no lease.
    public func withWriteSession<T: Sendable>(_ body: (any CatalogSession) async throws -> T) async throws -> T {
        try await withWriteSession(renewing: nil, body)
    }

    /// Writes one page through a ``PageWriter``.
    public func commit(_ batch: PageBatch) async throws -> [PlayDisposition] {
        try await PageWriter(store: self, logger: Logger(label: "radio-ingest")).commit(batch)
    }

    /// Says what ``commit(_:)`` would do, writing nothing.
    public func preview(_ batch: PageBatch) async throws -> [PlayDisposition] {
        try await PageWriter(store: self, logger: Logger(label: "radio-ingest")).preview(batch)
    }
}
