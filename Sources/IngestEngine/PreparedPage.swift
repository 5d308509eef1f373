import Foundation
import IngestCore

/// A parsed page reduced to what gets written: valid, in-window, unique plays within the
/// remaining `--limit` budget, with the counts of everything else.
struct PreparedPage {
    var plays: [Play] = []
    var trackPlays = 0
    var invalidReasons: [SkipReason] = []
    /// Optional values dropped from plays that were kept, for the log.
    var dropped: [String] = []
    var repeatedInPage = 0
    /// The limit ran out on this page; records after that point were not processed.
    var stoppedByLimit = false
    /// The page reached plays beyond the window's far edge, so the window is exhausted.
    var passedWindow = false
    /// A play came after one it should precede in the adapter's declared order.
    var outOfOrder = false

    init(_ records: [ParsedRecord], window: TimeWindow, order: PlayOrder, budget: inout Int?) {
        var seen = Set<String>()
        for record in records {
            let play: Play?
            switch record {
            case .nonTrack:
                continue
            case .invalid:
                play = nil
            case .track(let candidate):
                guard window.contains(candidate.airdate) else {
                    if Self.isBeyondFarEdge(candidate.airdate, window: window, order: order) { passedWindow = true }
                    continue
                }
                play = candidate
            }
            if let remaining = budget, remaining <= 0 {
                stoppedByLimit = true
                break
            }
            budget = budget.map { $0 - 1 }
            trackPlays += 1
            guard let candidate = play else {
                if case .invalid(let reason) = record { invalidReasons.append(reason) }
                continue
            }
            let (kept, droppedValues) = PlayValidation.fitted(candidate)
            dropped += droppedValues.map { "play \(kept.sourcePlayID.prefix(40)): dropped \($0)" }
            if let last = plays.last, Self.precedes(kept.airdate, last.airdate, order: order) { outOfOrder = true }
            if let problem = PlayValidation.problem(with: kept) {
                invalidReasons.append(SkipReason(problem.kind, "play \(kept.sourcePlayID.prefix(40)): \(problem.detail)"))
            } else if seen.insert(kept.sourcePlayID).inserted {
                plays.append(kept)
            } else {
                repeatedInPage += 1
            }
        }
    }

    /// Whether `a` should have come before `b` in `order`.
    static func precedes(_ a: Date, _ b: Date, order: PlayOrder) -> Bool {
        order == .newestFirst ? a > b : a < b
    }

    /// Whether `date` lies past the end the walk is heading to (older than the start for a
    /// newest-first source).
    static func isBeyondFarEdge(_ date: Date, window: TimeWindow, order: PlayOrder) -> Bool {
        switch order {
        case .newestFirst: return window.start.map { date < $0 } ?? false
        case .oldestFirst: return window.end.map { date >= $0 } ?? false
        }
    }
}
