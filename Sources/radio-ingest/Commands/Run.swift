import ArgumentParser
import Foundation
import IngestCore
import IngestEngine

extension RadioIngest {
    /// `radio-ingest run`: every selected source once, several at a time.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the config's sources once (default: all enabled), several at a time.",
            discussion: "Exit codes: 0 when no source failed, 1 when one did, 64 bad usage or a broken config.")

        @Argument(help: "Source names from the config (default: every enabled source).") var sources: [String] = []
        @Flag(help: "Fetch and report; write nothing.") var dryRun = false
        @Flag(help: "Print one JSON object with every source's summary and the total.") var json = false
        @Option(help: "How many sources at once (default: the config's concurrency).") var concurrency: Int?
        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        }

        func run() async throws {
            let loaded = try config.require()
            let logger = logging.makeLogger(config: loaded)
            let entries = try select(from: loaded)
            let store = try database.open(readOnly: dryRun, logger: logger, config: loaded)
            let display = ProgressDisplay(logger: logger)
            let runner = ConfiguredRun(
                store: store, logger: logger, dryRun: dryRun, leaseTTL: loaded.leaseTTL, progress: { display.update($0) })
            let slots = Slots(limit: concurrency ?? loaded.concurrency)
            let signals = SignalStop()
            let stop = signals.stop
            let summaries = await withTaskGroup(of: (Int, RunSummary).self) { group in
                for (index, entry) in entries.enumerated() {
                    group.addTask {
                        await slots.acquire()
                        let summary = await runner.run(entry, stop: stop)
                        await slots.release()
                        return (index, summary)
                    }
                }
                var results: [(Int, RunSummary)] = []
                for await result in group { results.append(result) }
                return results.sorted { $0.0 < $1.0 }.map(\.1)
            }
            await store.close()
            print(json ? SummaryTable.json(summaries) : SummaryTable.text(summaries))
            if let code = signals.exitCode { throw ExitCode(code) }
            if summaries.contains(where: { $0.status == .failed }) { throw ExitCode.failure }
        }

        func select(from loaded: IngestConfig) throws -> [SourceConfig] {
            guard !sources.isEmpty else {
                let enabled = loaded.sources.filter(\.enabled)
                if enabled.isEmpty { throw ValidationError("\(loaded.path) has no enabled source") }
                return enabled
            }
            return try sources.map { name in
                guard let entry = loaded.source(named: name) else {
                    throw ValidationError(
                        "\(loaded.path) has no source named '\(name)' (it has: \(loaded.sources.map(\.name).joined(separator: ", ")))")
                }
                return entry
            }
        }
    }
}

/// Several run summaries side by side, with a total.
enum SummaryTable {
    static func text(_ summaries: [RunSummary]) -> String {
        let header = ["source", "status", "pages", "seen", "tracks", "inserted", "matched", "new", "invalid", "dups", "errors"]
        func row(_ name: String, _ status: String, _ c: RunCounters) -> [String] {
            [name, status]
                + [
                    c.pagesFetched, c.playsSeen, c.trackPlays, c.provenanceInserted, c.songsMatched, c.newSongs,
                    c.skippedInvalid, c.duplicatesSkipped, c.errors,
                ].map(String.init)
        }
        let total = summaries.map(\.counters).reduce(RunCounters(), +)
        let rows = [header] + summaries.map { row($0.source, $0.status.rawValue, $0.counters) } + [row("TOTAL", overall(summaries), total)]
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines = summaries.compactMap(\.catalog).first.map { ["catalog: \($0)"] } ?? []
        lines += rows.map { cells in
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        lines += summaries.compactMap { summary in summary.error.map { "\(summary.source): \($0)" } }
        return lines.joined(separator: "\n")
    }

    static func json(_ summaries: [RunSummary]) -> String {
        let total = summaries.map(\.counters).reduce(RunCounters(), +)
        let totalJSON = (try? JSONEncoder().encode(total)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let catalog = summaries.compactMap(\.catalog).first.flatMap { try? JSONEncoder().encode($0) }.map {
            String(decoding: $0, as: UTF8.self)
        }
        return "{\"catalog\":\(catalog ?? "null"),\"status\":\"\(overall(summaries))\",\"sources\":["
            + summaries.map { $0.json() }.joined(separator: ",")
            + "],\"total\":" + totalJSON + "}"
    }

    static func overall(_ summaries: [RunSummary]) -> String {
        if summaries.contains(where: { $0.status == .failed }) { return "failed" }
        if summaries.allSatisfy({ $0.status == .complete }) { return "complete" }
        return "partial"
    }
}
