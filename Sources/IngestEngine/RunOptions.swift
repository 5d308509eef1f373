import Foundation
import IngestCore

/// What one run of one source should do; built by the CLI from flags and config.
public struct RunOptions: Sendable, Equatable {
    /// Fetch and report, write nothing.
    public var dryRun = false
    /// Stop after this many track plays processed.
    public var limit: Int?
    /// Stop after this many pages fetched.
    public var pageLimit: Int?
    /// Fill only the gaps between the covered history and now (or the given window).
    public var incremental = false

    /// Whether a walk of this run that stops early should be resumed by the next incremental
    /// run (a plain backfill is not: it is open-ended by design).
    var recordsPendingWalks: Bool { incremental || window.start != nil || window.end != nil }
    /// Explicit airdate bounds (`--start-date`, `--end-date`).
    public var window = TimeWindow.unbounded
    /// The pause between two page requests.
    public var politeDelay: Duration = .milliseconds(250)
    /// How much of the covered history a run that walks up to now reads again, for plays
    /// published after they aired; `nil` takes the adapter's ``StationAdapter/lookback``.
    public var lookback: Duration?

    public init(
        dryRun: Bool = false, limit: Int? = nil, pageLimit: Int? = nil, incremental: Bool = false,
        window: TimeWindow = .unbounded, politeDelay: Duration = .milliseconds(250), lookback: Duration? = nil
    ) {
        self.lookback = lookback
        self.dryRun = dryRun
        self.limit = limit
        self.pageLimit = pageLimit
        self.incremental = incremental
        self.window = window
        self.politeDelay = politeDelay
    }

    /// The options as JSON, for the run history.
    public var flagsJSON: String {
        var flags: [String: String] = [:]
        if dryRun { flags["dry_run"] = "true" }
        if incremental { flags["incremental"] = "true" }
        if let limit { flags["limit"] = String(limit) }
        if let pageLimit { flags["page_limit"] = String(pageLimit) }
        if let start = window.start { flags["start_date"] = Timestamp.format(start) }
        if let end = window.end { flags["end_date"] = Timestamp.format(end) }
        flags["polite_delay"] = "\(politeDelay)"
        if let lookback { flags["lookback"] = "\(lookback)" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? String(decoding: encoder.encode(flags), as: UTF8.self)) ?? "{}"
    }

    /// The windows to walk, in the order the source returns plays.
    ///
    /// - No window and not incremental (a backfill): every gap from the beginning to now.
    /// - `incremental`: every gap between the oldest covered airdate (or the window's start)
    ///   and now (or the window's end), reaching back far enough to finish an interrupted walk.
    /// - An explicit window without `incremental`: the whole window, covered or not.
    ///
    /// A run that walks gaps up to now also reads again the last `lookback` of the covered
    /// history (`[newest covered − lookback, newest covered)`), so a play published after it
    /// aired is stored by the next run. That re-read is merged with the gap above it.
    public func plannedWindows(checkpoint: Checkpoint, now: Date, order: PlayOrder, lookback: Duration = .zero) -> [TimeWindow] {
        let ledger = checkpoint.ledger
        let explicit = window.start != nil || window.end != nil
        let windows: [TimeWindow]
        if incremental {
            var start = window.start ?? ledger.oldestCovered
            if window.start == nil, let pending = checkpoint.pendingWalk {
                if let pendingStart = pending.start {
                    start = start.map { min($0, pendingStart) } ?? pendingStart
                } else {
                    start = nil
                }
            }
            windows = ledger.gaps(in: TimeWindow(start: start, end: window.end), now: now)
        } else if explicit {
            windows = [TimeWindow(start: window.start, end: window.end ?? now)]
        } else {
            windows = ledger.gaps(in: .unbounded, now: now)
        }
        let planned =
            explicit && !incremental ? windows : Self.addingReread(to: windows, ledger: ledger, lookback: lookback, window: window)
        return order == .newestFirst ? planned.reversed() : planned
    }

    /// `windows` (oldest first) plus the last `lookback` of the coverage, merged.
    static func addingReread(to windows: [TimeWindow], ledger: CoverageLedger, lookback: Duration, window: TimeWindow) -> [TimeWindow] {
        guard lookback > .zero, window.end == nil, let top = ledger.newestCovered else { return windows }
        var start = top.addingTimeInterval(-Double(lookback.components.seconds))
        if let floor = window.start { start = max(start, floor) }
        guard start < top else { return windows }
        var merged: [TimeWindow] = []
        for candidate in (windows + [TimeWindow(start: start, end: top)]).sorted(by: {
            ($0.start ?? .distantPast) < ($1.start ?? .distantPast)
        }) {
            if let last = merged.last, let lastEnd = last.end, (candidate.start ?? .distantPast) <= lastEnd {
                let end = [lastEnd, candidate.end].compactMap { $0 }.max()
                merged[merged.count - 1] = TimeWindow(start: last.start, end: end)
            } else {
                merged.append(candidate)
            }
        }
        return merged
    }
}
