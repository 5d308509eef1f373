import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import KEXP
import Logging
import Synchronization

/// A generated KEXP feed on 127.0.0.1, a fresh real catalog, and an engine whose back-off
/// sleeps are recorded instead of slept (tests assert behaviour, never timing).
final class Harness: Sendable {
    let feedServer: FeedServer
    let catalog: TestCatalog
    let sleeps = SleepRecorder()
    let logs = CapturingLogHandler.Store()

    static func make(_ kind: StoreKind, plays: Int = 600, faults: FaultSchedule = FaultSchedule([:])) async throws -> Harness {
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: plays, distinctSongs: 120), faults: faults)
        return Harness(feedServer: server, catalog: try await TestCatalog.make(kind))
    }

    init(feedServer: FeedServer, catalog: TestCatalog) {
        self.feedServer = feedServer
        self.catalog = catalog
    }

    var feed: GeneratedKEXPFeed { feedServer.feed }

    func engine(timeout: Duration = .seconds(10)) -> IngestEngine {
        let store = logs
        let logger = Logger(label: "test") { _ in CapturingLogHandler(store: store) }
        let sleeps = self.sleeps
        let fetcher = PageFetcher(timeout: timeout) { duration in sleeps.record(duration) }
        return IngestEngine(fetcher: fetcher, logger: logger)
    }

    func adapter(pageSize: Int = 200) -> KEXPAdapter {
        KEXPAdapter(baseURL: feedServer.apiRoot, pageSize: pageSize)
    }

    /// One run with a freshly opened store, closed afterwards.
    func run(_ options: RunOptions = RunOptions(politeDelay: .zero), pageSize: Int = 200, timeout: Duration = .seconds(10)) async throws
        -> RunSummary
    {
        let store = try catalog.open(readOnly: options.dryRun)
        let summary = await engine(timeout: timeout).run(adapter(pageSize: pageSize), into: store, options: options)
        await store.close()
        return summary
    }

    func count(_ table: String) async throws -> Int {
        try await catalog.scalar("SELECT count(*) FROM \(table)")
    }

    func checkpoint() async throws -> Checkpoint? {
        let store = try catalog.open()
        do {
            let checkpoint = try await store.checkpoint(for: "kexp")
            await store.close()
            return checkpoint
        } catch {
            await store.close()
            throw error
        }
    }

    /// A harness for the length of `body`, shut down (server stopped, catalog removed) when it
    /// returns or throws: cleanup is awaited, never left to a detached task.
    static func scoped<T>(_ make: @autoclosure () async throws -> Harness, _ body: (Harness) async throws -> T) async throws -> T {
        let h = try await make()
        do {
            let value = try await body(h)
            await h.finish()
            return value
        } catch {
            await h.finish()
            throw error
        }
    }

    func finish() async {
        try? await feedServer.server.shutdown()
        catalog.remove()
    }
}

extension RunOptions {
    static func fast(
        dryRun: Bool = false, limit: Int? = nil, pageLimit: Int? = nil, incremental: Bool = false,
        window: TimeWindow = .unbounded
    ) -> RunOptions {
        RunOptions(dryRun: dryRun, limit: limit, pageLimit: pageLimit, incremental: incremental, window: window, politeDelay: .zero)
    }
}

/// Back-off waits the fetcher asked for, recorded instead of slept.
final class SleepRecorder: Sendable {
    let waits = Mutex<[Duration]>([])
    func record(_ duration: Duration) { waits.withLock { $0.append(duration) } }
    var recorded: [Duration] { waits.withLock { $0 } }
}
