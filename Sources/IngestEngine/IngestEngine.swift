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

    public init(fetcher: PageFetcher = .init(), logger: Logger = Logger(label: "radio-ingest"),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.fetcher = fetcher
        self.logger = logger
        self.now = now
    }

    /// Runs `adapter` into `store`. Never throws: failures end up in the summary's status and
    /// error, and what was committed before stays committed.
    public func run(_ adapter: any StationAdapter, into store: any CatalogStore, options: RunOptions) async -> RunSummary {
        let startedAt = now()
        var logger = self.logger
        logger[metadataKey: "ingest.source"] = "\(adapter.sourceName)"
        var record = RunRecord(source: adapter.sourceName, flagsJSON: options.flagsJSON, startedAt: startedAt, status: "running")
        var walk = SourceWalk(adapter: adapter, store: store, options: options, fetcher: fetcher, logger: logger)
        var status = RunStatus.failed
        var failure: String?
        do {
            if !options.dryRun {
                try await store.migrate()
                record.id = try await store.startRun(record)
                logger[metadataKey: "ingest.run_id"] = "\(record.id ?? 0)"
                walk.logger = logger
            }
            walk.runID = record.id
            let keyed = try await store.prepareForMatching(readOnly: options.dryRun)
            if keyed > 0 { logger.info("gave match keys to catalog songs", metadata: ["ingest.songs": "\(keyed)"]) }
            let checkpoint = try await store.checkpoint(for: adapter.sourceName) ?? Checkpoint(source: adapter.sourceName)
            let windows = options.plannedWindows(checkpoint: checkpoint, now: startedAt, order: adapter.order)
            if options.incremental && checkpoint.ledger.isEmpty {
                logger.notice("no coverage recorded yet: --incremental walks back from now until a limit or the end of the history stops it")
            }
            logger.info("run planned", metadata: ["ingest.windows": "\(windows.map(\.description))", "ingest.dry_run": "\(options.dryRun)"])
            status = try await walk.walk(windows, from: checkpoint)
        } catch let error as IngestError {
            failure = error.message
        } catch is CancellationError {
            status = .interrupted
        } catch {
            failure = "\(error)"
        }
        if let failure { logger.error("run failed", metadata: ["ingest.error": "\(failure)"]) }

        var summary = RunSummary(
            source: adapter.sourceName, runID: record.id, status: failure == nil ? status : .failed, dryRun: options.dryRun,
            counters: walk.counters, songsAwaitingEmbedding: nil, error: failure, startedAt: startedAt, finishedAt: now())
        summary.songsAwaitingEmbedding = try? await store.countSongsAwaitingEmbedding()
        if record.id != nil {
            record.finishedAt = summary.finishedAt
            record.status = summary.status.rawValue
            record.counters = summary.counters
            record.error = failure
            do { try await store.finishRun(record) } catch {
                logger.error("could not record the run's end", metadata: ["ingest.error": "\(error)"])
            }
        }
        logSummary(summary, logger: logger)
        return summary
    }

    func logSummary(_ summary: RunSummary, logger: Logger) {
        let c = summary.counters
        logger.info("run finished", metadata: [
            "ingest.status": "\(summary.status.rawValue)", "ingest.pages_fetched": "\(c.pagesFetched)",
            "ingest.plays_seen": "\(c.playsSeen)", "ingest.track_plays": "\(c.trackPlays)",
            "ingest.provenance_inserted": "\(c.provenanceInserted)", "ingest.songs_matched": "\(c.songsMatched)",
            "ingest.new_songs": "\(c.newSongs)", "ingest.skipped_invalid": "\(c.skippedInvalid)",
            "ingest.duplicates_skipped": "\(c.duplicatesSkipped)", "ingest.errors": "\(c.errors)",
        ])
        if c.newSongs > 0 && !summary.dryRun {
            logger.notice("new songs await an embedding; list them with `radio-ingest embedding-queue`, then run the embedding backfill", metadata: [
                "ingest.new_songs": "\(c.newSongs)",
                "ingest.songs_awaiting_embedding": "\(summary.songsAwaitingEmbedding.map(String.init) ?? "unknown")",
            ])
        }
    }
}
