import Foundation
import IngestCore
import Logging

/// Runs one source: plans the windows to walk from the checkpoint ledger, then walks them page
/// by page, committing each page (songs, plays, checkpoint) in one transaction.
public struct IngestEngine: Sendable {
    public var fetcher: PageFetcher
    public var logger: Logger
    /// The clock for "now"; tests pin it.
    public var now: @Sendable () -> Date
    /// Who this process is in a lease: `host:pid:boot`.
    public var holder: String
    /// How long a lease lasts without renewal; a walk renews it once a fifth of this has passed.
    public var leaseTTL: Duration = .seconds(300)
    /// Told after every page and when the run ends (a progress display).
    public var progress: (@Sendable (WalkProgress) -> Void)?
    /// How long a keying pass runs before the log says so (``prepareMatching(in:dryRun:stop:logger:)``).
    public var keyingNoticeAfter: Duration = IngestEngine.keyingNoticeDelay

    public init(
        fetcher: PageFetcher = .init(), logger: Logger = Logger(label: "radio-ingest"),
        now: @escaping @Sendable () -> Date = { Date() }, holder: String = IngestEngine.defaultHolder
    ) {
        self.fetcher = fetcher
        self.logger = logger
        self.now = now
        self.holder = holder
    }

    /// `hostname:pid:boot`, naming this process to other processes that find a source busy.
    public static var defaultHolder: String { LeaseHolder.current.description }

    /// Runs `adapter` into `store`. Never throws: failures end up in the summary's status and
    /// error, and what was committed before stays committed.
    ///
    /// Unless it is a dry run, the run holds the source's lease: when another process holds it
    /// the run is `skipped`. With `stop`, the run ends `interrupted` after committing the page
    /// in flight.
    public func run(
        _ adapter: any StationAdapter, into store: any CatalogStore, options: RunOptions,
        stop: StopSignal = StopSignal()
    ) async -> RunSummary {
        var startedAt = now()
        var logger = self.logger
        logger[metadataKey: "ingest.source"] = "\(adapter.sourceName)"
        var record = RunRecord(source: adapter.sourceName, flagsJSON: options.flagsJSON, startedAt: startedAt, status: "running")
        var walk = SourceWalk(adapter: adapter, store: store, options: options, fetcher: fetcher, logger: logger, stop: stop)
        walk.progress = progress
        var status = RunStatus.failed
        var failure: String?
        var leased = false
        var keying = false
        do {
            if !options.dryRun {
                if let skipped = try await claim(adapter.sourceName, in: store, startedAt: startedAt, logger: logger) {
                    return skipped
                }
                // The run starts once it holds the source: taking the lease can wait for another
                // process's last page to commit, and the run history must never show two runs
                // of one source at once.
                startedAt = now()
                record.startedAt = startedAt
                leased = true
                walk.lease = (holder, leaseTTL)
                record.id = try await store.startRun(record)
                logger[metadataKey: "ingest.run_id"] = "\(record.id ?? 0)"
                walk.logger = logger
            }
            walk.runID = record.id
            let schema = try await store.catalogSchema()
            logger.debug("catalog layout", metadata: ["ingest.catalog": "\(schema.summary.joined(separator: "; "))"])
            walk.writer.logger = logger
            walk.writer.runID = record.id
            if !options.dryRun {
                let waiting = try await store.countFailedPlays(source: adapter.sourceName)
                walk.writer.clearsFailures = waiting > 0
                if waiting > 0 {
                    logger.notice(
                        "plays the catalog refused earlier are waiting; see `radio-ingest failed list`",
                        metadata: ["ingest.failed_plays": "\(waiting)"])
                }
            }
            // Keying a large foreign catalog takes a while: a stop cancels it (whole key
            // transactions stay) instead of waiting for it to finish.
            keying = true
            let keyed = try await prepareMatching(in: store, dryRun: options.dryRun, stop: stop, logger: logger)
            keying = false
            if keyed > 0 { logger.info("gave match keys to catalog songs", metadata: ["ingest.songs": "\(keyed)"]) }
            var checkpoint = try await store.checkpoint(for: adapter.sourceName) ?? Checkpoint(source: adapter.sourceName)
            let lookback = options.lookback ?? adapter.lookback
            let windows = options.plannedWindows(checkpoint: checkpoint, now: startedAt, order: adapter.order, lookback: lookback)
            walk.coveredAtStart = checkpoint.ledger
            walk.reread = RunOptions.addingReread(to: [], ledger: checkpoint.ledger, lookback: lookback, window: options.window).first
            checkpoint.lookback = lookback
            if options.incremental && checkpoint.ledger.isEmpty {
                logger.notice(
                    "no coverage recorded yet: --incremental walks back from now until a limit or the end of the history stops it")
            }
            logger.info(
                "run planned", metadata: ["ingest.windows": "\(windows.map(\.description))", "ingest.dry_run": "\(options.dryRun)"])
            status = try await walk.walk(windows, from: checkpoint)
        } catch let error as IngestError {
            failure = error.message
        } catch is StopRequested {
            status = .interrupted
            logger.notice(
                keying ? Self.interruptedWhileKeying(dryRun: options.dryRun) : "run interrupted after committing its last page")
        } catch is CancellationError {
            status = .interrupted
        } catch {
            failure = "\(error)"
        }
        if let failure { logger.error("run failed", metadata: ["ingest.error": "\(failure)"]) }
        // The run ends before the source is released, so the next holder's run starts after it.
        let finishedAt = now()
        if leased { try? await store.releaseLease(source: adapter.sourceName, holder: holder) }

        var summary = RunSummary(
            source: adapter.sourceName, runID: record.id, status: failure == nil ? status : .failed, dryRun: options.dryRun,
            counters: walk.counters, songsAwaitingEmbedding: nil, error: failure, startedAt: startedAt, finishedAt: finishedAt)
        summary.songsAwaitingEmbedding = try? await store.countSongsAwaitingEmbedding()
        summary.catalog = store.location
        await closeHistory(summary, started: record, in: store, logger: logger)
        progress?(walk.currentProgress(finished: true))
        if !options.dryRun { IngestMetrics.run(source: adapter.sourceName, status: summary.status) }
        logSummary(summary, logger: logger)
        return summary
    }

    /// Prepares a writing run: migrates, takes the source's lease and marks runs that died
    /// holding it as abandoned. Returns a `skipped` summary when another process holds it.
    func claim(_ source: String, in store: any CatalogStore, startedAt: Date, logger: Logger) async throws -> RunSummary? {
        try await store.migrate()
        switch try await acquireLease(source, store: store, logger: logger) {
        case .acquired:
            let abandoned = try await store.markAbandonedRuns(source: source)
            if abandoned > 0 {
                logger.notice("marked runs whose process died as abandoned", metadata: ["ingest.runs": "\(abandoned)"])
            }
            return nil
        case .heldBy(let other, let until):
            logger.notice(
                "source is being ingested elsewhere; skipping",
                metadata: ["ingest.lease_holder": "\(other)", "ingest.lease_until": "\(Timestamp.format(until))"])
            return RunSummary(
                source: source, runID: nil, status: .skipped, dryRun: false, counters: RunCounters(), songsAwaitingEmbedding: nil,
                error: "\(source) is being ingested by \(other) (lease until \(Timestamp.format(until)))",
                startedAt: startedAt, finishedAt: now())
        }
    }

    /// Closes the run's history row, when the run has one.
    func closeHistory(_ summary: RunSummary, started: RunRecord, in store: any CatalogStore, logger: Logger) async {
        guard started.id != nil else { return }
        var record = started
        record.finishedAt = summary.finishedAt
        record.status = summary.status.rawValue
        record.counters = summary.counters
        record.error = summary.error
        do { try await store.finishRun(record) } catch {
            logger.error("could not record the run's end", metadata: ["ingest.error": "\(error)"])
        }
    }

    /// Takes the source's lease; a lease left by a dead process on this machine is taken over.
    func acquireLease(_ source: String, store: any CatalogStore, logger: Logger) async throws -> LeaseOutcome {
        let outcome = try await store.acquireLease(source: source, holder: holder, ttl: leaseTTL, replacing: nil)
        guard case .heldBy(let other, _) = outcome, let dead = LeaseHolder(other), dead.isDeadProcessOnThisMachine else {
            return outcome
        }
        logger.notice("taking over the lease of a process that no longer exists", metadata: ["ingest.lease_holder": "\(other)"])
        return try await store.acquireLease(source: source, holder: holder, ttl: leaseTTL, replacing: other)
    }

    func logSummary(_ summary: RunSummary, logger: Logger) {
        let c = summary.counters
        logger.info(
            "run finished",
            metadata: [
                "ingest.status": "\(summary.status.rawValue)", "ingest.pages_fetched": "\(c.pagesFetched)",
                "ingest.plays_seen": "\(c.playsSeen)", "ingest.track_plays": "\(c.trackPlays)",
                "ingest.provenance_inserted": "\(c.provenanceInserted)", "ingest.songs_matched": "\(c.songsMatched)",
                "ingest.new_songs": "\(c.newSongs)", "ingest.skipped_invalid": "\(c.skippedInvalid)",
                "ingest.duplicates_skipped": "\(c.duplicatesSkipped)", "ingest.errors": "\(c.errors)",
            ])
        if c.newSongs > 0 && !summary.dryRun {
            logger.notice(
                "new songs await an embedding; list them with `radio-ingest embedding-queue`, then run the embedding backfill",
                metadata: [
                    "ingest.new_songs": "\(c.newSongs)",
                    "ingest.songs_awaiting_embedding": "\(summary.songsAwaitingEmbedding.map(String.init) ?? "unknown")",
                ])
        }
    }
}
