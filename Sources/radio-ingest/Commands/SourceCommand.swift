import ArgumentParser
import Foundation
import IngestCore
import IngestEngine

/// `radio-ingest <adapter>`: one run of one source, with the spec's flags. A config entry
/// (by default the one named like the adapter) supplies defaults; flags override it.
struct SourceCommand<Factory: StationAdapterFactory>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: Factory.name, abstract: Factory.summary,
            discussion: "Exit codes: 0 complete or partial, 1 failed, 64 bad usage, 75 the source is busy in another process.")
    }

    @OptionGroup var flags: RunFlags
    @Option(help: ArgumentHelp("The config entry to run (default: the one named '\(Factory.name)').", valueName: "name"))
    var source: String?
    @OptionGroup var config: ConfigOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    init() {}

    func run() async throws {
        let logger = logging.makeLogger()
        let loaded = try config.load()
        let entry = loaded?.source(named: source ?? Factory.name)
        if let source, entry == nil {
            FileHandleOutput.standardError("radio-ingest: the config has no source named '\(source)'")
            throw ExitCode.validationFailure
        }
        if let entry, entry.adapter != Factory.name {
            FileHandleOutput.standardError("radio-ingest: source '\(entry.name)' uses the \(entry.adapter) adapter; run `radio-ingest \(entry.adapter) --source \(entry.name)`")
            throw ExitCode.validationFailure
        }
        var settings = entry?.adapterSettings() ?? AdapterSettings(sourceName: Factory.name)
        if let baseURL = flags.baseURL { settings.baseURL = URL(string: baseURL) }
        let adapter = try usage { try Factory.make(settings) }
        let options = try flags.runOptions(timeZone: adapter.timeZone, base: entry)
        let store = try database.open(readOnly: options.dryRun, logger: logger, config: loaded)
        let summary = await IngestEngine(logger: logger).run(adapter, into: store, options: options)
        await store.close()
        print(flags.json ? summary.json() : summary.text())
        switch summary.status {
        case .failed: throw ExitCode.failure
        case .skipped: throw ExitCode(75)
        case .complete, .partial, .interrupted: return
        }
    }
}

/// Runs `body`, turning an ``IngestError`` into a message and the right exit code.
func usage<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as IngestError {
        FileHandleOutput.standardError("radio-ingest: \(error.message)")
        throw error.category == .usage ? ExitCode.validationFailure : ExitCode.failure
    }
}

enum FileHandleOutput {
    static func standardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
