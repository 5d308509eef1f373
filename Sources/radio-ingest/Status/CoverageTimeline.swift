import Foundation
import IngestCore
import IngestEngine

/// A source's coverage in time as an SVG bar: from the oldest covered air time to now, covered
/// spans green, gaps inside the history red, the stretch not fetched yet grey. Each block has a
/// `<title>` (its dates), shown on hover without any script.
struct CoverageTimeline {
    let checkpoint: Checkpoint?
    let gaps: [TimeWindow]
    let now: Date
    var width = 960.0
    var barHeight = 26.0

    func svg() -> String {
        let spans = checkpoint?.ledger.spans ?? []
        guard let first = spans.first else {
            return "<svg viewBox=\"0 0 \(Int(width)) 30\" role=\"img\" aria-label=\"nothing covered yet\"><rect x=\"0\" y=\"2\" width=\"\(Int(width))\" height=\"\(Int(barHeight))\" fill=\"#e4e7eb\"/><text x=\"8\" y=\"20\" font-size=\"12\" fill=\"#566\">nothing covered yet</text></svg>\n"
        }
        let lower = [Timestamp.date(microseconds: first.lower), checkpoint?.pendingWalk?.start].compactMap { $0 }.min() ?? now
        let domain = (lower.timeIntervalSince1970, max(now.timeIntervalSince1970, lower.timeIntervalSince1970 + 60))
        func x(_ date: Date) -> Double {
            let fraction = (date.timeIntervalSince1970 - domain.0) / (domain.1 - domain.0)
            return min(max(fraction, 0), 1) * width
        }
        func block(_ start: Date, _ end: Date, _ color: String, _ label: String, _ kind: String) -> String {
            let left = x(start), right = max(x(end), left + 1)
            return "<rect class=\"\(kind)\" x=\"\(Self.number(left))\" y=\"2\" width=\"\(Self.number(right - left))\" height=\"\(Int(barHeight))\" fill=\"\(color)\">"
                + "<title>\(escape(label)): \(escape(StatusPage.utc(start))) → \(escape(StatusPage.utc(end)))</title></rect>"
        }
        let height = barHeight + 22
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"coverage timeline\">"
        svg += "<rect x=\"0\" y=\"2\" width=\"\(Int(width))\" height=\"\(Int(barHeight))\" fill=\"#e4e7eb\"/>"
        for span in spans {
            svg += block(Timestamp.date(microseconds: span.lower), Timestamp.date(microseconds: span.upper), "#2e9d58", "covered", "covered")
        }
        for gap in gaps {
            svg += block(gap.start ?? lower, gap.end ?? now, "#d93025", "gap", "gap")
        }
        if let newest = spans.last.map({ Timestamp.date(microseconds: $0.upper) }), newest < now {
            svg += block(newest, now, "#b8bec6", "not fetched yet", "lag")
        }
        // Five date ticks under the bar.
        for index in 0...4 {
            let date = Date(timeIntervalSince1970: domain.0 + (domain.1 - domain.0) * Double(index) / 4)
            let anchor = index == 0 ? "start" : index == 4 ? "end" : "middle"
            svg += "<text x=\"\(Self.number(x(date)))\" y=\"\(Int(barHeight + 18))\" font-size=\"11\" fill=\"#566\" text-anchor=\"\(anchor)\">\(escape(String(StatusPage.utc(date).prefix(10))))</text>"
        }
        return svg + "</svg>\n"
    }

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }
}
