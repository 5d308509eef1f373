import Foundation
import IngestCore
import IngestTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct DaemonTests {
    static func config(feed: URL, every: String = "1s", in directory: URL) throws -> String {
        try ConfigDrivenTests.writeConfig(
            """
            database: { url: "${TEST_DB}" }
            sources:
              kexp:
                adapter: kexp
                base_url: \(feed.absoluteString)
                polite_delay: 0
                schedule: { every: \(every), jitter: 200ms }
            """, in: directory)
    }

    @Test(arguments: StoreKind.available)
    func sigtermMidRunStopsAtAPageBoundaryRecordsTheRunInterruptedAndExitsZero(kind: StoreKind) async throws {
        // The 4th request is held 20 s: however long this test process is starved on a loaded
        // machine, the run is still going when the signal comes.
        let feed = GeneratedKEXPFeed(count: 4_000)
        let server = try await FeedServer.start(
            feed, faults: FaultSchedule([4: .delayed(.seconds(20), .status(503))]), responseDelay: .milliseconds(300))
        let catalog = try await TestCatalog.make(kind)
        defer { catalog.remove() }
        let directory = try CLI.temporaryDirectory()
        let config = try Self.config(feed: server.apiRoot, every: "1h", in: directory)
        let (process, out, err) = try CLI.start(["daemon", "--config", config], environment: ["TEST_DB": catalog.url])
        for _ in 0..<4000 where server.server.requests.count < 4 { try await Task.sleep(for: .milliseconds(5)) }
        let stored = try await catalog.scalar("SELECT count(*) FROM external_plays")
        // The server has the 4th page's request and holds its answer: a fetch is in flight, and
        // is abandoned (a page being written would be committed whole).
        kill(process.processIdentifier, SIGTERM)
        await CLI.waitForExit(process)
        _ = out
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(log.suffix(1500))")
        #expect(try await catalog.rows("SELECT status FROM ingestion_runs") == [["interrupted"]])
        let rows = try await catalog.scalar("SELECT count(*) FROM external_plays")
        #expect(rows >= stored, "nothing committed is lost")
        #expect(rows < feed.validTrackRows.count)
        // The checkpoint matches what is stored: an incremental run completes the rest exactly.
        let rerun = try await CLI.run(["run", "--config", config, "--json"], environment: ["TEST_DB": catalog.url])
        try await server.server.shutdown()
        #expect(rerun.status == 0, "\(rerun.stdout) \(rerun.stderr.suffix(1500))")
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == feed.validTrackRows.count)
        #expect(try await catalog.scalar("SELECT count(*) FROM ingestion_leases") == 0)
    }

    @Test(.enabled(if: StoreKind.available.contains(.postgres), "needs PostgreSQL"))
    func twoDaemonsOnOneDatabaseNeverOverlapASourceNorDuplicateAPlay() async throws {
        let feed = GeneratedKEXPFeed(count: 1_500)
        let server = try await FeedServer.start(feed, responseDelay: .milliseconds(40))
        let catalog = try await TestCatalog.make(.postgres)
        let directory = try CLI.temporaryDirectory()
        let config = try Self.config(feed: server.apiRoot, every: "1s", in: directory)
        let daemons = try (0..<2).map { _ in try CLI.start(["daemon", "--config", config], environment: ["TEST_DB": catalog.url]) }
        // Let them race through a first backfill and a few incremental rounds.
        var runs = 0
        for _ in 0..<400 where runs < 6 {
            try await Task.sleep(for: .milliseconds(50))
            runs = (try? await catalog.scalar("SELECT count(*) FROM ingestion_runs WHERE finished_at IS NOT NULL")) ?? 0
        }
        var logs = ""
        for (process, _, err) in daemons {
            kill(process.processIdentifier, SIGTERM)
            await CLI.waitForExit(process)
            #expect(process.terminationStatus == 0)
            logs += String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        try await server.server.shutdown()
        #expect(runs >= 2)
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == feed.validTrackRows.count)
        // No two runs of the source overlap in time.
        let overlapping = try await catalog.scalar(
            """
            SELECT count(*) FROM ingestion_runs a JOIN ingestion_runs b ON a.id < b.id AND a.source = b.source
            WHERE a.started_at < coalesce(b.finished_at, now()) AND b.started_at < coalesce(a.finished_at, now())
            """)
        #expect(overlapping == 0)
        #expect(logs.contains("being ingested elsewhere") && logs.contains("lease_holder="))
    }

    @Test func aFailingSourceNeverStopsTheOthers() async throws {
        let good = try await FeedServer.start(GeneratedKEXPFeed(count: 300))
        let broken = try await FakeStationServer.start { _ in .status(404) }
        let catalog = try await TestCatalog.make(.sqlite)
        defer { catalog.remove() }
        let directory = try CLI.temporaryDirectory()
        let config = try ConfigDrivenTests.writeConfig(
            """
            database: { url: "${TEST_DB}" }
            sources:
              broken: { adapter: kexp, base_url: "\(broken.baseURL.absoluteString)/v2", polite_delay: 0, schedule: { every: 1s } }
              good: { adapter: kexp, base_url: "\(good.apiRoot.absoluteString)", polite_delay: 0, schedule: { every: 1s } }
            """, in: directory)
        let (process, _, err) = try CLI.start(["daemon", "--config", config], environment: ["TEST_DB": catalog.url])
        var goodRuns = 0
        for _ in 0..<400 where goodRuns < 3 {
            try await Task.sleep(for: .milliseconds(25))
            goodRuns = (try? await catalog.scalar("SELECT count(*) FROM ingestion_runs WHERE source = 'good' AND status = 'complete'")) ?? 0
        }
        let log = await CLI.terminate(process, stderr: err)
        try await good.server.shutdown()
        try await broken.shutdown()
        #expect(process.terminationStatus == 0)
        #expect(goodRuns >= 3, "the healthy source kept its schedule")
        #expect(try await catalog.scalar("SELECT count(*) FROM ingestion_runs WHERE source = 'broken' AND status = 'failed'") >= 1)
        // After its failure the broken source waits twice its interval (2 s instead of 1 s).
        #expect(log.contains("next_in=\"2.0 seconds\""), "\(log.suffix(1500))")
    }

    @Test(arguments: StoreKind.available)
    func aCrashedHolderDoesNotBlockTheSourceForEver(kind: StoreKind) async throws {
        let catalog = try await TestCatalog.make(kind)
        defer { catalog.remove() }
        let store = try catalog.open()
        try await store.migrate()
        #expect(try await store.acquireLease(source: "kexp", holder: "live:1", ttl: .seconds(600), replacing: nil) == .acquired)
        guard
            case .heldBy(let holder, _) = try await store.acquireLease(source: "kexp", holder: "other:2", ttl: .seconds(60), replacing: nil)
        else {
            Issue.record("a live lease must block")
            return
        }
        #expect(holder == "live:1")
        #expect(try await store.renewLease(source: "kexp", holder: "live:1", ttl: .seconds(600)))
        // A holder that stopped renewing: its lease lapses and the source is free again.
        #expect(try await store.acquireLease(source: "kcrw", holder: "crashed:3", ttl: .milliseconds(1), replacing: nil) == .acquired)
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await store.acquireLease(source: "kcrw", holder: "other:2", ttl: .seconds(60), replacing: nil) == .acquired)
        #expect(try await store.renewLease(source: "kcrw", holder: "crashed:3", ttl: .seconds(60)) == false)
        // A holder known to be dead is replaced at once, however long its lease had left.
        #expect(try await store.acquireLease(source: "kexp", holder: "third:3", ttl: .seconds(60), replacing: "live:1") == .acquired)
        await store.close()
    }
}
