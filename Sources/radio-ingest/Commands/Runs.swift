import ArgumentParser
import Foundation
import IngestCore
import IngestEngine

extension RadioIngest {
    /// `radio-ingest runs`: the run history.
    struct Runs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show recent runs with their status and counters.")

        @Argument(help: "Only this source.") var source: String?
        @Option(parsing: .unconditional, help: "At most this many runs.") var limit = 10
        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        }

        func run() async throws {
            let logger = logging.makeLogger()
            let loaded = try config.load()
            let runs = try await database.withStore(readOnly: true, logger: logger, config: loaded, announce: true) { store in
                try await StatusReport.requireKnown(source, store: store, config: loaded)
                return try await store.recentRuns(source: source, limit: limit)
            }
            if runs.isEmpty { print("no runs yet") }
            for run in runs { print(StatusReport.runLine(run, withSource: true)) }
        }
    }
}
