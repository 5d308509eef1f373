import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import KEXP
import Logging
import Testing

/// A process paused (or cut off) past its lease must not commit pages over the process that took
/// the source over: the lease is checked, and renewed, inside every page's transaction.
@Suite struct LeaseFencingTests {
    @Test(arguments: StoreKind.available)
    func aRunThatLostItsLeaseWhilePausedCommitsNothingMore(kind: StoreKind) async throws {
        // Each page takes 1.5 s to arrive: the run is "paused" well past its 300 ms lease.
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 1_000), responseDelay: .milliseconds(1500))
        let catalog = try await TestCatalog.make(kind)
        defer { catalog.remove() }
        var engine = IngestEngine(fetcher: PageFetcher(timeout: .seconds(10)) { _ in }, holder: "paused-host:1:boot")
        engine.leaseTTL = .milliseconds(300)
        let paused = engine
        let store = try catalog.open()
        let run = Task {
            await paused.run(KEXPAdapter(baseURL: server.apiRoot, pageSize: 100), into: store, options: RunOptions(politeDelay: .zero))
        }
        // Once the first page is in, wait out the lease and take the source over, as another
        // process would.
        var pages = 0
        for _ in 0..<400 {
            pages = (try? await catalog.scalar("SELECT count(*) FROM ingestion_checkpoints")) ?? 0
            if pages == 1 { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(pages == 1)
        let other = try catalog.open()
        // The paused run's lease lapses 300 ms after each commit; take it as soon as it has.
        var taken = false
        for _ in 0..<200 where !taken {
            try await Task.sleep(for: .milliseconds(50))
            taken =
                try await other.acquireLease(source: "kexp", holder: "other-host:2:boot", ttl: .seconds(60), replacing: nil) == .acquired
        }
        #expect(taken)
        // What the paused run had committed while it held the lease (on a loaded machine a
        // fetched-ahead page can commit before the lease lapses): nothing may follow it.
        let atTakeover = try await other.checkpoint(for: "kexp")?.pagesCommitted
        let summary = await run.value
        let checkpoint = try await other.checkpoint(for: "kexp")
        await store.close()
        await other.close()
        try await server.server.shutdown()
        #expect(summary.status == .failed)
        #expect(summary.error?.contains("lost the lease") == true, "\(summary.error ?? "")")
        #expect((atTakeover ?? 0) >= 1)
        #expect(checkpoint?.pagesCommitted == atTakeover, "the paused run committed nothing after losing its lease")
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == summary.counters.provenanceInserted)
    }
}
