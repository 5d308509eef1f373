import Foundation
import IngestCore

/// What a store keeps per source in `ingestion_checkpoints`, saved with every page.
public struct Checkpoint: Sendable, Equatable {
    /// The source name.
    public var source: String
    /// The covered airdate ranges.
    public var ledger: CoverageLedger
    /// Pages committed for this source, over all runs.
    public var pagesCommitted: Int
    /// The run that last wrote this checkpoint.
    public var lastRunID: Int64?
    /// The window of an incremental or dated walk that stopped before its end; the next
    /// `--incremental` run resumes it.
    public var pendingWalk: TimeWindow?
    /// The lookback of the run that last wrote this checkpoint: the newest this much of the
    /// coverage is still settling (a play published late may yet land in it).
    public var lookback: Duration?

    public init(source: String, ledger: CoverageLedger = .init(), pagesCommitted: Int = 0, lastRunID: Int64? = nil) {
        self.source = source
        self.ledger = ledger
        self.pagesCommitted = pagesCommitted
        self.lastRunID = lastRunID
    }

    /// `ingestion_checkpoints.cursor`: the contiguous-coverage airdate as RFC 3339, or `nil`.
    public var cursor: String? { ledger.contiguousCursor.map(Timestamp.format) }

    /// The newest stretch of coverage that is still settling: covered, but within the lookback
    /// of the last run, so a play published late may still be added by the next run.
    public var settling: TimeWindow? {
        guard let lookback, lookback > .zero, let top = ledger.newestCovered else { return nil }
        let start = top.addingTimeInterval(-Double(lookback.components.seconds))
        let floor = ledger.spans.last.map {
            $0.lower == CoverageLedger.beginning ? Date.distantPast : Timestamp.date(microseconds: $0.lower)
        }
        return TimeWindow(start: max(start, floor ?? start), end: top)
    }

    /// `ingestion_checkpoints.metadata`: the ledger and counters as JSON text.
    public func metadataJSON() -> String {
        let metadata = Metadata(
            ledgerVersion: 1,
            covered: ledger.spans.map { [Self.text($0.lower), Timestamp.format(Timestamp.date(microseconds: $0.upper))] },
            pagesCommitted: pagesCommitted, lastRunID: lastRunID,
            pendingWalk: pendingWalk?.boundsText, lookbackSeconds: lookback.map { Int($0.components.seconds) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? String(decoding: encoder.encode(metadata), as: UTF8.self)) ?? "{}"
    }

    /// Reads a checkpoint back from its stored metadata JSON.
    public init(source: String, metadataJSON: String?) throws {
        self.init(source: source)
        guard let json = metadataJSON, !json.isEmpty else { return }
        guard let metadata = try? JSONDecoder().decode(Metadata.self, from: Data(json.utf8)) else {
            throw IngestError.storage("the checkpoint of '\(source)' is unreadable; inspect it with SQL or reset it")
        }
        var spans: [CoverageLedger.Span] = []
        for pair in metadata.covered ?? [] {
            guard pair.count == 2, let lower = Self.micros(pair[0]), let upper = Self.micros(pair[1]) else {
                throw IngestError.storage("the checkpoint of '\(source)' has an unreadable covered range \(pair)")
            }
            spans.append(.init(lower: lower, upper: upper))
        }
        ledger = CoverageLedger(spans: spans)
        pagesCommitted = metadata.pagesCommitted ?? 0
        lastRunID = metadata.lastRunID
        lookback = metadata.lookbackSeconds.map { Duration.seconds($0) }
        if let walk = metadata.pendingWalk, walk.count == 2 {
            pendingWalk = TimeWindow(start: Timestamp.parse(walk[0]), end: Timestamp.parse(walk[1]))
        }
    }

    struct Metadata: Codable {
        var ledgerVersion: Int?
        var covered: [[String]]?
        var pagesCommitted: Int?
        var lastRunID: Int64?
        var pendingWalk: [String]?
        var lookbackSeconds: Int?
        enum CodingKeys: String, CodingKey {
            case ledgerVersion = "ledger_version", covered, pagesCommitted = "pages_committed", lastRunID = "last_run_id"
            case pendingWalk = "pending_walk", lookbackSeconds = "lookback_seconds"
        }
    }

    /// A ledger bound as text: RFC 3339, or `-infinity` for the open lower bound.
    public static func text(_ micros: Int64) -> String {
        micros == CoverageLedger.beginning ? "-infinity" : Timestamp.format(Timestamp.date(microseconds: micros))
    }

    static func micros(_ text: String) -> Int64? {
        text == "-infinity" ? CoverageLedger.beginning : Timestamp.parse(text).map(Timestamp.microseconds)
    }
}
