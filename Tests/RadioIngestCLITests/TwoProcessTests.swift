import Foundation
import IngestCore
import IngestTesting
import Testing

/// Two `radio-ingest` processes writing one catalog at once: no corruption, no duplicate, no error.
@Suite struct TwoProcessTests {
    @Test(arguments: StoreKind.available)
    func twoProcessesIngestingTheSameFeedStoreEachPlayOnce(kind: StoreKind) async throws {
        let feed = GeneratedKEXPFeed(count: 1_500, distinctSongs: 400)
        let server = try await FeedServer.start(feed)
        // A second station playing the same songs (another server with the same feed).
        let twin = try await FeedServer.start(feed)
        let catalog = try await TestCatalog.make(kind)
        defer { catalog.remove() }
        let directory = try CLI.temporaryDirectory()
        // Two stations of one platform: different sources, the same songs, one catalog.
        _ = try ConfigDrivenTests.writeConfig(
            """
            sources:
              kexp: { adapter: kexp, base_url: "\(server.apiRoot.absoluteString)", polite_delay: 0 }
              kexp-b: { adapter: kexp, base_url: "\(twin.apiRoot.absoluteString)", polite_delay: 0 }
            """, in: directory)
        async let first = CLI.run(["kexp", "--database-url", catalog.url, "--json"], directory: directory)
        async let second = CLI.run(["kexp", "--source", "kexp-b", "--database-url", catalog.url, "--json"], directory: directory)
        let results = try await [first, second]
        try await server.server.shutdown()
        try await twin.server.shutdown()
        for result in results {
            #expect(result.status == 0, "\(result.stderr.suffix(2000))")
            #expect(result.stdout.contains("\"errors\":0"))
        }
        let valid = feed.validTrackRows.count
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == 2 * valid)
        #expect(try await catalog.scalar("SELECT count(DISTINCT source_play_id) FROM external_plays") == valid)
        let distinctSongs = Set(feed.validTrackRows.map { SongKey.make(title: $0.song!, artist: $0.artist!)! }).count
        #expect(try await catalog.scalar("SELECT count(*) FROM songs") == distinctSongs)
        if kind == .sqlite {
            #expect(try await catalog.rows("PRAGMA integrity_check") == [["ok"]])
        }
    }

    @Test func theSameSourceTwiceAtOnceRunsOnceAndNamesTheHolder() async throws {
        // 30 slow pages (at least 9 s, however fast the writes): long enough for a second
        // process to start on a loaded machine while the first still holds the source.
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 6_000), responseDelay: .milliseconds(300))
        let directory = try CLI.temporaryDirectory()
        let arguments = ["kexp", "--base-url", server.apiRoot.absoluteString, "--polite-delay", "0", "--json"]
        let (first, out, _) = try CLI.start(arguments, directory: directory)
        // The lease is taken before the first request.
        for _ in 0..<1000 where server.server.requests.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        let second = try await CLI.run(arguments, directory: directory)
        await CLI.waitForExit(first)
        try await server.server.shutdown()
        #expect(first.terminationStatus == 0)
        _ = out
        #expect(second.status == 75)
        #expect(second.stdout.contains("\"status\":\"skipped\""))
        #expect(second.stderr.contains("lease_holder=\(ProcessInfo.processInfo.hostName):\(first.processIdentifier):"))
    }
}
