import Foundation
import IngestCore

/// The airdate ranges of a source that are fully ingested: the heart of gap-free checkpoints.
///
/// A single "newest airdate seen" cursor loses data on a newest-first feed: a run interrupted
/// on page 7 leaves everything between page 7 and the previous cursor unfetched forever. The
/// ledger instead records what is actually covered, as disjoint half-open ranges of
/// microseconds, and is saved in the same transaction as every page. A run then walks only
/// the gaps, so an interrupted walk resumes exactly where it stopped.
///
/// Ties are safe: after a page whose oldest play aired at `T`, only `(T, hi)` counts as covered,
/// so plays sharing `T` on the next page are fetched again (and skipped as duplicates).
public struct CoverageLedger: Sendable, Equatable, Codable {
    /// One covered span, `[lower, upper)` in microseconds since 1970.
    public struct Span: Sendable, Equatable, Codable {
        public var lower: Int64
        public var upper: Int64
        public init(lower: Int64, upper: Int64) {
            self.lower = lower
            self.upper = upper
        }
    }

    /// Covered spans, sorted, disjoint and non-adjacent.
    public private(set) var spans: [Span]

    public init(spans: [Span] = []) {
        self.spans = []
        for span in spans { add(span) }
    }

    /// The open lower bound ("since the beginning of the source").
    public static let beginning = Int64.min
    /// Whether nothing is covered yet.
    public var isEmpty: Bool { spans.isEmpty }

    /// Marks `[span.lower, span.upper)` as covered, merging with touching spans.
    public mutating func add(_ span: Span) {
        guard span.lower < span.upper else { return }
        var merged = span
        var kept: [Span] = []
        for existing in spans {
            if existing.upper < merged.lower || existing.lower > merged.upper {
                kept.append(existing)
            } else {
                merged = Span(lower: min(existing.lower, merged.lower), upper: max(existing.upper, merged.upper))
            }
        }
        kept.append(merged)
        spans = kept.sorted { $0.lower < $1.lower }
    }

    /// Marks a window as covered.
    public mutating func add(_ window: TimeWindow, now: Date) {
        add(
            Span(
                lower: window.start.map(Timestamp.microseconds) ?? Self.beginning,
                upper: Timestamp.microseconds(window.end ?? now)))
    }

    /// The uncovered parts of `window`, oldest first.
    public func gaps(in window: TimeWindow, now: Date) -> [TimeWindow] {
        let lower = window.start.map(Timestamp.microseconds) ?? Self.beginning
        let upper = Timestamp.microseconds(window.end ?? now)
        var cursor = lower
        var result: [TimeWindow] = []
        for span in spans where span.upper > lower && span.lower < upper {
            if span.lower > cursor { result.append(Self.window(cursor, span.lower)) }
            cursor = max(cursor, span.upper)
        }
        if cursor < upper { result.append(Self.window(cursor, upper)) }
        return result
    }

    /// The newest covered instant (the top of the newest span), if any.
    public var newestCovered: Date? {
        spans.last.map { Timestamp.date(microseconds: $0.upper) }
    }

    /// Whether `micros` lies inside a covered span.
    public func contains(_ micros: Int64) -> Bool {
        spans.contains { $0.lower <= micros && micros < $0.upper }
    }

    /// The oldest covered instant, if any.
    public var oldestCovered: Date? {
        spans.first.flatMap { $0.lower == Self.beginning ? nil : Timestamp.date(microseconds: $0.lower) }
    }

    /// The newest airdate below which coverage is contiguous: the top of the oldest span.
    /// This is what `ingestion_checkpoints.cursor` holds.
    public var contiguousCursor: Date? {
        spans.first.map { Timestamp.date(microseconds: $0.upper) }
    }

    static func window(_ lower: Int64, _ upper: Int64) -> TimeWindow {
        TimeWindow(
            start: lower == beginning ? nil : Timestamp.date(microseconds: lower),
            end: Timestamp.date(microseconds: upper))
    }
}
