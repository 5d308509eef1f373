import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import Logging
import PostgresCatalog
import Testing

@Suite(.enabled(if: StoreKind.available.contains(.postgres), "needs RADIO_INGEST_TEST_POSTGRES_URL (scripts/test.sh)"))
struct PostgresStatementBudgetTests {
    @Test func aPageOf200PlaysCostsAtMostSevenStatements() async throws {
        let catalog = try await TestCatalog.make(.postgres)
        let store = try PostgresCatalog(url: catalog.url, logger: Logger(label: "test"))
        _ = try await store.migrate()
        _ = try await store.catalogSchema()  // read once per run, before the first page
        let t0 = Date(timeIntervalSince1970: 1_700_000_000)
        for page in 0..<3 {
            // New songs, repeated songs and a play already stored: every path of the page write.
            let plays = (0..<200).map { i in
                Play(
                    sourcePlayID: "\(page * 150 + i)", title: "Song \(i % 120)", artist: "Artist \(i % 7)",
                    album: i % 2 == 0 ? nil : "Album",
                    airdate: t0.addingTimeInterval(Double(-page * 200 - i)), mbid: i % 5 == 0 ? "mbid-\(i % 120)" : nil, year: 1990)
            }
            let before = store.statementCount
            _ = try await store.commit(PageBatch(source: "kexp", plays: plays, checkpoint: Checkpoint(source: "kexp")))
            // BEGIN, planner settings, one look-up, songs and keys, plays, checkpoint, COMMIT (a
            // conflict look-up, only when another process won a race, would make 8).
            #expect(store.statementCount - before <= 7)
        }
        await store.close()
    }
}
