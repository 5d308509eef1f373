import ArgumentParser
import Foundation
import IngestCore
import IngestEngine

/// `radio-ingest <source>`: one run of one adapter, with the spec's flags.
struct SourceCommand<Factory: StationAdapterFactory>: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: Factory.name, abstract: Factory.summary)
    }

    @OptionGroup var flags: RunFlags
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    init() {}

    func run() async throws {
        let logger = logging.makeLogger()
        let settings = AdapterSettings(sourceName: Factory.name, baseURL: flags.baseURL.flatMap(URL.init(string:)))
        let adapter = try usage { try Factory.make(settings) }
        let options = try flags.runOptions(timeZone: adapter.timeZone)
        let store = try usage { try database.open(readOnly: options.dryRun, logger: logger) }
        let summary = await IngestEngine(logger: logger).run(adapter, into: store, options: options)
        await store.close()
        print(flags.json ? summary.json() : summary.text())
        if summary.status == .failed { throw ExitCode.failure }
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
