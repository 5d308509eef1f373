import ArgumentParser
import IngestCore
import IngestEngine

extension RadioIngest {
    /// `radio-ingest migrate`: creates or upgrades the catalog schema.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or upgrade the tool's tables (idempotent); report the catalog's layout.",
            discussion: """
                Creates songs, external_plays and ingestion_checkpoints only where they do not exist; tables another \
                application owns are used as they are, never altered. The tool's own state lives in radio_ingest_* and \
                ingestion_runs / ingestion_leases.
                """)

        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let logger = logging.makeLogger()
            let lines = try await database.withStore(readOnly: false, logger: logger, config: try config.load()) { store in
                let applied = try await store.migrate()
                let schema = try await store.catalogSchema()
                let keyed = try await store.prepareForMatching(
                    readOnly: false, noticeAfter: IngestEngine.keyingNoticeDelay, logger: logger,
                    notice:
                        "giving the catalog's songs match keys: a catalog another program filled is keyed once, reading every song (about 10 to 20 s per million songs)"
                )
                return ["catalog: \(store.location) (\(store.kind))"]
                    + (applied.isEmpty ? ["nothing to apply: the schema is up to date"] : applied.map { "applied \($0)" })
                    + schema.summary
                    + ["gave match keys to \(keyed) catalog song\(keyed == 1 ? "" : "s")"]
            }
            print(lines.joined(separator: "\n"))
        }
    }
}
