import Foundation
import IngestCore

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
    /// The checkpoint as it stands once this page is in.
    public var checkpoint: Checkpoint
    /// Each play's ``SongKey``, computed once, in play order.
    public let matchKeys: [String]

    public init(source: String, plays: [Play], checkpoint: Checkpoint) {
        self.source = source
        self.plays = plays
        self.checkpoint = checkpoint
        self.matchKeys = plays.map(PagePlan.key(for:))
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
/// One protocol for every backend (PostgreSQL, SQLite). A conformer must:
/// - write a ``PageBatch`` in one transaction (songs, plays, checkpoint) so that a crash
///   loses nothing committed and duplicates nothing;
/// - match by MBID first, then by ``SongKey``; never overwrite a non-null field of an
///   existing song; create one song for a new song played twice in a page, or inserted by two
///   processes at once;
/// - isolate a database error to the play that caused it;
/// - in ``preview(_:)``, write nothing at all (a read-only transaction).
///
/// `StoreConformance` in IngestTesting runs the same battery against every conformer.
public protocol CatalogStore: Sendable {
    /// A short name for logs: `postgres` or `sqlite`.
    var kind: String { get }
    /// Creates or upgrades the schema; idempotent.
    func migrate() async throws
    /// Gives keys (``SongKey``) to songs that have none or an outdated one, such as songs
    /// another application inserted. With `readOnly`, computes them in memory for previews.
    /// Returns how many songs were keyed.
    @discardableResult
    func prepareForMatching(readOnly: Bool) async throws -> Int
    /// The checkpoint of `source`, or `nil` when it has none.
    func checkpoint(for source: String) async throws -> Checkpoint?
    /// Writes one page atomically and says what became of each play, in batch order.
    func commit(_ batch: PageBatch) async throws -> [PlayDisposition]
    /// Says what ``commit(_:)`` would do, writing nothing.
    func preview(_ batch: PageBatch) async throws -> [PlayDisposition]
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
    /// Closes connections.
    func close() async
}
