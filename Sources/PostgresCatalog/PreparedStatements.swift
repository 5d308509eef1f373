import NIOCore
import PostgresNIO
import Synchronization

/// Values bound to a named prepared statement (PostgresNIO's `PreparedQuery` takes
/// `PostgresData`). The statement's SQL casts every parameter to the type bound here: it is
/// prepared without parameter types, so the server takes them from the casts.
struct PreparedBinds: Sendable {
    var values: [PostgresData] = []

    mutating func append<Value: PostgresEncodable>(_ value: Value) throws {
        var buffer = ByteBuffer()
        try value.encode(into: &buffer, context: .default)
        values.append(PostgresData(type: Value.psqlType, formatCode: Value.psqlFormat, value: buffer))
    }

    /// `nil` binds SQL `NULL`.
    mutating func append<Value: PostgresEncodable>(_ value: Value?) throws {
        guard let value else { return values.append(PostgresData(type: Value.psqlType, formatCode: Value.psqlFormat)) }
        try append(value)
    }

    /// The same values for an unnamed statement.
    var bindings: PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { bindings.append(value) }
        return bindings
    }
}

/// The statements a page sends every time, prepared once per connection and then executed by
/// name: the server parses and plans each once per connection instead of once per page (about
/// 15% of a backfill's time, docs/performance.md).
///
/// PostgresNIO's `PostgresPreparedStatement` takes SQL fixed at compile time, and a page's SQL
/// follows the catalog's detected columns; its older `prepare(query:)` takes any SQL. That API
/// labels every answer's columns as text while the server sends them in binary, so a prepared
/// statement here selects text columns only (binary and text forms of text are the same).
///
/// A pooler in transaction mode (PgBouncer before 1.21, or later ones without
/// `max_prepared_statements`) loses named statements between transactions: the first time the
/// server does not know one, the catalog turns them off (``disable()``) and the page is written
/// again with statements parsed each time, as before.
final class PreparedStatements: Sendable {
    private struct Key: Hashable {
        let connection: PostgresConnection.ID
        let sql: String
    }

    private struct State {
        var prepared: [Key: (query: PreparedQuery, connection: PostgresConnection)] = [:]
        var enabled = true
    }

    private let state = Mutex(State())

    /// Whether statements are prepared (until ``disable()``).
    var enabled: Bool { state.withLock { $0.enabled } }

    /// Parses every statement each time from now on; says whether they were on until now.
    func disable() -> Bool {
        state.withLock { state in
            let wasEnabled = state.enabled
            state.enabled = false
            state.prepared = [:]
            return wasEnabled
        }
    }

    /// Sends `sql` with `binds` by name on `connection`, without waiting for its answer. The
    /// first time on `connection` it is prepared first (one round trip), so that a statement
    /// executed by name is never written before its preparation. Failures come as PostgresNIO's
    /// older API reports them, the channel's own errors turned into `PostgresError` (``PostgresFailure``).
    func send(_ sql: String, _ binds: PreparedBinds, on connection: PostgresConnection) async throws -> EventLoopFuture<[PostgresRow]> {
        try await statement(sql, on: connection).execute(binds.values).flatMapErrorThrowing { throw PostgresFailure.fromOlderAPI($0) }
    }

    private func statement(_ sql: String, on connection: PostgresConnection) async throws -> PreparedQuery {
        let key = Key(connection: connection.id, sql: sql)
        if let known = state.withLock({ $0.prepared[key] }) { return known.query }
        let query: PreparedQuery
        do {
            query = try await connection.prepare(query: sql).get()
        } catch {
            throw PostgresFailure.fromOlderAPI(error)
        }
        state.withLock { state in
            // A closed connection's statements went with it.
            state.prepared = state.prepared.filter { !$0.value.connection.isClosed }
            state.prepared[key] = (query, connection)
        }
        return query
    }
}
