import Foundation
import IngestTesting
import Testing

/// A database that refuses the connection is reported with the server's own reason, once, and a
/// URL that cannot work is a usage error before anything connects.
@Suite(.enabled(if: StoreKind.available.contains(.postgres), "needs RADIO_INGEST_TEST_POSTGRES_URL (scripts/test.sh)"))
struct DatabaseRefusalTests {
    static func url(_ change: (inout URLComponents) -> Void) throws -> String {
        let catalog = try #require(ProcessInfo.processInfo.environment["RADIO_INGEST_TEST_POSTGRES_URL"])
        var components = try #require(URLComponents(string: catalog))
        change(&components)
        return try #require(components.string)
    }

    @Test(arguments: [
        ("wrong password", "28P01", "password authentication failed"),
        ("missing database", "3D000", "does not exist"),
        ("ssl required", "", "does not offer SSL"),
    ])
    func aRefusedConnectionSaysTheServersReasonOnce(name: String, sqlState: String, words: String) async throws {
        let url = try Self.url { components in
            switch name {
            case "wrong password": components.password = "not-the-password"
            case "missing database": components.path = "/no_such_database"
            default: components.queryItems = [URLQueryItem(name: "sslmode", value: "require")]
            }
        }
        let result = try await CLI.run(["status", "--database-url", url])
        #expect(result.status == 1)
        #expect(result.stderr.contains(words), "\(result.stderr)")
        #expect(sqlState.isEmpty || result.stderr.contains("SQLSTATE \(sqlState)"))
        #expect(!result.stderr.contains("PSQLError"))
        #expect(!result.stderr.contains("not-the-password"))
        #expect(result.stderr.components(separatedBy: "\n").filter { $0.contains(words) }.count == 1)
    }

    @Test(arguments: [
        ("sslmode=bogus", "is not a PostgreSQL SSL mode"),
        ("port 99999", "is not a TCP port"),
    ])
    func aURLThatCannotWorkIsAUsageError(name: String, words: String) async throws {
        let url = try Self.url { components in
            if name.hasPrefix("port") {
                components.port = 99999
            } else {
                components.queryItems = [URLQueryItem(name: "sslmode", value: "bogus")]
            }
        }
        let result = try await CLI.run(["status", "--database-url", url])
        #expect(result.status == 64)
        #expect(result.stderr.contains(words), "\(result.stderr)")
    }
}
