import Foundation
import IngestCore

/// How a run ended.
public enum RunStatus: String, Sendable, Codable {
    /// Every planned window was walked to its end.
    case complete
    /// A `--limit` or `--page-limit` stopped the run; what it covered is recorded.
    case partial
    /// The run aborted (network, malformed page, storage); committed pages stay committed.
    case failed
    /// The run was asked to stop (a signal) and stopped after committing its page in flight.
    case interrupted
    /// Another process holds the source's lease; nothing was fetched.
    case skipped
}

/// The outcome of one run of one source, as logged, stored and printed with `--json`.
public struct RunSummary: Sendable, Equatable {
    public var source: String
    public var runID: Int64?
    public var status: RunStatus
    public var dryRun: Bool
    public var counters: RunCounters
    /// Songs in the catalog awaiting an embedding after the run (all sources).
    public var songsAwaitingEmbedding: Int?
    public var error: String?
    public var startedAt: Date
    public var finishedAt: Date
    /// The catalog written (or read, in a dry run), password masked.
    public var catalog: String?

    public init(
        source: String, runID: Int64?, status: RunStatus, dryRun: Bool, counters: RunCounters,
        songsAwaitingEmbedding: Int?, error: String?, startedAt: Date, finishedAt: Date
    ) {
        self.source = source
        self.runID = runID
        self.status = status
        self.dryRun = dryRun
        self.counters = counters
        self.songsAwaitingEmbedding = songsAwaitingEmbedding
        self.error = error
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    /// The summary as one JSON object with the documented keys.
    public func json() -> String {
        var object: [String: Any] = [
            "source": source, "status": status.rawValue, "dry_run": dryRun,
            "pages_fetched": counters.pagesFetched, "plays_seen": counters.playsSeen,
            "track_plays": counters.trackPlays, "provenance_inserted": counters.provenanceInserted,
            "songs_matched": counters.songsMatched, "new_songs": counters.newSongs,
            "skipped_invalid": counters.skippedInvalid, "duplicates_skipped": counters.duplicatesSkipped,
            "errors": counters.errors, "late_plays": counters.latePlays, "edited_upstream": counters.editedUpstream,
            "withdrawn_upstream": counters.withdrawnUpstream, "skip_reasons": counters.skipReasons,
            "started_at": Timestamp.format(startedAt), "finished_at": Timestamp.format(finishedAt),
        ]
        if let runID { object["run_id"] = runID }
        if let catalog { object["catalog"] = catalog }
        if let songsAwaitingEmbedding { object["songs_awaiting_embedding"] = songsAwaitingEmbedding }
        if let error { object["error"] = error }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// ` (missing title or artist 3, unparseable time 1)`, or nothing when nothing was skipped.
    var skipBreakdown: String {
        guard !counters.skipReasons.isEmpty else { return "" }
        return " ("
            + counters.skipReasons.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
    }

    /// The summary as the runbook's aligned text block.
    public func text() -> String {
        let rows: [(String, String)] =
            (catalog.map { [("Catalog:", $0)] } ?? []) + [
                ("Source:", source + (dryRun ? " (dry run: nothing written; counts say what a real run would do)" : "")),
                ("Status:", status.rawValue + (error.map { " — \($0)" } ?? "")),
                ("Pages fetched:", "\(counters.pagesFetched)"),
                ("Total plays seen:", "\(counters.playsSeen)"),
                ("Track plays:", "\(counters.trackPlays)"),
                (dryRun ? "Provenance rows to insert:" : "Provenance rows inserted:", "\(counters.provenanceInserted)"),
                (dryRun ? "Songs it would match:" : "Songs matched existing:", "\(counters.songsMatched)"),
                (dryRun ? "New songs to insert:" : "New songs inserted:", "\(counters.newSongs)"),
                ("Skipped (no title/artist):", "\(counters.skippedInvalid)" + skipBreakdown),
                ("Duplicates skipped:", "\(counters.duplicatesSkipped)"),
                ("Errors:", "\(counters.errors)"),
                (
                    "Late plays found:",
                    "\(counters.latePlays)" + (counters.latePlays > 0 ? " (published after airing; in the inserted count)" : "")
                ),
            ]
            + (counters.editedUpstream + counters.withdrawnUpstream > 0
                ? [("Changed upstream:", "\(counters.editedUpstream) edited, \(counters.withdrawnUpstream) withdrawn (stored rows kept)")]
                : []) + (songsAwaitingEmbedding.map { [("Songs awaiting embedding:", "\($0)")] } ?? [])
        return rows.map { $0.0.padding(toLength: 27, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
    }
}
