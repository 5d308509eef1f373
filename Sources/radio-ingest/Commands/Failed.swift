import ArgumentParser
import Foundation
import IngestCore
import IngestEngine

/// `radio-ingest failed list|retry`: plays the catalog refused, kept with their record and reason.
struct FailedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failed", abstract: "List or retry plays the catalog refused to store.",
        discussion: """
            A play the database refuses (a constraint, a trigger, a value it cannot hold) is skipped, counted under \
            errors, and kept with its record and the reason in radio_ingest_failed_plays. Fix the cause, then \
            `radio-ingest failed retry` stores them.
            """,
        subcommands: [List.self, Retry.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the refused plays, oldest first.")
        @Argument(help: "Only this source.") var source: String?
        @Option(help: "At most this many.") var limit = 100
        @Flag(help: "One JSON object.") var json = false
        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be a positive number") }
        }

        func run() async throws {
            let (failures, total) = try await database.withStore(
                readOnly: true, logger: logging.makeLogger(), config: try config.load(), announce: true
            ) {
                store in
                (try await store.failedPlays(source: source, limit: limit), try await store.countFailedPlays(source: source))
            }
            if json {
                let rows: [[String: Any]] = failures.map { f in
                    [
                        "source": f.source, "source_play_id": f.sourcePlayID, "reason": f.reason, "attempts": f.attempts,
                        "run_id": f.runID.map { $0 as Any } ?? NSNull(),
                        "last_failed_at": f.lastFailedAt.map(Timestamp.format) ?? NSNull(),
                        "record": (try? JSONSerialization.jsonObject(with: Data(f.recordJSON.utf8))) ?? f.recordJSON,
                    ]
                }
                let data = try JSONSerialization.data(withJSONObject: ["total": total, "failed_plays": rows], options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            guard total > 0 else {
                print("no refused plays are waiting\(source.map { " for \($0)" } ?? "")")
                return
            }
            print("\(total) refused play\(total == 1 ? "" : "s") waiting\(failures.count < total ? " (showing \(failures.count))" : "")")
            for f in failures {
                let play = try? f.play()
                let what = play.map { "\(Timestamp.format($0.airdate))  \($0.artist) – \($0.title)" } ?? "(unreadable record)"
                print("\(f.source)/\(f.sourcePlayID)  \(what)")
                print("    \(f.reason) (\(f.attempts) attempt\(f.attempts == 1 ? "" : "s"))")
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Store the refused plays again, now that the cause is fixed.")
        @Argument(help: "Only this source.") var source: String?
        @Flag(help: "One JSON object.") var json = false
        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let logger = logging.makeLogger()
            let loaded = try config.load()
            try database.requireExistingCatalog(config: loaded)
            let outcome = try await database.withStore(readOnly: false, logger: logger, config: loaded, announce: true) { store in
                try await FailedPlayRetry.run(store: store, source: source, logger: logger)
            }
            if json {
                print(String(decoding: try JSONEncoder().encode(outcome), as: UTF8.self))
            } else {
                print("retried \(outcome.retried): stored \(outcome.stored), still refused \(outcome.stillFailing)")
            }
            if outcome.stillFailing > 0 { throw ExitCode.failure }
        }
    }
}
