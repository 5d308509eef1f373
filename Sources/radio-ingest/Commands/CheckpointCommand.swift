import ArgumentParser
import Foundation
import IngestCore
import IngestEngine

/// `radio-ingest checkpoint show|reset SOURCE`: the runbook's hand-written SQL, as commands.
struct CheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint", abstract: "Show or reset a source's checkpoint.", subcommands: [Show.self, Reset.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a source's cursor and ledger as JSON.")
        @Argument(help: "The source name.") var source: String
        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let checkpoint = try await database.withStore(
                readOnly: true, logger: logging.makeLogger(), config: try config.load(), announce: true
            ) {
                store in
                try await store.checkpoint(for: source)
            }
            guard let checkpoint else {
                FileHandleOutput.standardError("radio-ingest: \(source) has no checkpoint")
                throw ExitCode.failure
            }
            print(
                "{\"source\":\"\(source)\",\"cursor\":\(checkpoint.cursor.map { "\"\($0)\"" } ?? "null"),\"metadata\":\(checkpoint.metadataJSON())}"
            )
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Forget a source's checkpoint (its plays stay, so nothing is duplicated later).")
        @Argument(help: "The source name.") var source: String
        @Flag(help: "Confirm the reset.") var yes = false
        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            guard yes else {
                throw ValidationError("resetting forgets what \(source) has covered; add --yes to confirm")
            }
        }

        func run() async throws {
            let loaded = try config.load()
            try database.requireExistingCatalog(config: loaded)
            try await database.withStore(readOnly: false, logger: logging.makeLogger(), config: loaded, announce: true) { store in
                try await store.resetCheckpoint(for: source)
            }
            print("checkpoint of \(source) reset")
        }
    }
}
