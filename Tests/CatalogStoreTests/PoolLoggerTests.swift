import IngestTesting
import Logging
import Testing

@testable import PostgresCatalog

/// What the connection pool may say in the operator's log.
@Suite struct PoolLoggerTests {
    /// The lines that reach the log through the pool's logger, for a CLI at `level`.
    static func reaching(at level: Logger.Level) -> [String] {
        let store = CapturingLogHandler.Store()
        var logger = Logger(label: "test") { _ in CapturingLogHandler(store: store) }
        logger.logLevel = level
        let pool = PostgresCatalog.poolLogger(logger)
        pool.info("Connection creation failed")
        pool.notice("a notice")
        pool.warning("a warning")
        return store.messages.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    @Test func atTheDefaultLevelThePoolsReconnectChatterStaysOutItsNoticesDoNot() {
        #expect(Self.reaching(at: .info) == ["notice a notice", "warning a warning"])
    }

    @Test func atDebugEverythingThePoolSaysIsShown() {
        #expect(Self.reaching(at: .debug) == ["info Connection creation failed", "notice a notice", "warning a warning"])
    }

    @Test func aQuieterLevelStaysAsQuiet() {
        #expect(Self.reaching(at: .warning) == ["warning a warning"])
    }
}
