import Foundation
import IngestEngine
import Logging
import Synchronization

/// Shows how a long run is going on standard error, never on standard output.
///
/// On a terminal: one line redrawn in place (pages, plays stored, how far back in the station's
/// own time the walk has reached, plays per second, elapsed). Otherwise (a pipe, a file, the
/// daemon): a short `progress` log line every ``everyPages`` pages or ``everySeconds`` seconds.
final class ProgressDisplay: Sendable {
    let terminal: Terminal
    let logger: Logger
    let everyPages: Int
    let everySeconds: Double
    private let lastLine = Mutex<[String: (pages: Int, time: Double)]>([:])
    /// The TTY line of each source running now (`run` walks several at once).
    private let active = Mutex<[(source: String, line: String)]>([])

    init(terminal: Terminal = .standardError, logger: Logger, everyPages: Int = 50, everySeconds: Double = 30) {
        self.terminal = terminal
        self.logger = logger
        self.everyPages = everyPages
        self.everySeconds = everySeconds
    }

    func update(_ progress: WalkProgress) {
        if terminal.isTTY {
            let line = active.withLock { active -> String in
                active.removeAll { $0.source == progress.source }
                if !progress.finished { active.append((progress.source, Self.line(progress))) }
                return active.map(\.line).joined(separator: "  |  ")
            }
            terminal.drawProgress(line.isEmpty ? nil : line)
            return
        }
        guard !progress.finished else { return }
        let now = Date().timeIntervalSince1970
        let due = lastLine.withLock { lines -> Bool in
            // The first page, then every so many pages or seconds.
            if let last = lines[progress.source] {
                guard progress.pages - last.pages >= everyPages || now - last.time >= everySeconds else { return false }
            }
            lines[progress.source] = (progress.pages, now)
            return true
        }
        guard due else { return }
        var logger = self.logger
        logger[metadataKey: "ingest.source"] = "\(progress.source)"
        if let id = progress.runID { logger[metadataKey: "ingest.run_id"] = "\(id)" }
        logger.info(
            "progress",
            metadata: [
                "ingest.pages": "\(progress.pages)", "ingest.stored": "\(progress.stored)",
                "ingest.reached": "\(progress.reached ?? "-")",
                "ingest.plays_per_second": "\(Int(progress.playsPerSecond.rounded()))", "ingest.elapsed": "\(Self.clock(progress.elapsed))",
            ])
    }

    /// `kexp  page 42  8,400 plays stored  reached 2023-11-14 09:00 PST  1,950 plays/s  0:04`
    static func line(_ progress: WalkProgress) -> String {
        let stored = progress.dryRun ? "would store" : "stored"
        let reached = progress.reached.map { "reached \($0)" } ?? "no plays yet"
        return "\(progress.source)  page \(progress.pages)  \(grouped(progress.stored)) plays \(stored)  \(reached)  "
            + "\(grouped(Int(progress.playsPerSecond.rounded()))) plays/s  \(clock(progress.elapsed))"
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result += "," }
            result.append(character)
        }
        return result
    }

    /// `0:04`, `12:30`, `1:02:03`.
    static func clock(_ duration: Duration) -> String {
        let total = Int(duration.components.seconds)
        let (hours, minutes, seconds) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, seconds) : String(format: "%d:%02d", minutes, seconds)
    }
}
