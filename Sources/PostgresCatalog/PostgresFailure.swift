import PostgresNIO

/// What the catalog reads of a PostgresNIO failure, whichever of its two error types carries it.
/// Statements sent as queries fail with `PSQLError`; named prepared statements go through
/// PostgresNIO's older API (``PreparedStatements``), which reports a server's refusal as
/// `PostgresError.server` and a lost connection as another `PostgresError` (or the channel's own
/// error, which ``PreparedStatements/send(_:_:on:)`` turns into one).
enum PostgresFailure {
    enum Field {
        case sqlState, message, tableName
    }

    /// A field of the server's refusal; `nil` when the server did not refuse (the connection failed).
    static func server(_ field: Field, of error: any Error) -> String? {
        switch error {
        case let error as PSQLError:
            switch field {
            case .sqlState: error.serverInfo?[.sqlState]
            case .message: error.serverInfo?[.message]
            case .tableName: error.serverInfo?[.tableName]
            }
        case PostgresError.server(let response):
            switch field {
            case .sqlState: response.fields[.sqlState]
            case .message: response.fields[.message]
            case .tableName: response.fields[.tableName]
            }
        default: nil
        }
    }

    /// Whether `error` came from PostgreSQL or the connection to it, not from the tool.
    static func isDatabaseFailure(_ error: any Error) -> Bool {
        error is PSQLError || error is PostgresError
    }

    /// `error` as the error type PostgresNIO's older API uses, so that the catalog reads it as
    /// a failure of the connection: the older API hands on the channel's own error when the
    /// connection fails.
    static func fromOlderAPI(_ error: any Error) -> any Error {
        isDatabaseFailure(error) ? error : PostgresError.connectionClosed
    }

    /// A named prepared statement the server does not know (SQLSTATE 26000): a pooler in
    /// transaction mode handed the transaction to another server connection.
    static func isUnknownPreparedStatement(_ error: any Error) -> Bool {
        server(.sqlState, of: error) == "26000"
    }

    /// A message from the server or the connection, never the SQL or credentials.
    static func describe(_ error: any Error) -> String {
        if let message = server(.message, of: error) {
            let state = server(.sqlState, of: error).map { " (SQLSTATE \($0))" } ?? ""
            return message + state
        }
        switch error {
        case let error as PSQLError:
            switch error.code {
            case .sslUnsupported:
                return
                    "the server does not offer SSL, which the URL's sslmode requires; use sslmode=disable or prefer, or enable SSL on the server"
            case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
                return "cannot reach the database server; check the database URL and that the server is running"
            default:
                return "database error (\(error.code))"
            }
        case PostgresError.connectionClosed:
            return "cannot reach the database server; check the database URL and that the server is running"
        case PostgresError.protocol(let message):
            return "the connection to the database server failed (\(message))"
        default:
            return "database error (\(type(of: error)))"
        }
    }
}
