import CoreMetrics
import Foundation

/// Every metric RadioIngest exports, defined once: name, kind, help text and buckets.
///
/// The engine records through swift-metrics (a no-op until a process bootstraps a backend; the
/// daemon's `--listen` bootstraps Prometheus). Counters move once per page or per HTTP request,
/// never per play. A backend that needs help texts (Prometheus stops the process when one name
/// is registered with two) reads them from ``definitions``, so they can never disagree.
public enum IngestMetrics {
    public enum Kind: String, Sendable { case counter, gauge, histogram }

    public struct Definition: Sendable {
        public let name: String
        public let kind: Kind
        public let help: String
        public let labels: [String]
        /// Histogram buckets, in seconds.
        public let buckets: [Double]
    }

    static let durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    public static let pages = Definition(
        name: "radio_ingest_pages_total", kind: .counter, help: "Pages fetched, by outcome (written, failed)",
        labels: ["source", "outcome"], buckets: [])
    public static let httpRequests = Definition(
        name: "radio_ingest_http_requests_total", kind: .counter, help: "HTTP requests to stations, by host and status (a code, or error)",
        labels: ["source", "host", "status"], buckets: [])
    public static let retries = Definition(
        name: "radio_ingest_http_retries_total", kind: .counter,
        help: "Page fetches retried, by reason (rate_limited, server_error, network)",
        labels: ["source", "reason"], buckets: [])
    public static let records = Definition(
        name: "radio_ingest_records_total", kind: .counter, help: "Records on fetched pages, by kind (track, non_track, invalid)",
        labels: ["source", "kind"], buckets: [])
    public static let playsWritten = Definition(
        name: "radio_ingest_plays_written_total", kind: .counter, help: "Plays written, by result (inserted, duplicate, failed)",
        labels: ["source", "result"], buckets: [])
    public static let songsMatched = Definition(
        name: "radio_ingest_songs_matched_total", kind: .counter, help: "Plays linked to a song, by method (mbid, key, new)",
        labels: ["source", "method"], buckets: [])
    public static let runs = Definition(
        name: "radio_ingest_runs_total", kind: .counter, help: "Runs finished, by status", labels: ["source", "status"], buckets: [])
    public static let pageFetchSeconds = Definition(
        name: "radio_ingest_page_fetch_duration_seconds", kind: .histogram, help: "Time to fetch and parse a page (retries included)",
        labels: ["source"], buckets: durationBuckets)
    public static let pageWriteSeconds = Definition(
        name: "radio_ingest_page_write_duration_seconds", kind: .histogram, help: "Time to write a page in one transaction",
        labels: ["source"], buckets: durationBuckets)
    public static let lastSuccess = Definition(
        name: "radio_ingest_last_success_timestamp_seconds", kind: .gauge,
        help: "When the source's last complete or partial run finished (Unix time; freshness is time() minus this)", labels: ["source"],
        buckets: [])
    public static let newestPlay = Definition(
        name: "radio_ingest_newest_play_timestamp_seconds", kind: .gauge,
        help: "Airdate of the newest play covered for the source (Unix time; lag is time() minus this)", labels: ["source"], buckets: [])
    public static let coverageGaps = Definition(
        name: "radio_ingest_coverage_gaps", kind: .gauge, help: "Holes in the source's covered history", labels: ["source"], buckets: [])
    public static let leaseHeld = Definition(
        name: "radio_ingest_lease_held", kind: .gauge, help: "1 while some process holds the source's lease, else 0", labels: ["source"],
        buckets: [])
    public static let scheduleInterval = Definition(
        name: "radio_ingest_schedule_interval_seconds", kind: .gauge,
        help: "How often the daemon runs the source (its schedule's every), for alerts relative to it", labels: ["source"], buckets: [])
    public static let awaitingEmbedding = Definition(
        name: "radio_ingest_songs_awaiting_embedding", kind: .gauge, help: "Catalog songs without an embedding yet", labels: [], buckets: []
    )

    /// Every definition, for a backend's registry and for docs/operations.md.
    public static let definitions: [Definition] = [
        pages, httpRequests, retries, records, playsWritten, songsMatched, runs, pageFetchSeconds, pageWriteSeconds, lastSuccess,
        newestPlay, coverageGaps, leaseHeld, scheduleInterval, awaitingEmbedding,
    ]

    /// The definition named `name`.
    public static func definition(named name: String) -> Definition? { byName[name] }
    static let byName = Dictionary(uniqueKeysWithValues: definitions.map { ($0.name, $0) })

    // MARK: Recording

    static func count(_ definition: Definition, _ amount: Int, _ labels: [(String, String)]) {
        guard amount > 0 else { return }
        Counter(label: definition.name, dimensions: labels).increment(by: amount)
    }

    static func set(_ definition: Definition, _ value: Double, _ labels: [(String, String)]) {
        Gauge(label: definition.name, dimensions: labels).record(value)
    }

    /// One page's counters, once it is written.
    static func page(source: String, fetch: Duration, write: Duration, records: ParsedRecordCounts, dispositions: [PlayDisposition]) {
        let labels = [("source", source)]
        count(pages, 1, labels + [("outcome", "written")])
        count(self.records, records.tracks, labels + [("kind", "track")])
        count(self.records, records.nonTracks, labels + [("kind", "non_track")])
        count(self.records, records.invalid, labels + [("kind", "invalid")])
        var inserted = 0, duplicate = 0, failed = 0, mbid = 0, key = 0, new = 0
        for disposition in dispositions {
            switch disposition {
            case .duplicate: duplicate += 1
            case .failed: failed += 1
            case .matched(_, let method):
                inserted += 1
                if method == .mbid { mbid += 1 } else { key += 1 }
            case .newSong:
                inserted += 1
                new += 1
            case .linkedToNewSong:
                inserted += 1
                key += 1
            }
        }
        count(playsWritten, inserted, labels + [("result", "inserted")])
        count(playsWritten, duplicate, labels + [("result", "duplicate")])
        count(playsWritten, failed, labels + [("result", "failed")])
        count(songsMatched, mbid, labels + [("method", "mbid")])
        count(songsMatched, key, labels + [("method", "key")])
        count(songsMatched, new, labels + [("method", "new")])
        Timer(label: pageFetchSeconds.name, dimensions: labels).recordNanoseconds(fetch.nanoseconds)
        Timer(label: pageWriteSeconds.name, dimensions: labels).recordNanoseconds(write.nanoseconds)
    }

    /// A page that was fetched but failed (malformed, refused by the catalog).
    static func failedPage(source: String) { count(pages, 1, [("source", source), ("outcome", "failed")]) }

    static func httpRequest(source: String, host: String, status: String) {
        count(httpRequests, 1, [("source", source), ("host", host), ("status", status)])
    }

    static func retry(source: String, reason: String) { count(retries, 1, [("source", source), ("reason", reason)]) }

    /// A finished run. (Its time, `last_success_timestamp_seconds`, is read from the run history
    /// when the gauges are refreshed, so it is right after a restart too.)
    static func run(source: String, status: RunStatus) {
        count(runs, 1, [("source", source), ("status", status.rawValue)])
    }

    /// What a source's stored state says: set by whoever reads it (the daemon, on each scrape).
    public static func sourceState(source: String, newestPlay: Date?, gaps: Int, leaseHeld: Bool, lastSuccess: Date?) {
        let labels = [("source", source)]
        if let newestPlay { set(self.newestPlay, newestPlay.timeIntervalSince1970, labels) }
        if let lastSuccess { set(self.lastSuccess, lastSuccess.timeIntervalSince1970, labels) }
        set(coverageGaps, Double(gaps), labels)
        set(self.leaseHeld, leaseHeld ? 1 : 0, labels)
    }

    public static func songsAwaitingEmbedding(_ count: Int) { set(awaitingEmbedding, Double(count), []) }

    /// A scheduled source's interval (the daemon, at start).
    public static func schedule(source: String, every: Duration) {
        set(scheduleInterval, every.seconds, [("source", source)])
    }
}

/// How many records of each kind a page held.
struct ParsedRecordCounts {
    var tracks = 0, nonTracks = 0, invalid = 0
}

extension Duration {
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
