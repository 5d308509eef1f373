import Foundation
import GRDB
import IngestCore
import IngestEngine
import IngestTesting
import KEXP
import Logging
import SQLiteCatalog
import Testing

/// The walk fetches the next page while the current one is written, and that changes nothing
/// else: every page is requested once, in order, and everything lands.
@Suite struct FetchAheadTests {
    @Test func theNextPageIsRequestedWhileThePageBeforeItIsStillBeingWritten() async throws {
        // Another connection holds the catalog's write lock while page 1 is being written; the
        // request for page 2 must arrive meanwhile. A loaded machine that lets page 1 commit
        // before the lock is taken makes the scenario inconclusive, and it is tried again.
        for attempt in 1...3 {
            let feed = GeneratedKEXPFeed(count: 600, distinctSongs: 120)
            let server = try await FeedServer.start(feed, responseDelay: .milliseconds(400))
            let catalog = try await TestCatalog.make(.sqlite)
            defer { catalog.remove() }
            let store = try catalog.open()
            let path = String(catalog.url.dropFirst("sqlite:".count))
            var configuration = Configuration()
            configuration.allowsUnsafeTransactions = true  // the lock is held across accesses
            let blocker = try DatabaseQueue(path: path, configuration: configuration)
            let run = Task {
                await IngestEngine(logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }).run(
                    KEXPAdapter(baseURL: server.apiRoot, pageSize: 200), into: store, options: RunOptions(politeDelay: .zero))
            }
            for _ in 0..<2000 where server.server.requests.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
            try await blocker.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
            let committedFirst =
                try await blocker.writeWithoutTransaction { try Int.fetchOne($0, sql: "SELECT count(*) FROM external_plays") ?? 0 } > 0
            for _ in 0..<2000 where server.server.requests.count < 2 { try await Task.sleep(for: .milliseconds(5)) }
            let storedWhilePage2WasRequested = try await blocker.writeWithoutTransaction {
                try Int.fetchOne($0, sql: "SELECT count(*) FROM external_plays") ?? 0
            }
            try await blocker.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }
            let summary = await run.value
            await store.close()
            try await server.server.shutdown()

            #expect(summary.status == .complete, "\(summary.error ?? "")")
            #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == feed.validTrackRows.count)
            // Three pages of 200, each requested once, in order.
            #expect(server.server.requests.map { $0.query["offset"] ?? "0" } == ["0", "200", "400"])
            if committedFirst && attempt < 3 { continue }
            #expect(!committedFirst, "page 1 committed before the lock was taken, three times")
            #expect(server.server.requests.count >= 2)
            #expect(storedWhilePage2WasRequested == 0)
            return
        }
    }
}
