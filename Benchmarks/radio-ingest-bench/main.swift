// Ingests generated KEXP plays from a local fake server into each catalog with no polite
// delay, and prints plays per second, SQL statements per page and peak memory.
//
//   swift run -c release radio-ingest-bench [--plays N] [--sqlite PATH] [--postgres URL]
//
// Without --postgres, $RADIO_INGEST_TEST_POSTGRES_URL is used when set.
import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import KEXP
import Logging
import PostgresCatalog
import SQLiteCatalog

#if canImport(Glibc)
    import Glibc
#endif

func argument(_ name: String) -> String? {
    let args = CommandLine.arguments
    guard let index = args.firstIndex(of: name), index + 1 < args.count else { return nil }
    return args[index + 1]
}

func peakMemoryMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

let playCount = Int(argument("--plays") ?? "100000") ?? 100_000
let sqlitePath =
    argument("--sqlite") ?? FileManager.default.temporaryDirectory.appendingPathComponent("radio-ingest-bench-\(getpid()).sqlite").path
let postgresURL = argument("--postgres") ?? ProcessInfo.processInfo.environment["RADIO_INGEST_TEST_POSTGRES_URL"]

let logger: Logger = {
    var logger = Logger(label: "bench")
    logger.logLevel = .warning
    return logger
}()
let feed = GeneratedKEXPFeed(count: playCount, distinctSongs: max(500, playCount / 4))
let server = try await FeedServer.start(feed)
print("generated \(playCount) plays (\(feed.validTrackRows.count) valid track plays) on \(server.apiRoot)")

func measure(_ name: String, store: any CatalogStore, statements: () -> Int?) async throws {
    try await store.migrate()
    let adapter = KEXPAdapter(baseURL: server.apiRoot)
    let engine = IngestEngine(logger: logger)
    let before = statements() ?? 0
    let clock = ContinuousClock()
    let start = clock.now
    let summary = await engine.run(adapter, into: store, options: RunOptions(politeDelay: .zero))
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let c = summary.counters
    let perPage = statements().map { Double($0 - before) / Double(max(c.pagesFetched, 1)) }
    print(
        String(
            format: "%@: %@ — %d pages, %d plays stored in %.2f s = %.0f plays/s%@, peak memory %.0f MiB",
            name, summary.status.rawValue, c.pagesFetched, c.provenanceInserted, seconds,
            Double(c.trackPlays) / seconds,
            perPage.map { String(format: ", %.2f SQL statements per page (incl. run bookkeeping)", $0) } ?? "",
            peakMemoryMiB()))
    if let error = summary.error { print("  error: \(error)") }
    await store.close()
}

// Parts of the pipeline on their own, to see where a run's time goes.
do {
    let clock = ContinuousClock()
    let rows = feed.validTrackRows
    var start = clock.now
    var keys = 0
    for row in rows where SongKey.make(title: row.song ?? "", artist: row.artist ?? "") != nil { keys += 1 }
    let keying = clock.now - start
    start = clock.now
    let adapter = KEXPAdapter(baseURL: server.apiRoot)
    let engine = IngestEngine(logger: logger)
    let dry = await engine.run(
        adapter, into: try SQLiteCatalog(path: sqlitePath + ".absent", readOnly: true),
        options: RunOptions(dryRun: true, politeDelay: .zero))
    let fetching = clock.now - start
    func rate(_ n: Int, _ d: Duration) -> String {
        String(format: "%.0f/s", Double(n) / (Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18))
    }
    print(
        "song keys alone: \(keys) in \(keying) = \(rate(keys, keying)); dry run (fetch, parse, plan; no writes): \(dry.counters.trackPlays) track plays in \(fetching) = \(rate(dry.counters.trackPlays, fetching))"
    )
}

try? FileManager.default.removeItem(atPath: sqlitePath)
try await measure("sqlite", store: try SQLiteCatalog(path: sqlitePath), statements: { nil })
for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: sqlitePath + suffix) }
if let postgresURL {
    let store = try PostgresCatalog(url: postgresURL, logger: logger)
    try await measure("postgres", store: store, statements: { store.statementCount })
} else {
    print("postgres: skipped (pass --postgres URL or set RADIO_INGEST_TEST_POSTGRES_URL)")
}
try await server.server.shutdown()
