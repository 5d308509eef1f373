import ArgumentParser
import Foundation
import IngestCore
import IngestEngine

/// `radio-ingest <adapter>`: one run of one source, with the standard run flags. A config entry
/// (by default the one named like the adapter) supplies defaults; flags override it.
struct SourceCommand<Slot: AdapterSlot>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        let entry = Slot.entry
        let options = entry.options.map { "  --\($0.name.replacingOccurrences(of: "_", with: "-")) <value>\n      \($0.help)" }
        let origin = entry.file.map { "Declared in \($0).\n\n" } ?? ""
        return CommandConfiguration(
            commandName: entry.name, abstract: entry.summary,
            discussion: origin + (options.isEmpty ? "" : "\(entry.name) options:\n" + options.joined(separator: "\n") + "\n\n")
                + "Exit codes: 0 complete or partial, 1 failed, 64 bad usage, 75 the source is busy in another process, "
                + "130 / 143 stopped by SIGINT / SIGTERM (the run is recorded interrupted; a second signal quits at once).")
    }

    /// Flags the adapter declares (`--station triplej`), collected here and checked against
    /// the factory's ``StationAdapterFactory/options``.
    @Argument(parsing: .allUnrecognized, help: .hidden) var adapterArguments: [String] = []

    @OptionGroup var flags: RunFlags
    @Option(help: ArgumentHelp("The config entry to run (default: the one named '\(Slot.entry.name)').", valueName: "name"))
    var source: String?
    @Option(
        help: ArgumentHelp(
            "Record mode: save every fetched page into this directory as fixtures (implies --dry-run).", valueName: "dir"))
    var record: String?
    @OptionGroup var config: ConfigOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    init() {}

    func validate() throws {
        _ = try AdapterArguments.parse(adapterArguments, for: Slot.entry)
    }

    func run() async throws {
        let loaded = try config.load()
        let logger = logging.makeLogger(config: loaded)
        let adapterEntry = Slot.entry
        let entry = loaded?.source(named: source ?? adapterEntry.name)
        if let source, entry == nil {
            FileHandleOutput.standardError("radio-ingest: the config has no source named '\(source)'")
            throw ExitCode.validationFailure
        }
        if let entry, entry.adapter != adapterEntry.name {
            FileHandleOutput.standardError(
                "radio-ingest: source '\(entry.name)' uses the \(entry.adapter) adapter; run `radio-ingest \(entry.adapter) --source \(entry.name)`"
            )
            throw ExitCode.validationFailure
        }
        var settings = entry?.adapterSettings() ?? AdapterSettings(sourceName: adapterEntry.name)
        if let baseURL = flags.baseURL { settings.baseURL = URL(string: baseURL) }
        settings.options.merge(try AdapterArguments.parse(adapterArguments, for: adapterEntry)) { $1 }
        let adapter = try usage { try adapterEntry.make(settings) }
        var options: RunOptions
        do {
            options = try flags.runOptions(timeZone: adapter.timeZone, base: entry)
        } catch let error as ValidationError {
            // Thrown from `run`, ArgumentParser would point at the top-level help.
            FileHandleOutput.standardError(
                "Error: \(error.message)\n  See 'radio-ingest \(adapterEntry.name) --help' for more information.")
            throw ExitCode.validationFailure
        }
        var engine = IngestEngine(logger: logger)
        if let ttl = loaded?.leaseTTL { engine.leaseTTL = ttl }
        let display = ProgressDisplay(logger: logger)
        engine.progress = { display.update($0) }
        if let record {
            options.dryRun = true
            engine.fetcher.recorder = try usage { try FixtureRecorder(directory: URL(fileURLWithPath: record)) }
        }
        let store = try database.open(readOnly: options.dryRun, logger: logger, config: loaded)
        let signals = SignalStop()
        let summary = await engine.run(adapter, into: store, options: options, stop: signals.stop)
        await store.close()
        print(flags.json ? summary.json() : summary.text())
        if let code = signals.exitCode { throw ExitCode(code) }
        switch summary.status {
        case .failed: throw ExitCode.failure
        case .skipped: throw ExitCode(75)
        case .complete, .partial, .interrupted: return
        }
    }
}

/// Turns `--name value` and `--name=value` pairs into adapter options (`--api-key-env` is
/// `api_key_env`), refusing anything the adapter does not declare.
enum AdapterArguments {
    static func parse(_ arguments: [String], for adapter: AdapterEntry) throws -> [String: String] {
        let known = Set(adapter.options.map(\.name))
        var options: [String: String] = [:]
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw ValidationError("unexpected argument '\(argument)'")
            }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            let key = name.replacingOccurrences(of: "-", with: "_")
            guard known.contains(key) else {
                throw ValidationError("unknown option '--\(name)' for \(adapter.name)")
            }
            guard let resolved = value ?? rest.popFirst(), !resolved.hasPrefix("--") else {
                throw ValidationError("--\(name) needs a value")
            }
            options[key] = resolved
        }
        return options
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
        Terminal.standardError.writeLine(line)
    }
}
