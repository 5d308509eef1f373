import Foundation
import IngestCore
import Logging

/// Writes a page into any store: fits values to the catalog's columns, plans (look-ups, then
/// ``PagePlan``), inserts songs and plays, keeps refused plays, saves the checkpoint, all in one
/// transaction. Stores only supply SQL (``CatalogSession``), so every store behaves the same.
///
/// A page is first written in bulk. When the database refuses a row, the transaction is rolled
/// back and the page is written again play by play, each behind a savepoint: an isolated bad row
/// is skipped, counted and kept in the failed-plays table (`radio-ingest failed`), and the rest
/// lands. When every play fails for the same reason the failure is systematic (a trigger, a
/// missing permission, a schema the tool does not fit): nothing of the page is kept, the
/// checkpoint does not move, and the run fails with that reason.
public struct PageWriter: Sendable {
    public let store: any CatalogStore
    public var logger: Logger
    /// The run writing, recorded with failed plays.
    public var runID: Int64?
    /// Whether refused plays of this source are waiting; then plays stored now are cleared
    /// from that list.
    public var clearsFailures = false

    public init(store: any CatalogStore, logger: Logger, runID: Int64? = nil) {
        self.store = store
        self.logger = logger
        self.runID = runID
    }

    /// What became of a page's plays, in batch order, and how many stored plays the source
    /// has edited since (newly noticed).
    public struct Outcome: Sendable, Equatable {
        public var dispositions: [PlayDisposition]
        public var edited: Int
    }

    /// Writes `batch` and says what became of each play, in batch order.
    public func commit(_ batch: PageBatch) async throws -> [PlayDisposition] {
        try await write(batch).dispositions
    }

    /// How a page's transaction writes its plays.
    enum Mode {
        /// All at once, without a per-row conflict check (the look-up found none stored).
        case bulk
        /// All at once, skipping plays stored since the look-up (another writer got there first).
        case bulkCheckingConflicts
        /// Each play behind a savepoint, checked (the catalog refused a row).
        case playByPlay
    }

    /// Writes `batch`: what became of each play, and the edits noticed.
    public func write(_ batch: PageBatch) async throws -> Outcome {
        try await write(batch, mode: .bulk)
    }

    /// Writes `batch` in `mode`, then again when the attempt failed in a way another mode
    /// mends: a play another writer stored after the look-up, or a row the catalog refused.
    func write(_ batch: PageBatch, mode: Mode) async throws -> Outcome {
        do {
            return try await store.withWriteSession(renewing: batch.leaseToRenew) { session in
                try await write(batch, in: session, mode: mode)
            }
        } catch {
            if mode == .bulk && store.isPlayConflict(error) {
                logger.info(
                    "another writer stored plays of this page meanwhile; writing the page again",
                    metadata: ["ingest.source": "\(batch.source)"])
                return try await write(batch, mode: .bulkCheckingConflicts)
            }
            guard let reason = store.rejectionReason(error) else { throw error }
            // Refused outside any play (the checkpoint, say): the page fails as a whole.
            guard mode != .playByPlay else {
                throw IngestError.storage("the catalog refused a \(batch.source) page: \(reason); nothing of the page was kept")
            }
            logger.warning("page write refused; writing it play by play", metadata: ["ingest.error": "\(reason)"])
            return try await write(batch, mode: .playByPlay)
        }
    }

    /// What ``commit(_:)`` would do, writing nothing (a read-only transaction).
    public func preview(_ batch: PageBatch) async throws -> [PlayDisposition] {
        try await store.withReadSession { session in try await plan(batch, in: session).dispositions }
    }

    /// Fits values, looks up what the catalog holds, and plans.
    func plan(_ batch: PageBatch, in session: any CatalogSession) async throws -> PagePlan {
        var plays: [Play] = []
        var rejected: [Int: String] = [:]
        for (index, play) in batch.plays.enumerated() {
            let fitted = ValueFitting.fit(play, schema: session.schema)
            plays.append(fitted.play)
            if let rejection = fitted.rejection { rejected[index] = rejection }
            for reason in fitted.dropped {
                logger.notice(
                    "dropped a value the catalog cannot hold",
                    metadata: ["ingest.play_id": "\(play.sourcePlayID)", "ingest.reason": "\(reason)"])
            }
        }
        guard !plays.isEmpty else {
            return PagePlan(source: batch.source, plays: [], keys: [], existing: [:], hits: [])
        }
        let found = try await session.lookUp(
            source: batch.source, playIDs: plays.map(\.sourcePlayID), mbids: Array(Set(plays.compactMap(\.mbid))),
            isrcs: Array(Set(plays.compactMap(\.isrc))), keys: Array(Set(batch.matchKeys)))
        return PagePlan(
            source: batch.source, plays: plays, keys: batch.matchKeys, rejected: rejected, existing: found.existing, hits: found.hits)
    }

    func write(_ batch: PageBatch, in session: any CatalogSession, mode: Mode) async throws -> Outcome {
        var plan = try await plan(batch, in: session)
        if mode == .playByPlay {
            try await writeOneByOne(&plan, in: session)
        } else {
            let stored = try await session.insertSongs(plan.newSongs)
            try await resolveLostSongs(&plan, among: plan.newSongs, stored: stored, in: session)
            plan.adoptStoredIDs(stored)
            let inserted = try await session.insertPlays(plan.rows, source: plan.source, checkingConflicts: mode == .bulkCheckingConflicts)
            plan.markDuplicates(Set(plan.rows.map(\.play.sourcePlayID)).subtracting(inserted))
        }
        try Self.refuseSystematicFailure(plan.dispositions, source: batch.source)
        try await keepFailures(plan, plays: batch.plays, in: session)
        if clearsFailures {
            let stored = zip(batch.plays, plan.dispositions).filter { $0.1.songID != nil || $0.1 == .duplicate }.map(\.0.sourcePlayID)
            if !stored.isEmpty { try await session.clearFailures(source: batch.source, playIDs: stored) }
        }
        let edited = try await keepEdits(plan, plays: batch.plays, in: session)
        if let checkpoint = batch.checkpoint {
            var run = batch.run
            run?.counters.add(plan.dispositions)
            try await session.saveCheckpoint(checkpoint, run: run)
        }
        return Outcome(dispositions: plan.dispositions, edited: edited)
    }

    /// Keeps the source's new version of plays it edited after they were stored. Provenance is
    /// insert-only: the stored row stays as it was first reported.
    func keepEdits(_ plan: PagePlan, plays: [Play], in session: any CatalogSession) async throws -> Int {
        guard !plan.edited.isEmpty else { return 0 }
        let revisions = plan.edited.map { index in
            let play = plays[index]
            return PlayRevision(
                source: plan.source, sourcePlayID: play.sourcePlayID, kind: .edited, recordJSON: FailedPlay.encode(play),
                title: play.title, artist: play.artist, runID: runID)
        }
        let noticed = try await session.recordRevisions(revisions)
        if noticed > 0 {
            logger.notice(
                "the source changed plays stored earlier; the stored rows are kept, the new versions are in radio_ingest_play_revisions",
                metadata: ["ingest.plays": "\(noticed)"])
        }
        return noticed
    }

    /// Links plays to the songs that another process inserted first (it took their keys).
    func resolveLostSongs(
        _ plan: inout PagePlan, among songs: [PagePlan.NewSong], stored: [String: String], in session: any CatalogSession
    ) async throws {
        let lost = songs.filter { stored[$0.id] == nil }
        guard !lost.isEmpty else { return }
        let winners = try await session.songIDs(holdingKeys: lost.map(\.matchKey))
        plan.resolve(conflicts: Dictionary(uniqueKeysWithValues: lost.compactMap { song in winners[song.matchKey].map { (song.id, $0) } }))
    }

    /// The slow path: each play (and the song it creates) behind its own savepoint.
    func writeOneByOne(_ plan: inout PagePlan, in session: any CatalogSession) async throws {
        let newSongsByID = Dictionary(uniqueKeysWithValues: plan.newSongs.map { ($0.id, $0) })
        var createdSongIDs: [String: String] = [:]
        for index in plan.rows.indices {
            let plannedSongID = plan.rows[index].songID
            do {
                let created = try await session.withSavepoint { () -> [String: String] in
                    var stored: [String: String] = [:]
                    if let song = newSongsByID[plannedSongID], createdSongIDs[song.id] == nil {
                        stored = try await session.insertSongs([song])
                        try await resolveLostSongs(&plan, among: [song], stored: stored, in: session)
                    }
                    var row = plan.rows[index]
                    if let id = stored[row.songID] ?? createdSongIDs[row.songID] { row.songID = id }
                    if try await session.insertPlays([row], source: plan.source, checkingConflicts: true).isEmpty {
                        plan.markDuplicates([row.play.sourcePlayID])
                    }
                    return stored
                }
                createdSongIDs.merge(created) { first, _ in first }
                if let id = created[plannedSongID] ?? createdSongIDs[plannedSongID] {
                    plan.adoptStoredIDs([plannedSongID: id])
                    if created[plannedSongID] != nil { plan.markCreatedSong(index: plan.rows[index].index) }
                }
            } catch {
                guard let reason = store.rejectionReason(error) else { throw error }
                plan.markFailed(index: plan.rows[index].index, reason: reason)
            }
        }
    }

    /// Keeps each refused play, with its record and reason, for `radio-ingest failed retry`.
    func keepFailures(_ plan: PagePlan, plays: [Play], in session: any CatalogSession) async throws {
        let failures = zip(plays, plan.dispositions).compactMap { play, disposition -> FailedPlay? in
            guard case .failed(let reason) = disposition else { return nil }
            return FailedPlay(
                source: plan.source, sourcePlayID: play.sourcePlayID, recordJSON: FailedPlay.encode(play), reason: reason, runID: runID)
        }
        guard !failures.isEmpty else { return }
        try await session.recordFailures(failures)
    }

    /// Throws when every play that was to be written failed for one and the same reason: the
    /// catalog is refusing writes as a whole, and the page must not count as covered.
    static func refuseSystematicFailure(_ dispositions: [PlayDisposition], source: String) throws {
        var reasons = Set<String>()
        var failed = 0
        for disposition in dispositions {
            switch disposition {
            case .failed(let reason):
                failed += 1
                reasons.insert(reason)
            case .duplicate: continue
            default: return
            }
        }
        guard failed >= 2, reasons.count == 1, let reason = reasons.first else { return }
        throw IngestError.storage(
            "the catalog refused every play of a \(source) page (\(failed) plays) for the same reason: \(reason); nothing of the page was kept and its coverage was not recorded"
        )
    }
}
