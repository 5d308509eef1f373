import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import Logging
import Testing

/// A page's transaction renews its run's lease as it opens and commits only while the run
/// still holds it, whether the page has plays to write or only moves the checkpoint.
@Suite struct PageLeaseTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    @Test(arguments: StoreKind.available)
    func aPageOfARunWhoseLeaseWasTakenOverKeepsNothing(kind: StoreKind) async throws {
        try await TestCatalog.withStore(kind) { catalog, store in
            let runID = try await store.startRun(RunRecord(source: "kexp", flagsJSON: "{}", startedAt: t0, status: "running"))
            #expect(try await store.acquireLease(source: "kexp", holder: "first:1:boot", ttl: .seconds(60), replacing: nil) == .acquired)
            let writer = PageWriter(store: store, logger: Logger(label: "test"))
            let run = RunProgress(runID: runID, counters: RunCounters(), holder: "first:1:boot", leaseTTL: .seconds(60))
            let plays = (0..<5).map { i in
                Play(sourcePlayID: "p\(i)", title: "Song \(i)", artist: "Artist", airdate: t0.addingTimeInterval(Double(-60 * i)))
            }
            var checkpoint = Checkpoint(source: "kexp")
            checkpoint.pagesCommitted = 1
            _ = try await writer.write(PageBatch(source: "kexp", plays: Array(plays[..<2]), checkpoint: checkpoint, run: run))

            // Another process takes the source over (the first one was paused past its lease).
            #expect(
                try await store.acquireLease(source: "kexp", holder: "second:2:boot", ttl: .seconds(60), replacing: "first:1:boot")
                    == .acquired)
            checkpoint.pagesCommitted = 2
            for page in [Array(plays[2...]), []] {
                await #expect {
                    try await writer.write(PageBatch(source: "kexp", plays: page, checkpoint: checkpoint, run: run))
                } throws: { error in
                    "\(error)".contains("lost the lease on kexp")
                }
            }
            #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == 2)
            #expect(try await catalog.scalar("SELECT count(*) FROM songs") == 2)
            #expect(try await store.checkpoint(for: "kexp")?.pagesCommitted == 1)
            #expect(try await store.liveLeases()["kexp"]?.holder == "second:2:boot")
        }
    }
}
