import ArgumentParser
import Logging

/// `--log-level`; logs always go to stderr so stdout stays clean for `--json`.
struct LoggingOptions: ParsableArguments {
    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    func makeLogger() -> Logger {
        LoggingBootstrap.once(level: logLevel)
        var logger = Logger(label: "radio-ingest")
        logger.logLevel = logLevel
        return logger
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

enum LoggingBootstrap {
    nonisolated(unsafe) static var done = false  // set once, from the main task, before any logging

    static func once(level: Logger.Level) {
        guard !done else { return }
        done = true
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
