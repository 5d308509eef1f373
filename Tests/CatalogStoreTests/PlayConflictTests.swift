import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import Logging
import PostgresCatalog
import Testing

/// PostgreSQL inserts a page's plays without a per-row conflict check when its look-up found
/// none of them stored. Another writer that stores one of them in between must cost neither
/// the play nor the rest of the page.
@Suite(.enabled(if: StoreKind.available.contains(.postgres), "needs RADIO_INGEST_TEST_POSTGRES_URL (scripts/test.sh)"))
struct PlayConflictTests {
    @Test func aPlayAnotherWriterStoresDuringAPageWriteIsKeptOnceAndTheRestOfThePageLands() async throws {
        let catalog = try await TestCatalog.make(.postgres)
        let store = try PostgresCatalog(url: catalog.url, logger: Logger(label: "test"))
        _ = try await store.migrate()
        let logs = CapturingLogHandler.Store()
        let writer = PageWriter(store: store, logger: Logger(label: "test") { _ in CapturingLogHandler(store: logs) })
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        let plays = (0..<20).map { i in
            Play(sourcePlayID: "p\(i)", title: "Song \(i)", artist: "Artist", airdate: t0.addingTimeInterval(Double(-60 * i)))
        }
        // Another program (it does not take the tool's lease) stores play p7 and has not
        // committed yet: the page's look-up cannot see the play, and its insert waits for it.
        var sawTheWait = false
        let write = try await catalog.whileTransactionOpen([
            "INSERT INTO songs (id, title, artist) VALUES ('other-song', 'Song 7', 'Artist')",
            "INSERT INTO external_plays (source, source_play_id, title, artist, song_id) VALUES ('kexp', 'p7', 'Song 7', 'Artist', 'other-song')",
        ]) {
            let write = Task {
                try await writer.write(PageBatch(source: "kexp", plays: plays, checkpoint: Checkpoint(source: "kexp")))
            }
            for _ in 0..<1_000 where !sawTheWait {
                sawTheWait = try await catalog.scalar("SELECT count(*) FROM pg_locks WHERE NOT granted") > 0
                if !sawTheWait { try await Task.sleep(for: .milliseconds(10)) }
            }
            return write
        }
        let outcome = try await write.value
        await store.close()

        #expect(sawTheWait, "the page's insert never waited for the other writer's play")
        #expect(outcome.dispositions[7] == .duplicate)
        #expect(outcome.dispositions.enumerated().allSatisfy { $0.offset == 7 || $0.element.songID != nil })
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays WHERE source = 'kexp'") == 20)
        // The other writer's row stays as it stored it; nothing was refused or kept as failed.
        #expect(try await catalog.rows("SELECT song_id FROM external_plays WHERE source_play_id = 'p7'") == [["other-song"]])
        #expect(try await catalog.scalar("SELECT count(*) FROM radio_ingest_failed_plays") == 0)
        #expect(try await catalog.scalar("SELECT count(*) FROM ingestion_checkpoints WHERE source = 'kexp'") == 1)
        #expect(logs.messages.contains { $0.contains("another writer stored plays of this page meanwhile") })
        #expect(!logs.messages.contains { $0.contains("writing it play by play") })
    }
}
