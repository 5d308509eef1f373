import ArgumentParser
import IngestEngine
import Logging

/// `--log-level` and `--log-format`; logs always go to stderr so stdout stays clean for `--json`.
struct LoggingOptions: ParsableArguments {
    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info
    @Option(help: ArgumentHelp("text (default) or json: one JSON object per line (default: the config's log_format).", valueName: "format"))
    var logFormat: LogFormat?

    /// The logger; the first call in a process sets up the log handler, in the flag's format,
    /// else the config's `log_format`, else text.
    func makeLogger(config: IngestConfig? = nil) -> Logger {
        let format = logFormat ?? config?.logFormat.flatMap(LogFormat.init(rawValue:)) ?? .text
        LoggingBootstrap.once(level: logLevel, format: format)
        var logger = Logger(label: "radio-ingest")
        logger.logLevel = logLevel
        return logger
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
extension LogFormat: ExpressibleByArgument {}

enum LoggingBootstrap {
    nonisolated(unsafe) static var done = false  // set once, from the main task, before any logging

    static func once(level: Logger.Level, format: LogFormat) {
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { _ in
            var handler = RadioLogHandler(format: format, terminal: .standardError)
            handler.logLevel = level
            return handler
        }
    }
}
