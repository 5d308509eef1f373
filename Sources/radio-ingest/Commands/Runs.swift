import ArgumentParser
import Foundation
import IngestCore
import IngestEngine

extension RadioIngest {
    /// `radio-ingest runs`: the run history.
    struct Runs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show recent runs with their status and counters.")

        @Argument(help: "Only this source.") var source: String?
        @Option(help: "At most this many runs.") var limit = 10
        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let logger = logging.makeLogger()
            let runs = try await database.withStore(readOnly: true, logger: logger, config: try config.load()) { store in
                try await store.recentRuns(source: source, limit: limit)
            }
            for run in runs {
                let c = run.counters
                print(
                    "#\(run.id ?? 0) \(run.source) \(run.status) started \(Timestamp.format(run.startedAt)) "
                        + "pages=\(c.pagesFetched) tracks=\(c.trackPlays) inserted=\(c.provenanceInserted) matched=\(c.songsMatched) "
                        + "new=\(c.newSongs) skipped=\(c.skippedInvalid) duplicates=\(c.duplicatesSkipped) errors=\(c.errors)"
                        + (run.error.map { " error=\($0)" } ?? ""))
            }
        }
    }
}
