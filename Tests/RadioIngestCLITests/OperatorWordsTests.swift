import Foundation
import IngestCore
import IngestTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What an operator reads: the catalog in use named first, progress in station time, the
/// daemon's schedule at start, `help` for a command that does not exist.
@Suite struct OperatorWordsTests {
    @Test func helpForACommandThatDoesNotExistIsBadUsage() async throws {
        let result = try await CLI.run(["help", "nosuch"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("there is no command 'nosuch'"))
    }

    @Test func theSummaryNamesTheCatalogAndProgressSaysHowFarBackTheWalkIs() async throws {
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 300))
        let directory = try CLI.temporaryDirectory()
        let json = try await CLI.run(
            ["kexp", "--base-url", server.apiRoot.absoluteString, "--polite-delay", "0", "--json", "--dry-run"], directory: directory)
        let text = try await CLI.run(
            ["kexp", "--base-url", server.apiRoot.absoluteString, "--polite-delay", "0", "--database-url", "sqlite:c.sqlite"],
            directory: directory)
        try await server.server.shutdown()
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(summary["catalog"] as? String == "radio-ingest.sqlite")
        #expect(text.stdout.hasPrefix("Catalog:                   c.sqlite"), "\(text.stdout)")
        // Progress in the station's own time (KEXP: Pacific).
        #expect(text.stderr.contains("reached=\"2023-11-14 "), "\(text.stderr.suffix(600))")
        #expect(text.stderr.contains(" PST"))
    }

    @Test func aPostgresPasswordNeverAppearsWhereTheCatalogIsNamed() async throws {
        let result = try await CLI.run(["runs", "--database-url", "postgres://u:hunter2@127.0.0.1:1/db"])
        #expect(!result.stderr.contains("hunter2"))
        #expect(!result.stdout.contains("hunter2"))
    }

    @Test func theDaemonLogsWhatItScheduledAtStart() async throws {
        let catalog = try await TestCatalog.make(.sqlite)
        defer { catalog.remove() }
        let directory = try CLI.temporaryDirectory()
        let config = try ConfigDrivenTests.writeConfig(
            """
            database: { url: "${TEST_DB}" }
            sources:
              kexp: { adapter: kexp, base_url: "http://127.0.0.1:1/v2", schedule: { every: 2h, jitter: 1h }, lookback: 45m }
            """, in: directory)
        let (process, _, err) = try CLI.start(["daemon", "--config", config], environment: ["TEST_DB": catalog.url])
        try await Task.sleep(for: .milliseconds(500))
        let log = await CLI.terminate(process, stderr: err)
        #expect(log.contains("scheduled source"), "\(log)")
        #expect(log.contains("every=\"7200.0 seconds\""), "\(log)")
        #expect(log.contains("lookback=\"2700.0 seconds\""))
    }
}
