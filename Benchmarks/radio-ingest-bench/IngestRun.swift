import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import KEXP
import Logging
import PostgresCatalog

/// One ingest of the whole feed into a catalog, through the real engine, adapter and store.
enum IngestRun {
    /// What one run measured: its wall time and its page writes by tenth.
    struct Measured {
        var seconds: Double
        var tenths: Deciles
    }

    @discardableResult
    static func measure(_ kind: StoreKind, catalog: TestCatalog, apiRoot: URL, dryRun: Bool) async throws -> Measured? {
        let store = try catalog.open(readOnly: false)
        let collector = PageTimeCollector()
        let engine = IngestEngine(logger: Logger(label: "bench", factory: { _ in collector }))
        let statementsBefore = (store as? PostgresCatalog)?.statementCount ?? 0
        resetPeakMemory()
        let cpuBefore = cpuSeconds()
        var summary: RunSummary?
        let elapsed = await seconds {
            summary = await engine.run(
                KEXPAdapter(baseURL: apiRoot), into: store, options: RunOptions(dryRun: dryRun, politeDelay: .zero))
        }
        guard let summary else { return nil }
        let c = summary.counters
        let statements = (store as? PostgresCatalog).map { Double($0.statementCount - statementsBefore) / Double(max(c.pagesFetched, 1)) }
        print(
            String(
                format: "%@%@: %@ — %d pages, %d plays %@ in %.2f s = %.0f plays/s%@, peak memory %.0f MiB",
                kind.rawValue, dryRun ? " (dry run)" : "", summary.status.rawValue, c.pagesFetched, c.provenanceInserted,
                dryRun ? "previewed (none stored)" : "stored", elapsed,
                Double(c.trackPlays) / elapsed,
                statements.map { String(format: ", %.2f SQL statements per page (incl. run bookkeeping)", $0) } ?? "",
                peakMemoryMiB()))
        let writes = collector.times.writes.withLock { $0 }
        let fetches = collector.times.fetches.withLock { $0 }
        let tenths = Deciles(writes)
        print("  " + tenths.description)
        if let path = argument("--page-times") {
            let ends = collector.times.ends.withLock { $0 }
            let lines = zip(ends, writes).map { String(format: "%.3f %.3f", $0, $1) }
            try lines.joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
            print("  page times (end of write, seconds since 1970; write ms) in \(path)")
        }
        print(
            String(
                format: "  time in page writes %.1f s, in fetch and parse %.1f s (overlapped with writes); ingester CPU %.1f s",
                writes.reduce(0, +) / 1000, fetches.reduce(0, +) / 1000, cpuSeconds() - cpuBefore))
        if let error = summary.error { print("  error: \(error)") }
        await store.close()
        return Measured(seconds: elapsed, tenths: tenths)
    }
}
