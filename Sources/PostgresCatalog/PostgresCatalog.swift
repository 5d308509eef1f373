import Foundation
import IngestCore
import IngestEngine
import Logging
import NIOPosix
import PostgresNIO
import SQLiteCatalog
import Synchronization

/// The production catalog: PostgreSQL through PostgresNIO.
///
/// Every SQL value is bound (`PostgresQuery` interpolation, or ``PreparedBinds``); a page's rows
/// travel as one `json` bind expanded with `json_to_recordset`, so a page costs at most eight
/// statements whatever its size: begin, planner settings, one look-up (existing plays and songs
/// by MBID, ISRC and key), song and key insert, conflict look-up (only when another process won
/// a race), play insert, checkpoint, commit. All but the begin and commit are named prepared
/// statements, parsed and planned once per connection (``PreparedStatements``).
public final class PostgresCatalog: CatalogStore {
    public let kind = "postgres"
    let client: PostgresClient
    let runTask: Task<Void, Never>
    let logger: Logger
    let state = Mutex(State())
    /// The page's statements, prepared once per connection.
    let prepared = PreparedStatements()

    struct State {
        var statements = 0
        /// Keys a preview computed for songs without one (``ScratchPreviewKeys``).
        var previewKeys: ScratchPreviewKeys?
        var migrated = false
        var schemaPresent: Bool?
        var reachable = false
        var schema: CatalogSchema?
        var keysTablePresent = false
        var statistics = PlannerStatistics()
        /// The `ANALYZE` in flight, if any (``refreshStatisticsIfGrown()``).
        var statisticsRefresh: Task<Void, Never>?
    }

    let endpoint: (host: String, port: Int)?
    /// One connection's configuration, to learn the server's own reason when a first connection fails.
    let probeConfiguration: PostgresConnection.Configuration?
    public let location: String

    /// Explicit column names by role (`created`, `updated`, ...), from the config's `catalog`
    /// section, for catalogs whose names detection does not recognise.
    let columnNames: [String: String]

    /// Connects to the database at `url` (`postgres://` or `postgresql://`).
    public init(url: String, logger: Logger, columnNames: [String: String] = [:]) throws {
        self.columnNames = columnNames
        let parsed = try PostgresURL(url)
        var configuration = parsed.clientConfiguration
        configuration.options.maximumConnections = 4
        configuration.options.connectTimeout = .seconds(10)
        let client = PostgresClient(configuration: configuration, backgroundLogger: Self.poolLogger(logger))
        self.client = client
        self.logger = logger
        self.endpoint = configuration.host.map { ($0, configuration.port ?? 5432) }
        self.location = PostgresURL.redacted(url)
        self.probeConfiguration = try? parsed.connectionConfiguration()
        self.runTask = Task { await client.run() }
    }

    /// The connection pool's own logger: its notices and worse always, its info lines only at
    /// `debug` or `trace`. At `info` (the default) a server that goes away otherwise logs a raw
    /// `Connection creation failed … (errno: 111)` for every reconnect attempt, beside the run's
    /// own clear error.
    static func poolLogger(_ logger: Logger) -> Logger {
        var pool = logger
        if pool.logLevel == .info { pool.logLevel = .notice }
        return pool
    }

    /// Waits for `task` for at most `limit`, then cancels it (a refresh waiting for a server
    /// that went away must not hold the process open).
    static func finish(_ task: Task<Void, Never>, within limit: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await task.value }
            group.addTask {
                try? await Task.sleep(for: limit)
                task.cancel()
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// SQL statements sent so far by this store (for the benchmark).
    public var statementCount: Int { state.withLock { $0.statements } }

    public func close() async {
        state.withLock { $0.previewKeys?.close() }
        if let refresh = state.withLock({ $0.statisticsRefresh }) { await Self.finish(refresh, within: .seconds(5)) }
        runTask.cancel()
        _ = await runTask.value
    }

    /// Runs one statement on `connection`, counting it.
    @discardableResult
    func execute(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> PostgresRowSequence {
        try checkOpen(connection)
        state.withLock { $0.statements += 1 }
        return try await connection.query(query, logger: logger)
    }

    /// Runs `sql` as a named prepared statement on `connection` (``PreparedStatements``),
    /// counting it, and returns its rows.
    func executePrepared(_ sql: String, _ binds: PreparedBinds, on connection: PostgresConnection) async throws -> [PostgresRow] {
        try await sendPrepared(sql, binds, on: connection).get()
    }

    /// Sends `sql` as a named prepared statement without waiting for its answer; waits only
    /// for its preparation, the first time on `connection`. Once prepared statements are off
    /// (a pooler lost one), sends it as an unnamed statement.
    func sendPrepared(_ sql: String, _ binds: PreparedBinds, on connection: PostgresConnection) async throws
        -> EventLoopFuture<[PostgresRow]>
    {
        guard prepared.enabled else { return send(PostgresQuery(unsafeSQL: sql, binds: binds.bindings), on: connection).map(\.rows) }
        try checkOpen(connection)
        let answer = try await prepared.send(sql, binds, on: connection)
        state.withLock { $0.statements += 1 }
        return answer
    }

    /// Runs `body` (a page's transaction) once more with prepared statements off when the
    /// server did not know one of them (``PreparedStatements``); the failed attempt was rolled
    /// back. The first such failure turns them off and says so; a page of another run that
    /// failed the same way meanwhile is retried too.
    func retryingUnprepared<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error where PostgresFailure.isUnknownPreparedStatement(error) {
            if prepared.disable() {
                logger.notice(
                    "the database server lost a prepared statement between transactions (a pooler in transaction mode?); statements are parsed each time from now on",
                    metadata: ["ingest.error": "\(PostgresFailure.describe(error))"])
            }
            return try await body()
        }
    }

    /// The first column of the first row `query` returns, if any.
    func value<T: PostgresDecodable & Sendable>(_ type: T.Type, of query: PostgresQuery, on connection: PostgresConnection) async throws
        -> T?
    {
        for try await value in try await execute(query, on: connection).decode(T.self) { return value }
        return nil
    }

    /// Fails when `connection` has closed (the server went away, say). PostgresNIO (1.33) never
    /// answers a statement written to a closed connection, so without this check the run would
    /// wait for ever instead of failing with the reason; the next statement then checks the
    /// server again (``ensureReachable()``).
    func checkOpen(_ connection: PostgresConnection) throws {
        guard connection.isClosed else { return }
        checkServerAgain()
        throw IngestError.storage("PostgreSQL: the connection to the database server closed; check that the server is running")
    }

    /// How ``inTransaction(_:on:_:)`` opens and ends a transaction.
    enum TransactionMode {
        /// `BEGIN`, committed when the body returns.
        case readWrite
        /// `START TRANSACTION READ ONLY`, rolled back when the body returns: it cannot write.
        case readOnly
        /// A page's write (or a batch of keys): `BEGIN`, then ``indexedOnly``; committed.
        case pageWrite
        /// A page's preview: `START TRANSACTION READ ONLY`, then ``indexedOnly``; rolled back.
        case pageRead
    }

    /// For the rest of a page's transaction, plans read through indexes and use no parallel
    /// workers (`SET LOCAL`, so the connection is as it was afterwards). Every statement of a
    /// page is an index look-up or an insert: with these, no plan scans a growing table because
    /// its statistics lag behind (the run was quadratic when they did), and none starts two
    /// worker processes for a 1 ms look-up (about 7 ms a page past 200,000 rows). Being plain
    /// SQL inside the transaction, it also works through a pooler such as PgBouncer.
    static let indexedOnly = PostgresQuery(unsafeSQL: "SELECT " + plannerSettings)
    static let plannerSettings = "set_config('enable_seqscan', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)"

    /// Runs `body` inside a transaction on `connection`, rolling back when it throws.
    ///
    /// The opening statements, and those `body` sends through `ahead`, are sent without waiting
    /// for their answers (``SentAhead``); so is the `COMMIT`, once the answers that decide
    /// whether the transaction may commit have passed their checks. The first failure among
    /// them is thrown, and the transaction is then rolled back.
    /// With `lease` (a page's write), the transaction renews it first and commits only when
    /// its holder still held it; otherwise it throws ``IngestError/lostLease(_:)``.
    nonisolated(nonsending) func inTransaction<T>(
        _ mode: TransactionMode = .readWrite, on connection: PostgresConnection, renewing lease: LeaseRenewal? = nil,
        sendingAhead ahead: SentAhead = SentAhead(), _ body: () async throws -> T
    ) async throws -> T {
        let readOnly = mode == .readOnly || mode == .pageRead
        ahead.add(send(readOnly ? "START TRANSACTION READ ONLY" : "BEGIN", on: connection))
        if let lease, mode == .pageWrite {
            // ``indexedOnly`` and the lease's renewal in one statement. The renewed row stays
            // locked until the transaction ends: no other process takes the lease meanwhile.
            let renewal = try await sendPrepared(
                Self.renewalSQL(selecting: Self.plannerSettings + ", "), try Self.renewalBinds(lease), on: connection)
            ahead.add(renewal) { rows in
                guard try Self.renewed(rows) else { throw IngestError.lostLease(lease.source) }
            }
        } else if mode == .pageWrite || mode == .pageRead {
            ahead.add(send(Self.indexedOnly, on: connection))
        }
        do {
            let value = try await body()
            try await ahead.checkBeforeCommit()
            ahead.add(send(readOnly ? "ROLLBACK" : "COMMIT", on: connection))
            try await ahead.awaitAll()
            return value
        } catch {
            _ = await ahead.firstFailure()  // every answer in before the ROLLBACK is sent
            _ = try? await execute("ROLLBACK", on: connection)
            throw error
        }
    }

    /// Sends one statement without waiting for its answer, counting it.
    func send(_ query: PostgresQuery, on connection: PostgresConnection) -> EventLoopFuture<PostgresQueryResult> {
        do { try checkOpen(connection) } catch { return connection.eventLoop.makeFailedFuture(error) }
        state.withLock { $0.statements += 1 }
        return connection.query(query, logger: logger)
    }

    /// Runs `body` on one connection, turning connection failures into a clear storage error.
    @discardableResult
    func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await ensureReachable()
        do {
            return try await withPooledConnection(body)
        } catch let error as IngestError {
            throw error
        } catch let error where PostgresFailure.isDatabaseFailure(error) {
            throw IngestError.storage("PostgreSQL: \(PostgresFailure.describe(error))")
        }
    }

    /// Makes the next connection check the server first (``ensureReachable()``): after a
    /// failure of the server or the connection, or a long wait for the pool, which would
    /// otherwise wait for a server that is gone quietly and for ever.
    func checkServerAgain() {
        state.withLock { $0.reachable = false }
    }

    /// Fails fast, and with the server's own reason, when the catalog cannot be reached: the
    /// pool would otherwise retry quietly for a long time. One direct connection is tried first
    /// (5 s at most); a refusal (wrong password 28P01, missing database 3D000, no SSL) is
    /// reported as the server said it, once.
    func ensureReachable() async throws {
        if state.withLock({ $0.reachable }) { return }
        let target = endpoint.map { " at \($0.host):\($0.port)" } ?? ""
        if let endpoint, !(await TCPProbe.canConnect(host: endpoint.host, port: endpoint.port, timeout: .seconds(5))) {
            throw IngestError.storage("cannot reach the PostgreSQL server\(target); check the database URL and that the server is running")
        }
        if let probeConfiguration {
            do {
                let connection = try await PostgresConnection.connect(
                    on: MultiThreadedEventLoopGroup.singleton.any(), configuration: probeConfiguration, id: 0,
                    logger: Logger(label: "radio-ingest.probe", factory: { _ in SwiftLogNoOpLogHandler() })
                ).get()
                try? await connection.close()
            } catch let error as PSQLError {
                throw IngestError.storage("PostgreSQL\(target) refused the connection: \(PostgresFailure.describe(error))")
            } catch {
                throw IngestError.storage("cannot connect to the PostgreSQL server\(target): \(error)")
            }
        }
        state.withLock { $0.reachable = true }
    }

    public func migrate() async throws -> [String] {
        if state.withLock({ $0.migrated }) { return [] }
        let applied = try await withConnection { connection in
            try await inTransaction(on: connection) { () -> [String] in
                try await execute("SELECT pg_advisory_xact_lock(7305417203)", on: connection)
                // Only when absent: `CREATE TABLE IF NOT EXISTS` needs the right to create in
                // the schema even when the table exists, which a role that only reads and
                // writes a migrated catalog lacks.
                if try await value(Bool.self, of: "SELECT to_regclass('radio_ingest_migrations') IS NULL", on: connection) ?? true {
                    try await execute(
                        "CREATE TABLE radio_ingest_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
                        on: connection)
                }
                var done = Set<Int>()
                for try await version in try await execute("SELECT version FROM radio_ingest_migrations", on: connection).decode(Int.self) {
                    done.insert(version)
                }
                var applied: [String] = []
                for migration in PostgresSchema.migrations where !done.contains(migration.version) {
                    let statements = migration.statements(try await existingTables(on: connection))
                    for statement in statements {
                        try await execute(PostgresQuery(unsafeSQL: statement), on: connection)
                    }
                    try await execute("INSERT INTO radio_ingest_migrations (version) VALUES (\(migration.version))", on: connection)
                    logger.info("applied catalog migration", metadata: ["ingest.migration": "\(migration.version)"])
                    applied.append(
                        "migration \(migration.version): \(migration.summary)"
                            + (statements.isEmpty ? " (nothing to do in this catalog)" : ""))
                }
                return applied
            }
        }
        state.withLock {
            $0.migrated = true
            $0.schemaPresent = true
            $0.schema = nil
        }
        return applied
    }

    /// The tables of the current schema and the columns of `songs`, for migrations.
    func existingTables(on connection: PostgresConnection) async throws -> PostgresSchema.Existing {
        var tables = Set<String>()
        for try await name in try await execute(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()", on: connection
        ).decode(String.self) {
            tables.insert(name)
        }
        var songColumns: [String: String] = [:]
        for column in try await columns(of: "songs", on: connection) { songColumns[column.name] = column.type }
        return PostgresSchema.Existing(tables: tables, songColumns: songColumns)
    }

    /// The columns of `table` in the current schema, in order.
    func columns(of table: String, on connection: PostgresConnection) async throws -> [CatalogColumn] {
        var columns: [CatalogColumn] = []
        for try await (name, type, nullable, hasDefault, length) in try await execute(
            """
            SELECT column_name::text, data_type::text, is_nullable::text = 'YES',
                   column_default IS NOT NULL OR is_identity::text = 'YES' OR is_generated::text <> 'NEVER',
                   character_maximum_length::integer
            FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = \(table)
            ORDER BY ordinal_position
            """, on: connection
        ).decode((String, String, Bool, Bool, Int?).self) {
            columns.append(CatalogColumn(name: name, type: type, isNullable: nullable, hasDefault: hasDefault, maxLength: length))
        }
        return columns
    }

    public func catalogSchema() async throws -> CatalogSchema {
        if let known = state.withLock({ $0.schema }) { return known }
        guard try await schemaPresent() else { return .toolDefault }
        let (schema, keys) = try await withConnection { connection in
            let songs = try await columns(of: "songs", on: connection)
            let plays = try await columns(of: "external_plays", on: connection)
            var keys = false
            for try await name in try await execute("SELECT to_regclass('radio_ingest_song_keys')::text", on: connection).decode(
                String?.self)
            {
                keys = name != nil
            }
            return (try CatalogSchema.detect(songs: songs, plays: plays, names: columnNames), keys)
        }
        state.withLock {
            $0.schema = schema
            $0.keysTablePresent = keys
        }
        return schema
    }

    public func withWriteSession<T: Sendable>(renewing lease: LeaseRenewal?, _ body: (any CatalogSession) async throws -> T) async throws
        -> T
    {
        let schema = try await catalogSchema()
        let keys = state.withLock { $0.keysTablePresent }
        try await ensureReachable()
        // The raw client, not `withConnection`: a server error must reach the page writer
        // unmapped, so that it can tell a refused row from a failed database.
        do {
            let value = try await withPooledConnection { connection in
                try await retryingUnprepared {
                    let ahead = SentAhead()
                    return try await inTransaction(.pageWrite, on: connection, renewing: lease, sendingAhead: ahead) {
                        try await body(
                            PostgresSession(
                                catalog: self, connection: connection, schema: schema, keysTablePresent: keys, previewKeys: nil,
                                ahead: ahead))
                    }
                }
            }
            refreshStatisticsIfGrown()
            return value
        } catch let error where PostgresFailure.isDatabaseFailure(error) && rejectionReason(error) == nil {
            throw IngestError.storage("PostgreSQL: \(PostgresFailure.describe(error))")
        }
    }

    public func withReadSession<T: Sendable>(_ body: (any CatalogSession) async throws -> T) async throws -> T {
        let schema = try await catalogSchema()
        let (keys, preview) = state.withLock { ($0.keysTablePresent, $0.previewKeys) }
        guard try await schemaPresent() else { return try await body(EmptyCatalogSession(schema: schema, previewKeys: preview)) }
        return try await withConnection { connection in
            try await retryingUnprepared {
                let ahead = SentAhead()
                return try await inTransaction(.pageRead, on: connection, sendingAhead: ahead) {
                    try await body(
                        PostgresSession(
                            catalog: self, connection: connection, schema: schema, keysTablePresent: keys, previewKeys: preview,
                            ahead: ahead))
                }
            }
        }
    }

    /// A unique violation on `external_plays`: another writer stored a play of the page after
    /// its look-up (the tool's lease keeps two runs of one source apart, but not every writer
    /// of the catalog takes it).
    public func isPlayConflict(_ error: any Error) -> Bool {
        PostgresFailure.server(.sqlState, of: error) == "23505" && PostgresFailure.server(.tableName, of: error) == "external_plays"
    }

    public func rejectionReason(_ error: any Error) -> String? {
        guard let sqlState = PostgresFailure.server(.sqlState, of: error) else { return nil }
        // Classes that speak of the server or the connection, not of a row: 08 connection,
        // 53 resources, 57 operator intervention, 58 system, XX internal; and a prepared
        // statement the server lost (26, ``retryingUnprepared(_:)``).
        if ["08", "26", "53", "57", "58", "XX"].contains(String(sqlState.prefix(2))) { return nil }
        return PostgresFailure.describe(error)
    }

    /// Whether the catalog tables exist; a dry run against an empty database treats it as an
    /// empty catalog instead of failing.
    func schemaPresent() async throws -> Bool {
        if let known = state.withLock({ $0.schemaPresent }), known { return true }
        let present = try await withConnection { connection in
            for try await name in try await execute(
                "SELECT CASE WHEN to_regclass('external_plays') IS NOT NULL AND to_regclass('ingestion_checkpoints') IS NOT NULL THEN 'yes' END",
                on: connection
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
