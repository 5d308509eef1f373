import ArgumentParser
import Foundation
import IngestCore
import IngestEngine
import Logging
import PostgresCatalog
import SQLiteCatalog

/// `--database-url`, shared by every command that opens the catalog.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "sqlite:PATH or postgres://user:password@host:port/db (default: $DATABASE_URL, else sqlite:radio-ingest.sqlite).",
            valueName: "url"))
    var url: String?

    /// The URL in force: the flag, else the config's `database.url`, else `DATABASE_URL`,
    /// else the default SQLite file.
    func resolvedURL(config: IngestConfig?) -> String {
        if let url, !url.isEmpty { return url }
        if let configured = config?.databaseURL, !configured.isEmpty { return configured }
        if let env = ProcessInfo.processInfo.environment["DATABASE_URL"], !env.isEmpty { return env }
        return "sqlite:radio-ingest.sqlite"
    }

    /// Refuses to go on when the URL names a SQLite file that does not exist: commands that
    /// only change an existing catalog (`checkpoint reset`, `failed retry`) must not create one.
    func requireExistingCatalog(config: IngestConfig?) throws {
        let url = resolvedURL(config: config)
        guard url.lowercased().hasPrefix("sqlite:") else { return }
        var path = String(url.dropFirst("sqlite:".count))
        if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
        path = CatalogLocation.expandingTilde(path)
        guard FileManager.default.fileExists(atPath: path) else {
            FileHandleOutput.standardError("radio-ingest: there is no catalog at \(path) (nothing was created); pass --database-url")
            throw ExitCode.failure
        }
    }

    /// Opens the catalog the URL names.
    func open(readOnly: Bool, logger: Logger, config: IngestConfig? = nil) throws -> any CatalogStore {
        try usage {
            try CatalogLocation.open(
                resolvedURL(config: config), readOnly: readOnly, logger: logger, columnNames: config?.catalogColumns ?? [:])
        }
    }
}

/// Chooses a store from a database URL.
enum CatalogLocation {
    /// `~/x` as `$HOME/x`, as a shell would.
    static func expandingTilde(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        let home = ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + path.dropFirst()
    }

    static func open(_ url: String, readOnly: Bool, logger: Logger, columnNames: [String: String] = [:]) throws -> any CatalogStore {
        let lower = url.lowercased()
        if lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") {
            return try PostgresCatalog(url: url, logger: logger, columnNames: columnNames)
        }
        if lower.hasPrefix("sqlite:") {
            var path = String(url.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
            guard !path.isEmpty else { throw IngestError.usage("sqlite: needs a file path, as in sqlite:radio-ingest.sqlite") }
            path = expandingTilde(path)
            return try SQLiteCatalog(path: path, readOnly: readOnly, columnNames: columnNames)
        }
        if !url.contains(":") {
            throw IngestError.usage("'\(url)' is not a database URL; for a SQLite file write sqlite:\(url)")
        }
        throw IngestError.usage(
            "unsupported database URL scheme in '\(url.prefix(while: { $0 != ":" })):...'; use sqlite:PATH or postgres://...")
    }
}

extension DatabaseOptions {
    /// Opens the catalog, runs `body`, closes it; a storage error becomes its message on stderr
    /// and exit code 1.
    func withStore<T>(
        readOnly: Bool, logger: Logger, config: IngestConfig?, announce: Bool = false,
        _ body: (any CatalogStore) async throws -> T
    ) async throws -> T {
        let store = try open(readOnly: readOnly, logger: logger, config: config)
        // Name the catalog in use first (on stderr, so stdout stays the command's own output).
        if announce { FileHandleOutput.standardError("catalog: \(store.location) (\(store.kind))") }
        do {
            let value = try await body(store)
            await store.close()
            return value
        } catch let error as IngestError {
            await store.close()
            FileHandleOutput.standardError("radio-ingest: \(error.message)")
            throw error.category == .usage ? ExitCode.validationFailure : ExitCode.failure
        } catch {
            await store.close()
            throw error
        }
    }
}
