import Foundation
import GRDB
import IngestCore
import IngestEngine
import IngestTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A process paused (SIGSTOP) past its lease while another takes the source over must not
/// commit a single page more when it wakes up.
@Suite struct LeaseFencingCLITests {
    @Test(arguments: StoreKind.available)
    func aProcessPausedPastItsLeaseCommitsNothingAfterAnotherTookOver(kind: StoreKind) async throws {
        let feed = GeneratedKEXPFeed(count: 3_000)
        // The paused process reads a slow copy of the feed (2 s a page, 30 s for all of it), so
        // a test woken late on a loaded machine still pauses it long before it could finish;
        // its successor reads the same plays without delay.
        let server = try await FeedServer.start(feed, responseDelay: .seconds(2))
        let fastServer = try await FeedServer.start(feed)
        let catalog = try await TestCatalog.make(kind)
        defer { catalog.remove() }
        func configReading(_ server: FeedServer) throws -> String {
            try ConfigDrivenTests.writeConfig(
                """
                database: { url: "${TEST_DB}" }
                lease_ttl: 1s
                sources:
                  kexp: { adapter: kexp, base_url: "\(server.apiRoot.absoluteString)", polite_delay: 0 }
                """, in: try CLI.temporaryDirectory())
        }
        let config = try configReading(server)
        let successorConfig = try configReading(fastServer)
        let environment = ["TEST_DB": catalog.url]
        let (paused, out, err) = try CLI.start(["kexp", "--config", config, "--json"], environment: environment)
        // After its first page is in, pause it while it waits for its next page (never inside
        // a transaction), for longer than its lease.
        var pages = 0
        for _ in 0..<400 {
            pages = (try? await catalog.scalar("SELECT count(*) FROM ingestion_checkpoints")) ?? 0
            if pages == 1 { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        // Pause it between pages: just after a page committed (its plays are in), while it
        // waits 2 s for the next page, and only once no transaction of it is open.
        var clear = false
        for _ in 0..<20 where !clear {
            let stored = try await catalog.scalar("SELECT count(*) FROM external_plays")
            var waits = 0
            while try await catalog.scalar("SELECT count(*) FROM external_plays") == stored, waits < 1_000 {
                try await Task.sleep(for: .milliseconds(5))
                waits += 1
            }
            kill(paused.processIdentifier, SIGSTOP)
            clear = try await !Self.aTransactionIsOpen(catalog)
            if !clear { kill(paused.processIdentifier, SIGCONT) }
        }
        #expect(clear)
        try await Task.sleep(for: .milliseconds(1500))
        let successor = try await CLI.run(["kexp", "--config", successorConfig, "--json"], environment: environment)
        let before = try await Self.checkpoint(catalog)
        let playsBefore = try await catalog.scalar("SELECT count(*) FROM external_plays")
        kill(paused.processIdentifier, SIGCONT)
        await CLI.waitForExit(paused)
        let pausedOut = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let pausedErr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try await server.server.shutdown()
        try await fastServer.server.shutdown()
        #expect(pages == 1)
        #expect(successor.status == 0, "\(successor.stderr.suffix(800))")
        #expect(paused.terminationStatus == 1, "\(pausedErr.suffix(800))")
        #expect(pausedOut.contains("lost the lease"), "\(pausedOut)")
        // The woken process wrote nothing: not its stale checkpoint over the successor's, not a play.
        #expect(try await Self.checkpoint(catalog) == before)
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == playsBefore)
        // Every play once: the woken process added nothing over its successor's pages.
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == feed.validTrackRows.count)
        #expect(try await catalog.scalar("SELECT count(DISTINCT source_play_id) FROM external_plays") == feed.validTrackRows.count)
    }

    /// Whether some connection holds a write transaction open (SQLite: the write lock is taken;
    /// PostgreSQL: a session is inside a transaction).
    static func aTransactionIsOpen(_ catalog: TestCatalog) async throws -> Bool {
        switch catalog.kind {
        case .postgres:
            return try await catalog.scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'"
            ) > 0
        case .sqlite:
            let path = String(catalog.url.dropFirst("sqlite:".count))
            var configuration = Configuration()
            configuration.allowsUnsafeTransactions = true
            let probe = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? probe.close() }
            do {
                try await probe.writeWithoutTransaction { db in
                    try db.execute(sql: "BEGIN IMMEDIATE")
                    try db.execute(sql: "ROLLBACK")
                }
                return false
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
                return true
            }
        }
    }

    static func checkpoint(_ catalog: TestCatalog) async throws -> Checkpoint? {
        let store = try catalog.open()
        let checkpoint = try await store.checkpoint(for: "kexp")
        await store.close()
        return checkpoint
    }
}
