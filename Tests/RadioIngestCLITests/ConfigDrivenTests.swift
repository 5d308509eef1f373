import Foundation
import IngestCore
import IngestTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `run`, `daemon`, `status` and `checkpoint`, driven by a YAML config.
@Suite struct ConfigDrivenTests {
    static func writeConfig(_ yaml: String, in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("radio-ingest.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: StoreKind.available)
    func runIngestsEverySelectedSourceWithItsOwnCheckpoint(kind: StoreKind) async throws {
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 800))
        // A second station of the same platform: another KEXP-shaped API.
        let other = try await FeedServer.start(GeneratedKEXPFeed(count: 500))
        let catalog = try await TestCatalog.make(kind)
        defer { catalog.remove() }
        let directory = try CLI.temporaryDirectory()
        let config = try Self.writeConfig(
            """
            database: { url: "${TEST_DB}" }
            concurrency: 2
            sources:
              kexp:
                adapter: kexp
                base_url: \(server.apiRoot.absoluteString)
                polite_delay: 0
              kexp-copy:
                adapter: kexp
                base_url: \(other.apiRoot.absoluteString)
                polite_delay: 0
                limits: { page_limit: 1 }
              kexp-off:
                adapter: kexp
                enabled: false
            """, in: directory)
        let result = try await CLI.run(["run", "--config", config, "--json"], environment: ["TEST_DB": catalog.url])
        try await server.server.shutdown()
        try await other.server.shutdown()
        #expect(result.status == 0, "\(result.stderr.suffix(1500))")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let sources = try #require(object["sources"] as? [[String: Any]])
        #expect(sources.map { $0["source"] as? String } == ["kexp", "kexp-copy"])
        #expect(sources.map { $0["status"] as? String } == ["complete", "partial"])
        let total = try #require(object["total"] as? [String: Any])
        let inserted = sources.compactMap { $0["provenance_inserted"] as? Int }.reduce(0, +)
        #expect(total["provenance_inserted"] as? Int == inserted)
        #expect(try await catalog.scalar("SELECT count(*) FROM ingestion_checkpoints") == 2)
        #expect(try await catalog.scalar("SELECT count(DISTINCT source) FROM external_plays") == 2)

        let status = try await CLI.run(["status", "--config", config, "--json"], environment: ["TEST_DB": catalog.url])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let entries = try #require(report["sources"] as? [[String: Any]])
        #expect(entries.map { $0["source"] as? String } == ["kexp", "kexp-copy", "kexp-off"])
        #expect((entries[0]["runs"] as? [[String: Any]])?.first?["status"] as? String == "complete")
        #expect((entries[0]["gaps"] as? [Any])?.isEmpty == true)
        #expect(report["songs_awaiting_embedding"] as? Int ?? 0 > 0)
    }

    @Test func checkpointShowAndResetReplaceTheRunbooksSQL() async throws {
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 300))
        let directory = try CLI.temporaryDirectory()
        _ = try await CLI.run(["kexp", "--base-url", server.apiRoot.absoluteString, "--polite-delay", "0"], directory: directory)
        try await server.server.shutdown()
        let show = try await CLI.run(["checkpoint", "show", "kexp"], directory: directory)
        #expect(show.status == 0)
        #expect(show.stdout.contains("\"covered\""))
        let refused = try await CLI.run(["checkpoint", "reset", "kexp"], directory: directory)
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("--yes"))
        let reset = try await CLI.run(["checkpoint", "reset", "kexp", "--yes"], directory: directory)
        #expect(reset.status == 0)
        let after = try await CLI.run(["checkpoint", "show", "kexp"], directory: directory)
        #expect(after.status == 1)
    }

    @Test(arguments: [
        (
            "sources:\n  kexp:\n    adapter: kexp\n    polite_dealy: 1s\n",
            "radio-ingest.yaml:4:5: sources.kexp.polite_dealy is not a known key"
        ),
        (
            "sources:\n  kexp:\n    adapter: kexp\n    schedule: {every: soon}\n",
            "radio-ingest.yaml:4:23: sources.kexp.schedule.every 'soon' is not a duration"
        ),
    ])
    func aBrokenConfigExitsWithTheUsageCode(yaml: String, message: String) async throws {
        let directory = try CLI.temporaryDirectory()
        _ = try Self.writeConfig(yaml, in: directory)
        for command in [["run"], ["kexp", "--dry-run"], ["daemon"], ["status"]] {
            let result = try await CLI.run(command, directory: directory)
            #expect(result.status == 64, "\(command)")
            #expect(result.stderr.contains(message), "\(command): \(result.stderr)")
        }
    }

    @Test func secretsStayOutOfLogsErrorsAndStatus() async throws {
        guard let admin = ProcessInfo.processInfo.environment["RADIO_INGEST_TEST_POSTGRES_URL"] else { return }
        let catalog = try await TestCatalog.make(.postgres)
        // The throwaway cluster trusts local connections, so any password is accepted and must never show.
        var components = try #require(URLComponents(string: catalog.url))
        components.password = "hunter2-secret"
        let url = try #require(components.string)
        _ = admin
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 100))
        let directory = try CLI.temporaryDirectory()
        let config = try Self.writeConfig(
            """
            database: { url: "${SECRET_DB}" }
            sources:
              kexp: { adapter: kexp, base_url: "\(server.apiRoot.absoluteString)", polite_delay: 0 }
            """, in: directory)
        var outputs: [String] = []
        for command in [["run", "--log-level", "trace"], ["status"], ["runs"], ["kexp", "--log-level", "debug"]] {
            let result = try await CLI.run(command + ["--config", config], environment: ["SECRET_DB": url])
            outputs.append(result.stdout + result.stderr)
        }
        let broken = try await CLI.run(["migrate", "--database-url", "postgres://u:hunter2-secret@127.0.0.1:1/x"])
        outputs.append(broken.stdout + broken.stderr)
        try await server.server.shutdown()
        for output in outputs { #expect(!output.contains("hunter2-secret")) }
    }
}
