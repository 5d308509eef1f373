import Foundation
import IngestCore
import IngestEngine

/// The status page: server-rendered HTML, no script. Per source a coverage timeline (SVG) over
/// the covered history with its gaps, the lag behind live, the walk in progress, the last runs,
/// who holds the lease and (from the daemon) the next scheduled run; the embedding queue.
struct StatusPage {
    let report: StatusReport
    /// The daemon's own view; `nil` for `status --html`.
    var daemon: DaemonState.Snapshot?
    var config: IngestConfig?
    var now = Date()
    /// Reload every so many seconds (the daemon's page).
    var refreshSeconds: Int?

    func render() -> String {
        var html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            \(refreshSeconds.map { "<meta http-equiv=\"refresh\" content=\"\($0)\">" } ?? "")
            <title>RadioIngest status</title>
            <style>\(Self.style)</style></head><body>
            <header><h1>RadioIngest</h1>
            <p class="meta">catalog \(escape(report.catalog)) · \(report.songsAwaitingEmbedding) songs awaiting an embedding · \
            as of \(escape(Self.utc(now)))\(daemon == nil ? "" : " · daemon \(daemonHealth)")</p></header>
            """
        if report.sources.isEmpty { html += "<p>No sources yet: run one, or give a config.</p>" }
        for source in report.sources { html += section(source) }
        html += "<footer>Times in UTC. Green: covered. Red: a gap inside the history. Grey: not fetched yet (lag behind live).</footer>"
        html += "</body></html>\n"
        return html
    }

    var daemonHealth: String {
        guard let heartbeat = daemon?.heartbeat else { return "<span class=\"bad\">scheduler not started</span>" }
        let age = now.timeIntervalSince(heartbeat)
        return age <= 5 ? "scheduler ticking" : "<span class=\"bad\">scheduler silent for \(Self.span(age))</span>"
    }

    func section(_ source: StatusReport.SourceStatus) -> String {
        let entry = config?.source(named: source.name)
        let newest = source.checkpoint?.ledger.spans.last.map { Timestamp.date(microseconds: $0.upper) }
        var facts: [(String, String)] = []
        if let entry { facts.append(("adapter", escape(entry.adapter) + (entry.enabled ? "" : " (disabled)"))) }
        facts.append(("lag behind live", newest.map { lagText(now.timeIntervalSince($0)) } ?? "nothing covered yet"))
        facts.append(("newest covered", newest.map { escape(Self.utc($0)) } ?? "–"))
        facts.append(("gaps", source.gaps.isEmpty ? "none" : "<span class=\"bad\">\(source.gaps.count)</span>"))
        if let lease = report.leases[source.name] {
            facts.append(("lease", "held by \(escape(lease.holder)) until \(escape(Self.utc(lease.until)))"))
        } else {
            facts.append(("lease", "free"))
        }
        if let walk = daemon?.walks[source.name] {
            let reached = walk.reached.map { " reached " + escape($0) } ?? ""
            facts.append(("running now", "page \(walk.pages), \(walk.stored) plays stored\(reached), \(Int(walk.playsPerSecond)) plays/s"))
        } else if let pending = source.checkpoint?.pendingWalk {
            facts.append(("unfinished walk", escape(pending.description) + " (the next run resumes it)"))
        }
        if let next = daemon?.nextRuns[source.name] {
            facts.append(("next run", escape(Self.utc(next)) + " (in \(Self.span(max(0, next.timeIntervalSince(now)))))"))
        } else if let schedule = entry?.schedule {
            facts.append(("schedule", "every \(schedule.every)"))
        }
        if source.failedPlays > 0 {
            facts.append(("refused plays", "<span class=\"bad\">\(source.failedPlays)</span> (radio-ingest failed list)"))
        }
        var html = "<section><h2>\(escape(source.name))</h2>\n"
        html += CoverageTimeline(checkpoint: source.checkpoint, gaps: source.gaps, now: now).svg()
        html += "<dl>" + facts.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }.joined() + "</dl>\n"
        html += runsTable(source.runs)
        return html + "</section>\n"
    }

    func lagText(_ seconds: TimeInterval) -> String {
        let text = Self.span(seconds)
        return seconds > 6 * 3600 ? "<span class=\"bad\">\(text)</span>" : text
    }

    func runsTable(_ runs: [RunRecord]) -> String {
        guard !runs.isEmpty else { return "<p>No runs yet.</p>" }
        var html =
            "<table><tr><th>run</th><th>status</th><th>started</th><th>took</th><th>pages</th><th>tracks</th>"
            + "<th>inserted</th><th>matched</th><th>new songs</th><th>invalid</th><th>duplicates</th><th>errors</th><th>error</th></tr>\n"
        for run in runs {
            let c = run.counters
            let took = run.finishedAt.map { Self.span($0.timeIntervalSince(run.startedAt)) } ?? "running"
            let status =
                ["failed", "abandoned", "interrupted"].contains(run.status) ? "<span class=\"bad\">\(run.status)</span>" : run.status
            html +=
                "<tr><td>#\(run.id ?? 0)</td><td>\(status)</td><td>\(escape(Self.utc(run.startedAt)))</td><td>\(took)</td>"
                + "<td>\(c.pagesFetched)</td><td>\(c.trackPlays)</td><td>\(c.provenanceInserted)</td><td>\(c.songsMatched)</td>"
                + "<td>\(c.newSongs)</td><td>\(c.skippedInvalid)</td><td>\(c.duplicatesSkipped)</td><td>\(c.errors)</td>"
                + "<td class=\"error\">\(escape(run.error ?? ""))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    static func utc(_ date: Date) -> String {
        let text = Timestamp.format(date)
        return String(text.prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    /// `45 s`, `12 min`, `3.5 h`, `4 d`.
    static func span(_ seconds: TimeInterval) -> String {
        switch seconds {
        case ..<90: return "\(Int(seconds.rounded())) s"
        case ..<(90 * 60): return "\(Int((seconds / 60).rounded())) min"
        case ..<(48 * 3600): return String(format: "%.1f h", seconds / 3600)
        default: return "\(Int((seconds / 86400).rounded())) d"
        }
    }

    static let style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fafbfc}
        h1{margin:0;font-size:22px}h2{font-size:17px;margin:0 0 8px}
        .meta{color:#566;margin:4px 0 16px}section{background:#fff;border:1px solid #dde2e8;border-radius:6px;padding:14px 16px;margin:0 0 16px}
        dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:10px 0}dt{color:#566}dd{margin:0}
        table{border-collapse:collapse;font-size:12.5px;width:100%}th,td{border-bottom:1px solid #eef0f3;padding:3px 6px;text-align:right}
        th:nth-child(-n+3),td:nth-child(-n+3),td.error{text-align:left}td.error{color:#b3261e;max-width:320px;overflow-wrap:anywhere}
        .bad{color:#b3261e;font-weight:600}svg{display:block;width:100%;max-width:960px;height:auto}
        footer{color:#566;font-size:12px}
        """
}

/// `<`, `>`, `&`, `"` escaped for HTML text and attributes.
func escape(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.count)
    for character in text {
        switch character {
        case "<": result += "&lt;"
        case ">": result += "&gt;"
        case "&": result += "&amp;"
        case "\"": result += "&quot;"
        default: result.append(character)
        }
    }
    return result
}
