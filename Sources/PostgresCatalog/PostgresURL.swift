import Foundation
import IngestCore
import NIOSSL
import PostgresNIO

/// Reads a `postgres://user:password@host:port/database?sslmode=...` URL. `?host=/path/to/dir`
/// selects a Unix socket. A URL that cannot work (an unknown `sslmode`, a port out of range) is
/// a usage error, so it fails before anything connects.
struct PostgresURL {
    enum SSLMode: String, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    var host: String
    var port: Int
    var socketDirectory: String?
    var user: String
    var password: String?
    var database: String
    var sslMode: SSLMode

    init(_ text: String) throws {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme?.lowercased(), scheme == "postgres" || scheme == "postgresql"
        else {
            throw IngestError.usage("not a PostgreSQL URL: \(Self.redacted(text)) (expected postgres://user:password@host:port/database)")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        user = components.percentEncodedUser?.removingPercentEncoding ?? ProcessInfo.processInfo.environment["PGUSER"] ?? "postgres"
        password = components.percentEncodedPassword?.removingPercentEncoding ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : path
        port = components.port ?? 5432
        guard (1...65535).contains(port) else {
            throw IngestError.usage("port \(port) in \(Self.redacted(text)) is not a TCP port (1 to 65535)")
        }
        let mode = query["sslmode"] ?? "prefer"
        guard let sslMode = SSLMode(rawValue: mode) else {
            throw IngestError.usage(
                "sslmode=\(mode) is not a PostgreSQL SSL mode; use one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.sslMode = sslMode
        socketDirectory = query["host"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
    }

    /// The pool's configuration.
    var clientConfiguration: PostgresClient.Configuration {
        if let socketDirectory {
            return PostgresClient.Configuration(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        }
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case .disable: tls = .disable
        case .require, .verifyCA, .verifyFull: tls = .require(.makeClientConfiguration())
        case .allow, .prefer: tls = .prefer(.makeClientConfiguration())
        }
        return PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }

    /// A single connection's configuration, for the probe that reports why a first connection fails.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socketDirectory {
            configuration = .init(
                unixSocketPath: "\(socketDirectory)/.s.PGSQL.\(port)", username: user, password: password, database: database)
        } else {
            let tls: PostgresConnection.Configuration.TLS
            switch sslMode {
            case .disable: tls = .disable
            case .require, .verifyCA, .verifyFull: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            case .allow, .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
            }
            configuration = .init(host: host, port: port, username: user, password: password, database: database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// The URL with its password masked, for logs and errors.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text) else { return "(unparseable URL)" }
        if components.password != nil { components.password = "***" }
        return components.string ?? "(unparseable URL)"
    }
}
