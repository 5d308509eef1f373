import Foundation
import IngestCore
import IngestEngine
import Logging
import PostgresNIO
import Synchronization

/// The production catalog: PostgreSQL through PostgresNIO.
///
/// Every SQL value is bound (`PostgresQuery` interpolation); a page's rows travel as one
/// `jsonb` bind expanded with `jsonb_to_recordset`, so a page costs at most eight statements
/// whatever its size: begin, existing plays, song look-up, song insert, conflict look-up
/// (only when another process won a race), play insert, checkpoint, commit.
public final class PostgresCatalog: CatalogStore {
    public let kind = "postgres"
    let client: PostgresClient
    let runTask: Task<Void, Never>
    let logger: Logger
    let state = Mutex(State())

    struct State {
        var statements = 0
        /// Keys computed in memory for songs without one, for read-only previews.
        var pendingKeys: [String: String] = [:]
        var migrated = false
        var schemaPresent: Bool?
        var reachable = false
    }

    /// How long the first connection may take before the catalog is declared unreachable.
    static let firstConnectionDeadline: Duration = .seconds(15)
    let endpoint: (host: String, port: Int)?

    /// Connects to the database at `url` (`postgres://` or `postgresql://`).
    public init(url: String, logger: Logger) throws {
        var configuration = try PostgresURL.configuration(from: url)
        configuration.options.maximumConnections = 4
        configuration.options.connectTimeout = .seconds(10)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        self.logger = logger
        self.endpoint = configuration.host.map { ($0, configuration.port ?? 5432) }
        self.runTask = Task { await client.run() }
    }

    /// SQL statements sent so far by this store (for the benchmark).
    public var statementCount: Int { state.withLock { $0.statements } }

    public func close() async {
        runTask.cancel()
        _ = await runTask.value
    }

    /// Runs one statement on `connection`, counting it.
    @discardableResult
    func execute(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> PostgresRowSequence {
        state.withLock { $0.statements += 1 }
        return try await connection.query(query, logger: logger)
    }

    /// How ``inTransaction(_:on:_:)`` opens and ends a transaction.
    enum TransactionMode {
        /// `BEGIN`, committed when the body returns.
        case readWrite
        /// `START TRANSACTION READ ONLY`, rolled back when the body returns: it cannot write.
        case readOnly
    }

    /// Runs `body` inside a transaction on `connection`, rolling back when it throws.
    func inTransaction<T>(
        _ mode: TransactionMode = .readWrite, on connection: PostgresConnection, _ body: () async throws -> T
    ) async throws -> T {
        try await execute(mode == .readOnly ? "START TRANSACTION READ ONLY" : "BEGIN", on: connection)
        do {
            let value = try await body()
            try await execute(mode == .readOnly ? "ROLLBACK" : "COMMIT", on: connection)
            return value
        } catch {
            _ = try? await execute("ROLLBACK", on: connection)
            throw error
        }
    }

    /// Runs `body` on one connection, turning connection failures into a clear storage error.
    func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await ensureReachable()
        do {
            return try await client.withConnection(body)
        } catch let error as IngestError {
            throw error
        } catch let error as PSQLError {
            throw IngestError.storage("PostgreSQL: \(Self.describe(error))")
        }
    }

    /// Fails fast when the server cannot be reached: the connection pool would otherwise retry
    /// quietly for a long time before the operator sees an error.
    func ensureReachable() async throws {
        if state.withLock({ $0.reachable }) { return }
        let unreachable = IngestError.storage(
            "cannot reach the PostgreSQL server\(endpoint.map { " at \($0.host):\($0.port)" } ?? ""); check the database URL and that the server is running"
        )
        if let endpoint, !(await TCPProbe.canConnect(host: endpoint.host, port: endpoint.port, timeout: .seconds(5))) {
            throw unreachable
        }
        let client = self.client
        let leased = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await client.withConnection { _ in true } }
            group.addTask {
                try await Task.sleep(for: Self.firstConnectionDeadline)
                return false
            }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
        guard leased else { throw unreachable }
        state.withLock { $0.reachable = true }
    }

    /// A message from the server or the connection, never the SQL or credentials.
    static func describe(_ error: PSQLError) -> String {
        if let message = error.serverInfo?[.message] {
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return message + state
        }
        switch error.code {
        case .connectionError, .serverClosedConnection, .uncleanShutdown:
            return "cannot reach the database server; check the database URL and that the server is running"
        default:
            return "database error (\(error.code))"
        }
    }

    public func migrate() async throws {
        if state.withLock({ $0.migrated }) { return }
        try await withConnection { connection in
            try await inTransaction(on: connection) {
                try await execute("SELECT pg_advisory_xact_lock(7305417203)", on: connection)
                try await execute(
                    "CREATE TABLE IF NOT EXISTS radio_ingest_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                    on: connection)
                var applied = Set<Int>()
                for try await version in try await execute("SELECT version FROM radio_ingest_migrations", on: connection).decode(Int.self) {
                    applied.insert(version)
                }
                for migration in PostgresSchema.migrations where !applied.contains(migration.version) {
                    for statement in migration.statements {
                        try await execute(PostgresQuery(unsafeSQL: statement), on: connection)
                    }
                    try await execute("INSERT INTO radio_ingest_migrations (version) VALUES (\(migration.version))", on: connection)
                    logger.info("applied catalog migration", metadata: ["ingest.migration": "\(migration.version)"])
                }
            }
        }
        state.withLock {
            $0.migrated = true
            $0.schemaPresent = true
        }
    }

    /// Whether the catalog tables exist; a dry run against an empty database treats it as an
    /// empty catalog instead of failing.
    func schemaPresent() async throws -> Bool {
        if let known = state.withLock({ $0.schemaPresent }), known { return true }
        let present = try await withConnection { connection in
            for try await name in try await execute(
                "SELECT to_regclass('ingestion_checkpoints')::text", on: connection
            ).decode(String?.self) {
                return name != nil
            }
            return false
        }
        state.withLock { $0.schemaPresent = present }
        return present
    }

    public func checkpoint(for source: String) async throws -> Checkpoint? {
        guard try await schemaPresent() else { return nil }
        return try await withConnection { connection in
            let rows = try await execute(
                "SELECT metadata::text FROM ingestion_checkpoints WHERE source = \(source)", on: connection)
            for try await metadata in rows.decode(String?.self) {
                return try Checkpoint(source: source, metadataJSON: metadata)
            }
            return nil
        }
    }

    public func resetCheckpoint(for source: String) async throws {
        try await withConnection { connection in
            try await execute("DELETE FROM ingestion_checkpoints WHERE source = \(source)", on: connection)
        }
    }
}
