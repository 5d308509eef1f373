import Foundation
import IngestCore
import IngestTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `kill -9` at any moment loses nothing committed and duplicates nothing.
@Suite struct KillNineTests {
    @Test(arguments: StoreKind.available)
    func killNineMidRunThenRerunStoresEveryPlayOnce(kind: StoreKind) async throws {
        let feed = GeneratedKEXPFeed(count: 4_000, distinctSongs: 300)
        // The 5th request is held 20 s: however long this test process is starved on a loaded
        // machine, the run cannot finish before it is killed.
        let server = try await FeedServer.start(
            feed, faults: FaultSchedule([5: .delayed(.seconds(20), .status(503))]), responseDelay: .milliseconds(250))
        let catalog = try await TestCatalog.make(kind)
        defer { catalog.remove() }
        let directory = try CLI.temporaryDirectory()
        let arguments = ["kexp", "--base-url", server.apiRoot.absoluteString, "--polite-delay", "0", "--database-url", catalog.url]

        let (process, _, _) = try CLI.start(arguments + ["--incremental"], directory: directory)
        // Page k+1 is requested (fetched ahead) once page k is in hand, and page k+2 only after
        // page k committed: at the 5th request (held), pages 1 to 3 are in and page 4 is being
        // written. Kill without warning.
        for _ in 0..<4000 where server.server.requests.count < 5 { try await Task.sleep(for: .milliseconds(5)) }
        kill(process.processIdentifier, SIGKILL)
        await CLI.waitForExit(process)
        #expect(process.terminationReason == .uncaughtSignal)
        let afterKill = try await catalog.scalar("SELECT count(*) FROM external_plays")
        #expect(afterKill > 0 && afterKill < feed.validTrackRows.count)
        // The killed run's counters were saved with each page: its history shows what it did.
        #expect(try await catalog.scalar("SELECT pages_fetched FROM ingestion_runs ORDER BY id LIMIT 1") >= 2)
        #expect(try await catalog.scalar("SELECT provenance_inserted FROM ingestion_runs ORDER BY id LIMIT 1") == afterKill)
        // Every stored play links to a stored song: no half-written page.
        #expect(
            try await catalog.scalar("SELECT count(*) FROM external_plays p LEFT JOIN songs s ON s.id = p.song_id WHERE s.id IS NULL") == 0)

        let rerun = try await CLI.run(arguments + ["--incremental", "--json"], directory: directory)
        try await server.server.shutdown()
        #expect(rerun.status == 0)
        let checkpoint = try await catalog.rows("SELECT cursor, metadata FROM ingestion_checkpoints")
        #expect(
            try await catalog.scalar("SELECT count(*) FROM external_plays") == feed.validTrackRows.count,
            "after kill: \(afterKill); rerun: \(rerun.stdout); checkpoint: \(checkpoint); stderr: \(rerun.stderr.suffix(3000))")
        #expect(try await catalog.scalar("SELECT count(DISTINCT source_play_id) FROM external_plays") == feed.validTrackRows.count)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(rerun.stdout.utf8)) as? [String: Any])
        #expect(summary["status"] as? String == "complete")
        // The killed run is not silently "running" for ever in the history.
        let runs = try await catalog.rows("SELECT status FROM ingestion_runs ORDER BY id")
        #expect(runs == [["abandoned"], ["complete"]])
    }
}
