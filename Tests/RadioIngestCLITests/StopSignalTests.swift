import Foundation
import GRDB
import IngestCore
import IngestTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Every command stops on SIGINT and SIGTERM the way the daemon does: the page in flight is
/// committed or rolled back whole, the run is recorded `interrupted` with its counters, the
/// summary is printed, and the exit code says which signal (130 SIGINT, 143 SIGTERM).
@Suite struct StopSignalTests {
    @Test(arguments: StoreKind.available)
    func ctrlCMidRunRecordsTheRunInterruptedPrintsTheSummaryAndExits130(kind: StoreKind) async throws {
        // The 4th request is held 20 s: however long this test process is starved on a loaded
        // machine (it was, once, for the whole 8 s run), the run is still going when the signal
        // comes.
        let server = try await FeedServer.start(
            GeneratedKEXPFeed(count: 4_000), faults: FaultSchedule([4: .delayed(.seconds(20), .status(503))]),
            responseDelay: .milliseconds(400))
        let catalog = try await TestCatalog.make(kind)
        defer { catalog.remove() }
        let (process, out, err) = try CLI.start([
            "kexp", "--database-url", catalog.url, "--base-url", server.apiRoot.absoluteString, "--polite-delay", "0", "--json",
        ])
        for _ in 0..<4000 where server.server.requests.count < 4 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(process.isRunning)
        kill(process.processIdentifier, SIGINT)
        await CLI.waitForExit(process)
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try await server.server.shutdown()
        #expect(process.terminationStatus == 130, "\(stderr.suffix(800))")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any], "\(stdout)")
        #expect(summary["status"] as? String == "interrupted")
        let pages = try #require(summary["pages_fetched"] as? Int)
        #expect(pages >= 2)
        let run = try await catalog.rows("SELECT status, CAST(pages_fetched AS text) FROM ingestion_runs")
        #expect(run == [["interrupted", "\(pages)"]])
        // Nothing half-written: every stored play is complete with its song.
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == summary["provenance_inserted"] as? Int)
    }

    @Test func sigtermDuringARetryWaitStopsAtOnceInsteadOfRetrying() async throws {
        // The API keeps failing: without the stop, the run would wait 1 s, 2 s and 4 s, then
        // fail. The signal goes once the first request is in; a loaded machine may wake this
        // test only after the retries ran out, so the scenario is tried up to three times.
        var attempt = try await signalDuringRetries()
        for _ in 0..<2 where attempt.requestsAtSignal >= 4 { attempt = try await signalDuringRetries() }
        #expect(attempt.requestsAtSignal < 4, "the signal went before the retries ran out")
        #expect(attempt.exitCode == 143)
        #expect(attempt.status == "interrupted", "\(attempt.stdout)")
        // A request already on its way when the signal came may still arrive; no retry follows.
        #expect(attempt.requests <= attempt.requestsAtSignal + 1, "the retries were abandoned, not run out")
    }

    /// Runs `kexp` against an API that answers 503, sends SIGTERM once a request arrived, and
    /// returns what the server and the command saw.
    private func signalDuringRetries() async throws -> (
        requestsAtSignal: Int, requests: Int, exitCode: Int32, status: String?, stdout: String
    ) {
        let server = try await FakeStationServer.start { _ in .status(503) }
        let catalog = try await TestCatalog.make(.sqlite)
        defer { catalog.remove() }
        let (process, out, _) = try CLI.start([
            "kexp", "--database-url", catalog.url, "--base-url", server.baseURL.appendingPathComponent("v2").absoluteString, "--json",
        ])
        for _ in 0..<2000 where server.requests.count < 1 { try await Task.sleep(for: .milliseconds(5)) }
        let requestsAtSignal = server.requests.count
        kill(process.processIdentifier, SIGTERM)
        await CLI.waitForExit(process)
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let requests = server.requests.count
        try await server.shutdown()
        let summary = try? JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any]
        return (requestsAtSignal, requests, process.terminationStatus, summary?["status"] as? String, stdout)
    }

    @Test func theDaemonStopsWhileRetryingARefusedConnection() async throws {
        // A port nothing listens on: every attempt is refused and retried with back-off (1, 2
        // and 4 s). A loaded machine may notice the run only once its retries ran out, so the
        // scenario is tried up to three times; it must stop inside the retries at least once.
        var statuses: [String] = []
        for _ in 0..<3 where statuses.last != "interrupted" {
            statuses.append(try await Self.stopADaemonRetryingARefusedConnection())
        }
        #expect(statuses.last == "interrupted", "\(statuses)")
    }

    /// Starts a daemon whose source refuses connections, stops it once its run began, and
    /// returns the run's status.
    static func stopADaemonRetryingARefusedConnection() async throws -> String {
        let closed = try await FakeStationServer.start { _ in .status(200) }
        let port = closed.baseURL.port ?? 1
        try await closed.shutdown()
        let catalog = try await TestCatalog.make(.sqlite)
        defer { catalog.remove() }
        let directory = try CLI.temporaryDirectory()
        let config = try ConfigDrivenTests.writeConfig(
            """
            database: { url: "${TEST_DB}" }
            sources:
              kexp: { adapter: kexp, base_url: "http://127.0.0.1:\(port)/v2", polite_delay: 0, schedule: { every: 1h } }
            """, in: directory)
        let (process, _, err) = try CLI.start(["daemon", "--config", config], environment: ["TEST_DB": catalog.url])
        var started = 0
        for _ in 0..<400 where started == 0 {
            try await Task.sleep(for: .milliseconds(25))
            started = (try? await catalog.scalar("SELECT count(*) FROM ingestion_runs")) ?? 0
        }
        _ = await CLI.terminate(process, stderr: err)
        #expect(process.terminationStatus == 0)
        return try await catalog.rows("SELECT status FROM ingestion_runs").first?.first ?? "none"
    }
}

/// A second Ctrl-C does not wait for the graceful stop.
@Suite struct SecondSignalTests {
    @Test func aSecondCtrlCExitsAtOnceWhileTheFirstWaitsForThePageInFlight() async throws {
        // 40 pages of 300 ms: the run is far from done when the other writer takes the file.
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 8_000), responseDelay: .milliseconds(300))
        let directory = try CLI.temporaryDirectory()
        let path = directory.appendingPathComponent("c.sqlite").path
        let (process, _, _) = try CLI.start([
            "kexp", "--database-url", "sqlite:\(path)", "--base-url", server.apiRoot.absoluteString, "--polite-delay", "0",
        ])
        for _ in 0..<2000 where server.server.requests.count < 2 { try await Task.sleep(for: .milliseconds(5)) }
        // Another writer holds the file: the next page's commit waits for it (up to 30 s).
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        configuration.busyMode = .timeout(10)
        let blocker = try DatabaseQueue(path: path, configuration: configuration)
        try await blocker.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }
        let requests = server.server.requests.count
        for _ in 0..<2000 where server.server.requests.count == requests { try await Task.sleep(for: .milliseconds(5)) }
        try await Task.sleep(for: .milliseconds(300))  // its page has arrived; the commit is waiting
        kill(process.processIdentifier, SIGINT)
        try await Task.sleep(for: .milliseconds(300))
        let stillStopping = process.isRunning
        kill(process.processIdentifier, SIGINT)
        var exited = false
        for _ in 0..<100 where !exited {
            try await Task.sleep(for: .milliseconds(50))
            exited = !process.isRunning
        }
        try await blocker.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") }
        try blocker.close()
        await CLI.waitForExit(process)
        try await server.server.shutdown()
        #expect(stillStopping, "the first Ctrl-C waits for the page in flight")
        #expect(exited, "the second Ctrl-C exits while the page still waits for the lock")
        #expect(process.terminationStatus == 130)
    }
}
