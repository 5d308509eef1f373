import Foundation
import GRDB
import IngestEngine
import Logging
import PostgresCatalog
import PostgresNIO
import SQLiteCatalog

/// The kinds of real store a test can run against.
public enum StoreKind: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    /// SQLite always; PostgreSQL when `RADIO_INGEST_TEST_POSTGRES_URL` names a server
    /// (`scripts/test.sh` starts a throwaway one).
    public static var available: [StoreKind] {
        postgresAdminURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    public var description: String { rawValue }

    static var postgresAdminURL: String? {
        ProcessInfo.processInfo.environment["RADIO_INGEST_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// A fresh, empty, real catalog for one test: a new SQLite file or a new PostgreSQL database.
/// Tests inspect it with plain SQL through ``scalar(_:)`` and ``execute(_:)``.
public final class TestCatalog: Sendable {
    public let kind: StoreKind
    /// The database URL, as the CLI takes it.
    public let url: String
    let sqlitePath: String?

    public static func make(_ kind: StoreKind) async throws -> TestCatalog {
        switch kind {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory
                .appendingPathComponent("radio-ingest-test-\(UUID().uuidString).sqlite").path
            return TestCatalog(kind: kind, url: "sqlite:\(path)", sqlitePath: path)
        case .postgres:
            guard let admin = StoreKind.postgresAdminURL else { throw TestCatalogError.noPostgres }
            let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            // The name is generated here from hex digits, so it is safe as an identifier.
            _ = try await Self.postgres(admin) { try await $0.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)")) }
            var components = URLComponents(string: admin)!
            components.path = "/" + name
            return TestCatalog(kind: kind, url: components.string!, sqlitePath: nil)
        }
    }

    init(kind: StoreKind, url: String, sqlitePath: String?) {
        self.kind = kind
        self.url = url
        self.sqlitePath = sqlitePath
    }

    /// A fresh catalog of `kind`, migrated, for the length of `body`; closed and removed after.
    public static func withStore(_ kind: StoreKind, _ body: (TestCatalog, any CatalogStore) async throws -> Void) async throws {
        let catalog = try await TestCatalog.make(kind)
        let store = try catalog.open()
        do {
            try await store.migrate()
            try await body(catalog, store)
        } catch {
            await store.close()
            catalog.remove()
            throw error
        }
        await store.close()
        catalog.remove()
    }

    /// Opens the store under test.
    public func open(readOnly: Bool = false) throws -> any CatalogStore {
        switch kind {
        case .sqlite: return try SQLiteCatalog(path: sqlitePath!, readOnly: readOnly)
        case .postgres: return try PostgresCatalog(url: url, logger: Logger(label: "test"))
        }
    }

    /// Runs SQL written for both dialects.
    public func execute(_ sql: String) async throws {
        switch kind {
        case .sqlite: try await writeSQLite(sql, foreignKeys: true)
        case .postgres: _ = try await Self.postgres(url) { try await $0.query(PostgresQuery(unsafeSQL: sql)) }
        }
    }

    /// Runs SQL on the SQLite file with foreign keys off, as an application that never turned
    /// them on writes (SQLite's default).
    public func executeWithoutForeignKeys(_ sql: String) async throws {
        precondition(kind == .sqlite, "PostgreSQL always enforces foreign keys")
        try await writeSQLite(sql, foreignKeys: false)
    }

    /// Runs `sql` in a transaction of a connection of its own, waiting for the store under test
    /// as any second writer of the file would.
    private func writeSQLite(_ sql: String, foreignKeys: Bool) async throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = foreignKeys
        let queue = try DatabaseQueue(path: sqlitePath!, configuration: configuration)
        try await queue.write { try $0.execute(sql: sql) }
        try queue.close()
    }

    /// Runs a script of several statements, each ending in `;` at the end of a line (PostgreSQL
    /// takes one statement per query).
    public func executeScript(_ sql: String) async throws {
        switch kind {
        case .sqlite: try await execute(sql)
        case .postgres:
            for statement in sql.components(separatedBy: ";\n") where !statement.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                try await execute(statement.trimmingCharacters(in: CharacterSet(charactersIn: "; \n")))
            }
        }
    }

    /// The schema of `tables` as text, to show they were not altered: `pg_dump --schema-only`
    /// on PostgreSQL, the tables' and indexes' SQL on SQLite.
    public func schemaDump(of tables: [String]) async throws -> String {
        switch kind {
        case .sqlite:
            let queue = try readOnlyQueue()
            defer { try? queue.close() }
            return try await queue.read { db in
                try String.fetchAll(
                    db,
                    sql:
                        "SELECT sql FROM sqlite_master WHERE tbl_name IN (SELECT value FROM json_each(?)) AND sql IS NOT NULL ORDER BY name",
                    arguments: [String(decoding: try JSONEncoder().encode(tables), as: UTF8.self)]
                ).joined(separator: "\n")
            }
        case .postgres:
            let arguments = ["pg_dump", "--schema-only", "--no-owner"] + tables.flatMap { ["-t", $0] } + [url]
            // pg_dump is waited for on a Dispatch thread: blocking one of Swift concurrency's
            // few threads would stall every other test running meanwhile.
            let (status, data) = try await withCheckedThrowingContinuation { continuation in
                DispatchQueue.global().async {
                    do {
                        let process = Process()
                        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                        process.arguments = arguments
                        let output = Pipe()
                        process.standardOutput = output
                        try process.run()
                        let data = output.fileHandleForReading.readDataToEndOfFile()
                        process.waitUntilExit()
                        continuation.resume(returning: (process.terminationStatus, data))
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            }
            guard status == 0 else { throw TestCatalogError.commandFailed("pg_dump") }
            // pg_dump marks its output with a random `\restrict` key each time: leave it out.
            return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("\\restrict") && !$0.hasPrefix("\\unrestrict") }.joined(separator: "\n")
        }
    }

    /// The first column of the first row of `sql`, as an integer.
    public func scalar(_ sql: String) async throws -> Int {
        switch kind {
        case .sqlite:
            let queue = try readOnlyQueue()
            defer { try? queue.close() }
            return try await queue.read { try Int.fetchOne($0, sql: sql) ?? 0 }
        case .postgres:
            return try await Self.postgres(url) { client in
                for try await value in try await client.query(PostgresQuery(unsafeSQL: sql)).decode(Int.self) { return value }
                return 0
            }
        }
    }

    /// The rows of `sql` as strings (NULL as "NULL"), for assertions.
    public func rows(_ sql: String) async throws -> [[String]] {
        switch kind {
        case .sqlite:
            let queue = try readOnlyQueue()
            defer { try? queue.close() }
            return try await queue.read { db in
                try Row.fetchAll(db, sql: sql).map { row in row.databaseValues.map { $0.isNull ? "NULL" : "\($0.storage.value ?? "")" } }
            }
        case .postgres:
            return try await Self.postgres(url) { client in
                var result: [[String]] = []
                for try await row in try await client.query(PostgresQuery(unsafeSQL: sql)) {
                    result.append(row.map { cell in (try? cell.decode(String?.self)).flatMap { $0 } ?? (cell.bytes == nil ? "NULL" : "?") })
                }
                return result
            }
        }
    }

    /// A reader for assertions: it never creates the file (a poll that runs before the program
    /// under test creates it must not leave an empty file in its way) and waits for writers.
    func readOnlyQueue() throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: sqlitePath!) else { throw TestCatalogError.noFileYet }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        return try DatabaseQueue(path: sqlitePath!, configuration: configuration)
    }

    /// Removes the file (the PostgreSQL database is left for the throwaway cluster to drop).
    public func remove() {
        guard let sqlitePath else { return }
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: sqlitePath + suffix) }
    }

    /// PostgreSQL: runs `statements` in a transaction on a connection of its own, keeps it open
    /// while `body` runs, then commits it: another writer caught in the middle of its work.
    public func whileTransactionOpen<T: Sendable>(_ statements: [String], _ body: () async throws -> T) async throws -> T {
        guard kind == .postgres else { throw TestCatalogError.noPostgres }
        return try await Self.postgres(url) { client in
            try await client.withConnection { connection in
                try await connection.query("BEGIN", logger: Self.quiet)
                for statement in statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: Self.quiet) }
                let value = try await body()
                try await connection.query("COMMIT", logger: Self.quiet)
                return value
            }
        }
    }

    static let quiet = Logger(label: "test-catalog") { _ in SwiftLogNoOpLogHandler() }

    static func postgres<T: Sendable>(_ url: String, _ body: (PostgresClient) async throws -> T) async throws -> T {
        let components = URLComponents(string: url)!
        let configuration = PostgresClient.Configuration(
            host: components.host ?? "127.0.0.1", port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: String(components.path.dropFirst()), tls: .disable)
        let client = PostgresClient(configuration: configuration)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}

enum TestCatalogError: Error {
    case noPostgres
    case noFileYet
    case commandFailed(String)
}
