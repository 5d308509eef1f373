import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import Logging
import PostgresNIO
import Testing

@testable import PostgresCatalog

/// PostgreSQL runs a page's statements as named prepared statements, prepared once per
/// connection. A server that loses them between transactions (a pooler in transaction mode hands
/// each transaction to another server connection) must cost one page's retry, never a play.
@Suite(.enabled(if: StoreKind.available.contains(.postgres), "needs RADIO_INGEST_TEST_POSTGRES_URL (scripts/test.sh)"))
struct PreparedStatementTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func page(_ number: Int) -> PageBatch {
        let plays = (0..<50).map { i in
            Play(
                sourcePlayID: "\(number)-\(i)", title: "Song \(i % 30)", artist: "Artist \(i % 4)",
                airdate: t0.addingTimeInterval(Double(-number * 100 - i)), mbid: i % 5 == 0 ? "mbid-\(i % 30)" : nil)
        }
        return PageBatch(source: "kexp", plays: plays, checkpoint: Checkpoint(source: "kexp"))
    }

    /// Runs `sql` on every connection the store's pool has (at most four): four leases held at
    /// once are four different connections. Returns the first column of each answer's first row.
    func onEveryConnection(of store: PostgresCatalog, _ sql: PostgresQuery) async throws -> [String] {
        let leased = Barrier(parties: 4)
        return try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await store.withConnection { connection in
                        await leased.arrive()
                        return try await store.value(String.self, of: sql, on: connection) ?? ""
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    @Test func aServerThatLosesThePreparedStatementsCostsOnePagesRetryAndNoPlay() async throws {
        let catalog = try await TestCatalog.make(.postgres)
        defer { catalog.remove() }
        let logs = CapturingLogHandler.Store()
        let store = try PostgresCatalog(url: catalog.url, logger: Logger(label: "test") { _ in CapturingLogHandler(store: logs) })
        _ = try await store.migrate()
        let writer = PageWriter(store: store, logger: Logger(label: "test") { _ in CapturingLogHandler(store: logs) })
        for number in 0..<2 { _ = try await writer.write(page(number)) }
        let songs = try await catalog.scalar("SELECT count(*) FROM songs")
        let prepared = try await onEveryConnection(of: store, "SELECT count(*)::text FROM pg_prepared_statements")
        #expect(prepared.compactMap(Int.init).reduce(0, +) >= 3, "the look-up, the song insert and the play insert at least")

        // What a pooler in transaction mode does to named statements.
        _ = try await onEveryConnection(of: store, "DEALLOCATE ALL")
        let retried = try await writer.write(page(2))
        #expect(retried.dispositions.count == 50)
        #expect(retried.dispositions.allSatisfy { if case .failed = $0 { false } else { true } })
        #expect(logs.messages.contains { $0.contains("lost a prepared statement") })
        #expect(!logs.messages.contains { $0.contains("play by play") })

        // Statements are parsed each time from then on, and pages go on landing.
        _ = try await writer.write(page(3))
        #expect(try await onEveryConnection(of: store, "SELECT count(*)::text FROM pg_prepared_statements") == ["0", "0", "0", "0"])
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == 4 * 50)
        #expect(try await catalog.scalar("SELECT count(*) FROM songs") == songs, "each page repeats the same songs")
        await store.close()
    }
}

/// Lets `parties` tasks wait until all of them have arrived.
actor Barrier {
    let parties: Int
    private var arrived = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(parties: Int) { self.parties = parties }

    func arrive() async {
        arrived += 1
        if arrived >= parties {
            for continuation in waiting { continuation.resume() }
            waiting = []
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }
}
