import Foundation
import IngestCore
import IngestEngine

/// A source's coverage in time as an SVG bar: the covered history from its oldest air time to
/// its newest, covered spans green, gaps inside it red; the stretch not fetched yet (the lag
/// behind live) a grey tail at the end. Each block has a
/// `<title>` (its dates), shown on hover without any script.
struct CoverageTimeline {
    let checkpoint: Checkpoint?
    let gaps: [TimeWindow]
    let now: Date
    var width = 960.0
    var barHeight = 26.0

    /// What a block of the bar is; its class in the SVG, its colour, its name in the tooltip.
    enum Block: String {
        case covered, gap, lag

        var color: String {
            switch self {
            case .covered: "#2e9d58"
            case .gap: "#d93025"
            case .lag: "#b8bec6"
            }
        }
    }

    func svg() -> String {
        let spans = checkpoint?.ledger.spans ?? []
        guard let first = spans.first else {
            return
                "<svg viewBox=\"0 0 \(Int(width)) 30\" role=\"img\" aria-label=\"nothing covered yet\"><rect x=\"0\" y=\"2\" width=\"\(Int(width))\" height=\"\(Int(barHeight))\" fill=\"#e4e7eb\"/><text x=\"8\" y=\"20\" font-size=\"12\" fill=\"#566\">nothing covered yet</text></svg>\n"
        }
        // The covered history fills the bar; the time since the newest covered play (the lag) is
        // a short grey tail, not to scale, so a source years behind still shows its history.
        let lower = [Timestamp.date(microseconds: first.lower), checkpoint?.pendingWalk?.start].compactMap { $0 }.min() ?? now
        let newest = spans.last.map { Timestamp.date(microseconds: $0.upper) } ?? now
        let lagging = now.timeIntervalSince(newest) > 60
        let historyWidth = lagging ? width * 0.92 : width
        let domain = (lower.timeIntervalSince1970, max(newest.timeIntervalSince1970, lower.timeIntervalSince1970 + 60))
        func x(_ date: Date) -> Double {
            let fraction = (date.timeIntervalSince1970 - domain.0) / (domain.1 - domain.0)
            return min(max(fraction, 0), 1) * historyWidth
        }
        func block(_ start: Date, _ end: Date, _ kind: Block) -> String {
            let left = x(start), right = max(x(end), left + 1)
            return rect(left, right - left, kind, "\(kind.rawValue): \(StatusPage.utc(start)) → \(StatusPage.utc(end))")
        }
        let height = barHeight + 22
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"coverage timeline\">"
        svg += "<rect x=\"0\" y=\"2\" width=\"\(Self.number(historyWidth))\" height=\"\(Int(barHeight))\" fill=\"#e4e7eb\"/>"
        for span in spans {
            svg += block(Timestamp.date(microseconds: span.lower), Timestamp.date(microseconds: span.upper), .covered)
        }
        for gap in gaps {
            svg += block(gap.start ?? lower, gap.end ?? newest, .gap)
        }
        if lagging {
            let label =
                "not fetched yet, \(StatusPage.span(now.timeIntervalSince(newest))) behind live: \(StatusPage.utc(newest)) → \(StatusPage.utc(now))"
            svg += rect(historyWidth + 4, width - historyWidth - 4, .lag, label)
            svg += "<text x=\"\(Self.number(width - 4))\" y=\"19\" font-size=\"11\" fill=\"#1d2330\" text-anchor=\"end\">lag</text>"
        }
        // Five date ticks under the bar.
        for index in 0...4 {
            let date = Date(timeIntervalSince1970: domain.0 + (domain.1 - domain.0) * Double(index) / 4)
            let position = historyWidth * Double(index) / 4
            let anchor = index == 0 ? "start" : index == 4 ? "end" : "middle"
            svg +=
                "<text x=\"\(Self.number(position))\" y=\"\(Int(barHeight + 18))\" font-size=\"11\" fill=\"#566\" text-anchor=\"\(anchor)\">\(escape(String(StatusPage.utc(date).prefix(10))))</text>"
        }
        return svg + "</svg>\n"
    }

    func rect(_ x: Double, _ width: Double, _ kind: Block, _ title: String) -> String {
        "<rect class=\"\(kind.rawValue)\" x=\"\(Self.number(x))\" y=\"2\" width=\"\(Self.number(width))\" height=\"\(Int(barHeight))\" fill=\"\(kind.color)\">"
            + "<title>\(escape(title))</title></rect>"
    }

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }
}
