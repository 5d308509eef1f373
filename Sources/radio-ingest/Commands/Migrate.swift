import ArgumentParser
import IngestCore
import IngestEngine

extension RadioIngest {
    /// `radio-ingest migrate`: creates or upgrades the catalog schema.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or upgrade the catalog schema (idempotent).")

        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let logger = logging.makeLogger()
            let kind = try await database.withStore(readOnly: false, logger: logger, config: try config.load()) { store in
                try await store.migrate()
                try await store.prepareForMatching(readOnly: false)
                return store.kind
            }
            print("catalog schema is up to date (\(kind))")
        }
    }
}
