import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import Logging
import PostgresCatalog
import Testing

/// PostgreSQL sends a page's play insert and checkpoint without waiting for their answers. When
/// one of them fails, the statements after it are refused only because the transaction is
/// aborted: the operator must read the first failure's reason, and nothing of the page may be
/// kept by its `COMMIT`.
@Suite(.enabled(if: StoreKind.available.contains(.postgres), "needs RADIO_INGEST_TEST_POSTGRES_URL (scripts/test.sh)"))
struct SentAheadTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func plays(_ count: Int) -> [Play] {
        (0..<count).map { i in
            Play(sourcePlayID: "p\(i)", title: "Song \(i)", artist: "Artist", airdate: t0.addingTimeInterval(Double(-60 * i)))
        }
    }

    @Test func aRefusedInsertSentAheadIsReportedWithItsOwnReasonAndThePageIsWrittenPlayByPlay() async throws {
        let catalog = try await TestCatalog.make(.postgres)
        defer { catalog.remove() }
        let store = try PostgresCatalog(url: catalog.url, logger: Logger(label: "test"))
        _ = try await store.migrate()
        try await catalog.execute(
            """
            CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN
              IF NEW.source_play_id = 'p3' THEN RAISE EXCEPTION 'poisoned play'; END IF; RETURN NEW;
            END $$ LANGUAGE plpgsql
            """)
        try await catalog.execute("CREATE TRIGGER poison BEFORE INSERT ON external_plays FOR EACH ROW EXECUTE FUNCTION poison()")
        let logs = CapturingLogHandler.Store()
        var writer = PageWriter(store: store, logger: Logger(label: "test") { _ in CapturingLogHandler(store: logs) })
        // Refused plays are waiting: after the (sent-ahead) insert, the page clears them with a
        // statement it waits for, which the aborted transaction refuses.
        writer.clearsFailures = true
        let outcome = try await writer.write(PageBatch(source: "kexp", plays: plays(8), checkpoint: Checkpoint(source: "kexp")))
        await store.close()

        #expect(outcome.dispositions[3] == .failed(reason: "poisoned play (SQLSTATE P0001)"), "\(outcome.dispositions[3])")
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == 7)
        let refusal = logs.messages.filter { $0.contains("page write refused") }
        #expect(refusal.count == 1 && refusal.allSatisfy { $0.contains("poisoned play") }, "\(refusal)")
        #expect(!logs.messages.contains { $0.contains("current transaction is aborted") }, "\(logs.messages)")
    }

    @Test func aPageWhoseCheckpointFailsKeepsNoneOfItsPlays() async throws {
        let catalog = try await TestCatalog.make(.postgres)
        defer { catalog.remove() }
        let store = try PostgresCatalog(url: catalog.url, logger: Logger(label: "test"))
        _ = try await store.migrate()
        // The checkpoint is the page's last statement, sent ahead with its COMMIT.
        try await catalog.execute("ALTER TABLE ingestion_checkpoints ADD CONSTRAINT no_kexp CHECK (source <> 'kexp')")
        let writer = PageWriter(store: store, logger: Logger(label: "test"))
        await #expect(throws: (any Error).self) {
            try await writer.write(PageBatch(source: "kexp", plays: plays(8), checkpoint: Checkpoint(source: "kexp")))
        }
        await store.close()
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == 0)
        #expect(try await catalog.scalar("SELECT count(*) FROM songs") == 0)
    }
}
