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
        let catalog = try await TestCatalog.make(kind)
        defer { catalog.remove() }
        let directory = try CLI.temporaryDirectory()
        let arguments = ["kexp", "--base-url", server.apiRoot.absoluteString, "--polite-delay", "0",
                         "--database-url", catalog.url, "--json"]
        async let first = CLI.run(arguments, directory: directory)
        async let second = CLI.run(arguments, directory: directory)
        let results = try await [first, second]
        try await server.server.shutdown()
        for result in results {
            #expect(result.status == 0, "\(result.stderr.suffix(2000))")
            #expect(result.stdout.contains("\"errors\":0"))
        }
        let valid = feed.validTrackRows.count
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == valid)
        #expect(try await catalog.scalar("SELECT count(DISTINCT source_play_id) FROM external_plays") == valid)
        let distinctSongs = Set(feed.validTrackRows.map { SongKey.make(title: $0.song!, artist: $0.artist!)! }).count
        #expect(try await catalog.scalar("SELECT count(*) FROM songs") == distinctSongs)
        if kind == .sqlite {
            #expect(try await catalog.rows("PRAGMA integrity_check") == [["ok"]])
        }
    }
}
