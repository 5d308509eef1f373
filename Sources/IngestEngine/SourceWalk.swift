import Foundation
import IngestCore
import Logging

/// The page loop of one run: fetch, parse, prepare, commit, advance the ledger, repeat.
struct SourceWalk {
    let adapter: any StationAdapter
    let store: any CatalogStore
    let options: RunOptions
    let fetcher: PageFetcher
    var logger: Logger
    var runID: Int64?
    let stop: StopSignal
    /// The lease this walk holds: every page's transaction checks it is still held and renews it,
    /// so a process paused past its lease never commits over the one that took over.
    var lease: (holder: String, ttl: Duration)?
    var counters = RunCounters()
    var dryRunMemory = DryRunMemory()
    /// Writes (or previews) each page.
    var writer: PageWriter
    /// The coverage when the run started: a play stored inside it arrived late.
    var coveredAtStart = CoverageLedger()
    /// The stretch of covered history this run reads again (the lookback), if any.
    var reread: TimeWindow?
    /// Plays the source returned inside ``reread``, to notice stored plays it no longer has.
    var seenInReread = Set<String>()
    /// Song keys computed while fetching, for the pages' batches.
    let keys = SongKeyMemo()
    /// Formats how far the walk has reached, in the station's time (one formatter per walk).
    let stationTime: DateFormatter
    /// Told after every page.
    var progress: (@Sendable (WalkProgress) -> Void)?
    /// How far the walk has reached in air time, for progress.
    var reached: Date?
    let startedAt = ContinuousClock.now

    init(
        adapter: any StationAdapter, store: any CatalogStore, options: RunOptions, fetcher: PageFetcher, logger: Logger,
        stop: StopSignal
    ) {
        self.stop = stop
        self.adapter = adapter
        self.store = store
        self.options = options
        self.fetcher = fetcher
        self.logger = logger
        self.writer = PageWriter(store: store, logger: logger)
        self.stationTime = StationTime.formatter(in: adapter.timeZone)
    }

    /// Walks every window in turn; returns `.complete`, or `.partial` when a limit stopped it.
    mutating func walk(_ windows: [TimeWindow], from start: Checkpoint) async throws -> RunStatus {
        var checkpoint = start
        checkpoint.lastRunID = runID ?? checkpoint.lastRunID
        for window in windows {
            let finished = try await walk(window, checkpoint: &checkpoint)
            if !finished { return .partial }
            if let reread, (window.start ?? .distantPast) <= (reread.start ?? .distantPast),
                (reread.end ?? .distantFuture) <= (window.end ?? .distantFuture)
            {
                try await noticeWithdrawn(in: reread)
            }
        }
        return .complete
    }

    /// Walks one window; returns `false` when a limit stopped it before its end.
    ///
    /// The next page is fetched while the current one is written (``PageAhead``); it is taken
    /// only where the walk would have fetched it, so limits, stops and failures act as if the
    /// pages were fetched one after the other.
    mutating func walk(_ window: TimeWindow, checkpoint: inout Checkpoint) async throws -> Bool {
        var request = try adapter.firstRequest(for: window)
        let origin = request
        var progress = WindowProgress(window: window, order: adapter.order)
        var fetched = Set<PageRequest>()
        var ahead: PageAhead?
        defer { ahead?.cancel() }
        let step = PageStep(adapter: adapter, fetcher: fetcher, logger: logger, stop: stop, politeDelay: options.politeDelay, keys: keys)
        while true {
            // A source whose `next` repeats a page already fetched would be walked for ever.
            guard fetched.insert(request).inserted else {
                throw IngestError.malformedPage(
                    "the source's next page repeats \(request.redactedURL), already fetched in this walk; stopping so as not to loop on the API"
                )
            }
            if let pageLimit = options.pageLimit, counters.pagesFetched >= pageLimit { return false }
            if stop.isRequested { throw StopRequested() }
            try Task.checkCancellation()

            let fetchedPage: FetchedPage
            if let pending = ahead, pending.request == request {
                ahead = nil
                fetchedPage = try await pending.value()
            } else {
                fetchedPage = try await step.fetch(request, afterDelay: counters.pagesFetched > 0)
            }
            let page = fetchedPage.page
            counters.pagesFetched += 1
            counters.playsSeen += page.records.count

            var budget = options.limit.map { $0 - counters.trackPlays }
            let prepared = PreparedPage(page.records, window: window, order: adapter.order, budget: &budget)
            counters.trackPlays += prepared.trackPlays
            counters.skip(prepared.invalidReasons)
            counters.duplicatesSkipped += prepared.repeatedInPage
            if prepared.outOfOrder {
                logger.warning(
                    "the source returned plays out of its declared order; coverage recorded for this page may be overstated",
                    metadata: [
                        "ingest.url": "\(request.redactedURL)", "ingest.order": "\(adapter.order.rawValue)",
                    ])
            }
            for reason in prepared.invalidReasons {
                logger.debug("skipped a record", metadata: ["ingest.reason": "\(reason.detail)", "ingest.kind": "\(reason.kind.rawValue)"])
            }
            for value in prepared.dropped {
                logger.info("kept a play without a value it cannot hold", metadata: ["ingest.dropped": "\(value)"])
            }

            let emptyPageEnds = page.records.isEmpty && !page.continuesWhenEmpty
            let endOfWindow = !prepared.stoppedByLimit && (page.next == nil || emptyPageEnds || prepared.passedWindow)
            progress.advance(with: prepared.plays, finished: endOfWindow)
            if let span = progress.coveredSpan { checkpoint.ledger.add(span) }
            if !endOfWindow && options.recordsPendingWalks {
                checkpoint.pendingWalk = checkpoint.pendingWalk.map { $0.union(window) } ?? window
            }
            if let pending = checkpoint.pendingWalk {
                // Done when what it set out to walk is covered, or when a walk with an open start
                // reached the end of the source's history.
                let reachedTheBeginning = endOfWindow && window.start == nil && pending.start == nil
                if reachedTheBeginning || checkpoint.ledger.gaps(in: pending, now: pending.end ?? Date()).isEmpty {
                    checkpoint.pendingWalk = nil
                }
            }
            checkpoint.pagesCommitted += 1

            // A next request that may not be sent fails the walk after this page is stored.
            let following = Result {
                endOfWindow || prepared.stoppedByLimit ? nil : try page.next.map { try Self.guarded($0, origin: origin) }
            }
            let next = try? following.get()
            if !prepared.stoppedByLimit, !endOfWindow, let next, !fetched.contains(next),
                options.pageLimit.map({ counters.pagesFetched < $0 }) ?? true, !stop.isRequested
            {
                ahead = PageAhead.start(next, using: step)
            }

            let runProgress = runID.flatMap { id in
                lease.map { RunProgress(runID: id, counters: counters, holder: $0.holder, leaseTTL: $0.ttl) }
            }
            let batch = PageBatch(source: adapter.sourceName, plays: prepared.plays, checkpoint: checkpoint, run: runProgress, memo: keys)
            let clock = ContinuousClock()
            let writeStart = clock.now
            let dispositions: [PlayDisposition]
            do {
                dispositions = try await write(batch)
            } catch {
                IngestMetrics.failedPage(source: adapter.sourceName)
                throw error
            }
            let timing = PageTiming(fetch: fetchedPage.fetchTime, write: clock.now - writeStart)
            counters.add(dispositions)
            countLatePlays(batch.plays, dispositions)
            // How far back (or forward) in air time this page reached.
            let edge = adapter.order == .newestFirst ? prepared.plays.map(\.airdate).min() : prepared.plays.map(\.airdate).max()
            logPage(request: request, prepared: prepared, edge: edge, timing: timing)
            report(page, dispositions: dispositions, edge: edge, timing: timing)
            if prepared.stoppedByLimit { return false }
            guard !endOfWindow, let next = try following.get() else { return true }
            request = next
        }
    }

    /// Metrics and progress for a written page: counted per page, never per play.
    mutating func report(_ page: ParsedPage, dispositions: [PlayDisposition], edge: Date?, timing: PageTiming) {
        if !options.dryRun {
            var kinds = ParsedRecordCounts()
            for record in page.records {
                switch record {
                case .track: kinds.tracks += 1
                case .nonTrack: kinds.nonTracks += 1
                case .invalid: kinds.invalid += 1
                }
            }
            IngestMetrics.page(
                source: adapter.sourceName, fetch: timing.fetch, write: timing.write, records: kinds, dispositions: dispositions)
        }
        if let edge { reached = reached.map { adapter.order == .newestFirst ? min($0, edge) : max($0, edge) } ?? edge }
        if let progress { progress(currentProgress()) }
    }

    /// Where the walk stands now.
    func currentProgress(finished: Bool = false) -> WalkProgress {
        WalkProgress(
            source: adapter.sourceName, runID: runID, pages: counters.pagesFetched, trackPlays: counters.trackPlays,
            stored: counters.provenanceInserted, reached: reached.map(stationTime.string(from:)), elapsed: ContinuousClock.now - startedAt,
            dryRun: options.dryRun, finished: finished)
    }

    /// A next request as it may be sent: http(s) only, and without the secrets when it leaves
    /// the host they were configured for (a `next` link or cursor URL pointing elsewhere).
    static func guarded(_ next: PageRequest, origin: PageRequest) throws -> PageRequest {
        guard ["http", "https"].contains(next.url.scheme?.lowercased() ?? "") else {
            throw IngestError.malformedPage("the source's next page is not an http(s) URL: \(next.redactedURL.prefix(200))")
        }
        return next.sameOrigin(as: origin) ? next : next.withoutSecrets()
    }

    mutating func write(_ batch: PageBatch) async throws -> [PlayDisposition] {
        if options.dryRun {
            return dryRunMemory.adjust(try await writer.preview(batch), for: batch)
        }
        let outcome = try await writer.write(batch)
        counters.editedUpstream += outcome.edited
        let dispositions = outcome.dispositions
        for (play, disposition) in zip(batch.plays, dispositions) {
            if case .failed(let reason) = disposition {
                logger.error(
                    "play not stored; kept for `radio-ingest failed retry`",
                    metadata: ["ingest.play_id": "\(play.sourcePlayID)", "ingest.error": "\(reason)"])
            }
        }
        return dispositions
    }

    /// Counts plays stored in time that was already covered (late arrivals), and remembers
    /// which plays the source still has in the re-read stretch.
    mutating func countLatePlays(_ plays: [Play], _ dispositions: [PlayDisposition]) {
        for (play, disposition) in zip(plays, dispositions) {
            let micros = Timestamp.microseconds(play.airdate)
            if reread?.contains(play.airdate) == true { seenInReread.insert(play.sourcePlayID) }
            if disposition.songID != nil, coveredAtStart.contains(micros) { counters.latePlays += 1 }
        }
    }

    /// After the re-read stretch was walked to its end: stored plays the source no longer
    /// returns there are counted and noted (`radio_ingest_play_revisions`), never deleted.
    mutating func noticeWithdrawn(in stretch: TimeWindow) async throws {
        guard !options.dryRun else { return }
        let stored = try await store.storedPlayIDs(source: adapter.sourceName, airedIn: stretch)
        let withdrawn = stored.subtracting(seenInReread).sorted()
        guard !withdrawn.isEmpty else { return }
        let source = adapter.sourceName, runID = runID
        let revisions = withdrawn.map {
            PlayRevision(source: source, sourcePlayID: $0, kind: .withdrawn, recordJSON: nil, title: "", artist: "", runID: runID)
        }
        let noticed = try await store.withWriteSession { session in try await session.recordRevisions(revisions) }
        counters.withdrawnUpstream += noticed
        if noticed > 0 {
            logger.notice(
                "stored plays are gone from the source; the stored rows are kept and noted in radio_ingest_play_revisions",
                metadata: ["ingest.plays": "\(noticed)", "ingest.window": "\(stretch)"])
        }
    }

    /// The page's debug line (its metadata, formatting included, is built only at debug level).
    func logPage(request: PageRequest, prepared: PreparedPage, edge: Date?, timing: PageTiming) {
        logger.debug(
            "page done",
            metadata: [
                "ingest.page": "\(counters.pagesFetched)",
                "ingest.reached": "\(edge.map(stationTime.string(from:)) ?? "no plays on this page")",
                "ingest.plays": "\(prepared.plays.count)",
                "ingest.track_plays_total": "\(counters.trackPlays)", "ingest.url": "\(request.redactedURL)",
                "ingest.fetch_ms": "\(timing.milliseconds(timing.fetch))", "ingest.write_ms": "\(timing.milliseconds(timing.write))",
            ])
    }
}

/// How long a page took to fetch and parse (its polite delay excluded), and to write.
struct PageTiming {
    var fetch: Duration
    var write: Duration

    func milliseconds(_ duration: Duration) -> String { String(format: "%.2f", duration.seconds * 1e3) }
}

/// A time as the station's listeners saw it: `2024-03-01 18:05 PST`.
enum StationTime {
    static func format(_ date: Date, in zone: TimeZone) -> String {
        formatter(in: zone).string(from: date)
    }

    static func formatter(in zone: TimeZone) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm zzz"
        return formatter
    }
}

/// Tracks how far a window's walk has reached, for the ledger.
///
/// For a newest-first walk of `[lo, hi)` whose processed plays reach back to `T`, `(T, hi)` is
/// covered; `T` itself stays open so that plays tied at `T` are fetched again next time. A walk
/// that reaches its window's end covers the whole window when the window has an explicit start;
/// with an open start (a backfill to the beginning) it covers only down to the oldest play it saw,
/// since an empty or short last page proves nothing about older time.
struct WindowProgress {
    let window: TimeWindow
    let order: PlayOrder
    var edge: Int64?
    /// The oldest airdate seen in the walk.
    var oldest: Int64?
    var finished = false

    init(window: TimeWindow, order: PlayOrder) {
        self.window = window
        self.order = order
    }

    mutating func advance(with plays: [Play], finished: Bool) {
        for play in plays {
            let micros = Timestamp.microseconds(play.airdate)
            switch order {
            case .newestFirst: edge = min(edge ?? micros, micros)
            case .oldestFirst: edge = max(edge ?? micros, micros)
            }
            oldest = min(oldest ?? micros, micros)
        }
        self.finished = self.finished || finished
    }

    /// The span proven covered so far, or `nil` when nothing is yet.
    var coveredSpan: CoverageLedger.Span? {
        guard let end = window.end else { return nil }
        let upper = Timestamp.microseconds(end)
        if finished {
            if let start = window.start { return .init(lower: Timestamp.microseconds(start), upper: upper) }
            return oldest.map { .init(lower: $0, upper: upper) }
        }
        guard let edge else { return nil }
        switch order {
        case .newestFirst: return .init(lower: edge + 1, upper: upper)
        case .oldestFirst:
            guard let lower = window.start.map(Timestamp.microseconds) ?? oldest else { return nil }
            return .init(lower: lower, upper: edge)
        }
    }
}

/// In a dry run nothing is written, so later pages would count the same new song or play
/// again; this remembers what earlier pages would have written.
struct DryRunMemory {
    var playIDs: Set<String> = []
    var newSongKeys: Set<String> = []

    mutating func adjust(_ dispositions: [PlayDisposition], for batch: PageBatch) -> [PlayDisposition] {
        dispositions.indices.map { index in
            let disposition = dispositions[index]
            if !playIDs.insert(batch.plays[index].sourcePlayID).inserted, disposition != .duplicate { return .duplicate }
            guard case .newSong(let id) = disposition else { return disposition }
            return newSongKeys.insert(batch.matchKeys[index]).inserted ? disposition : .linkedToNewSong(songID: id)
        }
    }
}
