import Foundation
import IngestCore

/// A parsed page reduced to what gets written: valid, in-window, unique plays within the
/// remaining `--limit` budget, with the counts of everything else.
struct PreparedPage {
    var plays: [Play] = []
    var trackPlays = 0
    var invalidReasons: [String] = []
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
            guard let play else {
                if case .invalid(let reason) = record { invalidReasons.append(reason) }
                continue
            }
            if let last = plays.last, Self.precedes(play.airdate, last.airdate, order: order) { outOfOrder = true }
            if let problem = PlayValidation.problem(with: play) {
                invalidReasons.append("play \(play.sourcePlayID): \(problem)")
            } else if seen.insert(play.sourcePlayID).inserted {
                plays.append(play)
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
