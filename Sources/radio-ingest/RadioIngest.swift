import ArgumentParser
import Foundation
import IngestCore
import IngestEngine

/// `radio-ingest`: ingest public radio play histories into a song catalog.
@main
struct RadioIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "radio-ingest",
        abstract: "Ingest public radio stations' play histories into a song catalog.",
        discussion: """
            The catalog is a SQLite file (radio-ingest.sqlite) unless --database-url or DATABASE_URL \
            names another file (sqlite:PATH) or a PostgreSQL database (postgres://...).

            Exit codes: 0 the run completed or a limit stopped it (status partial); 1 the run failed \
            (committed pages stay committed); 64 bad usage (a wrong flag, date or URL); 75 the source is being \
            ingested by another process; 130 / 143 stopped by SIGINT / SIGTERM (run recorded interrupted).
            """,
        version: "0.1.0",
        subcommands: AdapterCatalog.current.commands + [
            Run.self, Daemon.self, Status.self, CheckpointCommand.self, FailedCommand.self, SongsCommand.self, MatchCommand.self,
            Migrate.self, EmbeddingQueue.self, Runs.self, AdaptersCommand.self, AdapterCommand.self,
        ]
    )
}

extension RadioIngest {
    /// Runs the command line; `help NAME` for a command that does not exist is bad usage (64),
    /// not the overview.
    static func main() async {
        AllocatorArenas.limit()
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            let environment = ProcessInfo.processInfo.environment
            AdapterCatalog.current = try AdapterCatalog.load(
                directories: try AdapterCatalog.directories(arguments: arguments, environment: environment))
        } catch {
            FileHandleOutput.standardError("radio-ingest: \((error as? IngestError)?.message ?? "\(error)")")
            Foundation.exit(64)
        }
        if arguments.first == "help", arguments.count > 1, !arguments[1].hasPrefix("-") {
            let names = configuration.subcommands.map { $0._commandName }
            if !names.contains(arguments[1]) {
                FileHandleOutput.standardError(
                    "radio-ingest: there is no command '\(arguments[1])'; commands: \(names.joined(separator: ", "))")
                Foundation.exit(64)
            }
        }
        await main(nil)
    }
}
