import Foundation
import IngestCore
import IngestTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Late plays through the binary: a scheduled daemon picks up plays published after they aired,
/// `--lookback 0` shows what was lost before, and `status` shows the settling stretch.
@Suite struct LatePlaysCLITests {
    /// A feed ending a minute ago, and three plays that aired 3 to 10 minutes ago but are
    /// published only later.
    static func feeds() -> (GeneratedKEXPFeed, GeneratedKEXPFeed) {
        let newest = Date().addingTimeInterval(-60)
        let base = GeneratedKEXPFeed(count: 200, newest: newest)
        let late = [180.0, 300.0, 600.0].enumerated().map { i, ago in
            GeneratedKEXPFeed.track(id: 9_000_001 + i, airdate: newest.addingTimeInterval(-ago), song: "Late \(i)", artist: "Latecomer")
        }
        return (base, base.with { $0 += late })
    }

    @Test(arguments: StoreKind.available)
    func theDaemonsScheduledRunsStorePlaysPublishedLate(kind: StoreKind) async throws {
        let (base, published) = Self.feeds()
        let server = try await FeedServer.start(base)
        let catalog = try await TestCatalog.make(kind)
        defer { catalog.remove() }
        let directory = try CLI.temporaryDirectory()
        let config = try ConfigDrivenTests.writeConfig(
            """
            database: { url: "${TEST_DB}" }
            sources:
              kexp: { adapter: kexp, base_url: "\(server.apiRoot.absoluteString)", polite_delay: 0, lookback: 30m, schedule: { every: 1s } }
            """, in: directory)
        let (process, _, err) = try CLI.start(["daemon", "--config", config], environment: ["TEST_DB": catalog.url])
        var runs = 0
        for _ in 0..<400 where runs < 1 {
            try await Task.sleep(for: .milliseconds(25))
            runs = (try? await catalog.scalar("SELECT count(*) FROM ingestion_runs WHERE status = 'complete'")) ?? 0
        }
        server.publish(published)
        var late = 0
        for _ in 0..<400 where late < 3 {
            try await Task.sleep(for: .milliseconds(25))
            late = (try? await catalog.scalar("SELECT count(*) FROM external_plays WHERE artist = 'Latecomer'")) ?? 0
        }
        _ = await CLI.terminate(process, stderr: err)
        try await server.server.shutdown()
        #expect(runs >= 1)
        #expect(late == 3)
        #expect(try await catalog.scalar("SELECT coalesce(sum(late_plays), 0) FROM ingestion_runs") == 3)
    }

    @Test(arguments: StoreKind.available)
    func theLookbackFlagDecidesWhetherLatePlaysAreFoundAndStatusShowsTheSettlingStretch(kind: StoreKind) async throws {
        let (base, published) = Self.feeds()
        let server = try await FeedServer.start(base)
        let catalog = try await TestCatalog.make(kind)
        defer { catalog.remove() }
        let common = ["kexp", "--database-url", catalog.url, "--base-url", server.apiRoot.absoluteString, "--polite-delay", "0", "--json"]
        let first = try await CLI.run(common)
        #expect(first.status == 0, "\(first.stderr.suffix(800))")
        server.publish(published)
        let blind = try await CLI.run(common + ["--incremental", "--lookback", "0"])
        let blindSummary = try #require(try JSONSerialization.jsonObject(with: Data(blind.stdout.utf8)) as? [String: Any])
        #expect(blindSummary["late_plays"] as? Int == 0)
        let seeing = try await CLI.run(common + ["--incremental", "--lookback", "30m"])
        try await server.server.shutdown()
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(seeing.stdout.utf8)) as? [String: Any])
        #expect(summary["late_plays"] as? Int == 3)

        let status = try await CLI.run(["status", "kexp", "--database-url", catalog.url])
        #expect(status.stdout.contains("settling:"), "\(status.stdout)")
        let json = try await CLI.run(["status", "kexp", "--json", "--database-url", catalog.url])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let source = try #require((report["sources"] as? [[String: Any]])?.first)
        #expect((source["settling"] as? [String])?.count == 2)
        #expect(source["lookback_seconds"] as? Int == 1800)

        let bad = try await CLI.run(["kexp", "--lookback", "soon", "--database-url", catalog.url])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--lookback 'soon' is not a duration"))
    }
}
