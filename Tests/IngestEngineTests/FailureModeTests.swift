import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import KEXP
import Testing

/// The spec's failure modes, injected by the fake server on 127.0.0.1.
@Suite struct FailureModeTests {
    @Test func rateLimitWaitsRetryAfterThenContinues() async throws {
        try await Harness.scoped(try await Harness.make(.sqlite, faults: FaultSchedule([2: .status(429, headers: ["Retry-After": "7"])]))) {
            h in
            let summary = try await h.run(pageSize: 100)
            #expect(summary.status == .complete)
            #expect(h.sleeps.recorded == [.seconds(7)])
            #expect(try await h.count("external_plays") == h.feed.validTrackRows.count)
        }
    }

    @Test func rateLimitWithoutRetryAfterBacksOffExponentially() async throws {
        let faults = FaultSchedule([2: .status(429), 3: .status(429), 4: .status(429)])
        try await Harness.scoped(try await Harness.make(.sqlite, faults: faults)) { h in
            let summary = try await h.run(pageSize: 100)
            #expect(summary.status == .complete)
            #expect(h.sleeps.recorded == [.seconds(1), .seconds(2), .seconds(4)])
        }
    }

    @Test func serverErrorsAreRetriedThreeTimesThenTheRunAbortsWithTheCheckpointIntact() async throws {
        let faults = FaultSchedule([2: .status(500), 3: .status(502), 4: .status(503), 5: .status(500)])
        try await Harness.scoped(try await Harness.make(.sqlite, faults: faults)) { h in
            let summary = try await h.run(pageSize: 100)
            #expect(summary.status == .failed)
            #expect(summary.error?.contains("after 4 attempts") == true)
            #expect(summary.error?.contains("HTTP 500") == true)
            #expect(summary.counters.pagesFetched == 1)
            #expect(try await h.count("external_plays") == summary.counters.provenanceInserted)
            #expect(try await h.checkpoint()?.pagesCommitted == 1)
            let runs = try await h.catalog.open().recentRuns(source: "kexp", limit: 1)
            #expect(runs.first?.status == "failed")
            #expect(runs.first?.error == summary.error)
        }
    }

    @Test(arguments: [
        ("dropped connection", FakeResponse.dropConnection),
        ("truncated body", FakeResponse.truncated(Data(repeating: UInt8(ascii: " "), count: 4000))),
    ])
    func networkFaultsAreRetried(name: String, fault: FakeResponse) async throws {
        try await Harness.scoped(try await Harness.make(.sqlite, faults: FaultSchedule([2: fault]))) { h in
            let summary = try await h.run(pageSize: 100)
            #expect(summary.status == .complete, "\(name): \(summary.error ?? "")")
            #expect(h.sleeps.recorded == [.seconds(1)])
            #expect(try await h.count("external_plays") == h.feed.validTrackRows.count)
        }
    }

    @Test func aResponseSlowerThanTheDeadlineIsRetried() async throws {
        // The deadline is short so the test stays quick; an ordinary page can also miss it on a
        // loaded machine, so only the first wait is asserted.
        try await Harness.scoped(try await Harness.make(.sqlite, faults: FaultSchedule([2: .delayed(.seconds(30), .status(200))]))) { h in
            let summary = try await h.run(pageSize: 100, timeout: .seconds(2))
            #expect(summary.status == .complete, "\(summary.error ?? "")")
            #expect(h.sleeps.recorded.first == .seconds(1))
            #expect(try await h.count("external_plays") == h.feed.validTrackRows.count)
        }
    }

    @Test func aBodyThatDoesNotParseAbortsWithAClearErrorAndKeepsEarlierPages() async throws {
        try await Harness.scoped(try await Harness.make(.sqlite, faults: FaultSchedule([2: .json(Data("<html>maintenance</html>".utf8))])))
        { h in
            let summary = try await h.run(pageSize: 100)
            #expect(summary.status == .failed)
            #expect(summary.error?.contains("not a plays page") == true)
            #expect(try await h.count("external_plays") > 0)
            #expect(try await h.checkpoint()?.pagesCommitted == 1)
        }
    }

    @Test func aRejectedRequestIsNotRetried() async throws {
        try await Harness.scoped(try await Harness.make(.sqlite, faults: FaultSchedule([1: .status(404)]))) { h in
            let summary = try await h.run()
            #expect(summary.status == .failed)
            #expect(summary.error?.contains("HTTP 404") == true)
            #expect(h.sleeps.recorded.isEmpty)
        }
    }

    @Test func anEmptyFirstPageIsTheEndOfDataSavesTheCheckpointAndClaimsNoHistory() async throws {
        let empty = Data(#"{"next": null, "previous": null, "results": []}"#.utf8)
        try await Harness.scoped(try await Harness.make(.sqlite, faults: FaultSchedule([1: .json(empty)]))) { h in
            let summary = try await h.run()
            #expect(summary.status == .complete)
            let checkpoint = try #require(try await h.checkpoint())
            #expect(checkpoint.pagesCommitted == 1)
            // An empty page proves nothing about older time: the next run walks the history.
            #expect(checkpoint.ledger.isEmpty)
            let next = try await h.run()
            #expect(next.counters.provenanceInserted == h.feed.validTrackRows.count)
        }
    }

    @Test func aHostThatDoesNotResolveFailsAtOnceNamingTheHost() async throws {
        // `.invalid` never resolves (RFC 6761): the lookup fails, nothing is sent anywhere.
        let catalog = try await TestCatalog.make(.sqlite)
        defer { catalog.remove() }
        let sleeps = SleepRecorder()
        let fetcher = PageFetcher(timeout: .seconds(10)) { sleeps.record($0) }
        let adapter = KEXPAdapter(baseURL: URL(string: "http://radio-ingest-test.invalid/v2")!)
        let summary = await IngestEngine(fetcher: fetcher).run(
            adapter, into: try catalog.open(readOnly: true), options: .fast(dryRun: true))
        #expect(summary.status == .failed)
        #expect(summary.error?.contains("cannot resolve the host radio-ingest-test.invalid") == true, "\(summary.error ?? "")")
        #expect(sleeps.recorded.isEmpty, "a name that does not resolve is not retried")
    }

    // Port 1 is privileged and nothing serves it here, as the CLI tests assume too. An IP
    // address fails with the socket's own error; a host name through NIO's happy eyeballs,
    // which wraps it.
    @Test(arguments: ["127.0.0.1", "localhost"])
    func aRefusedConnectionIsRetriedThenNamedInTheOperatorsWords(host: String) async throws {
        let url = URL(string: "http://\(host):1/v2")!
        let catalog = try await TestCatalog.make(.sqlite)
        defer { catalog.remove() }
        let sleeps = SleepRecorder()
        let fetcher = PageFetcher(timeout: .seconds(10)) { sleeps.record($0) }
        let summary = await IngestEngine(fetcher: fetcher).run(
            KEXPAdapter(baseURL: url), into: try catalog.open(readOnly: true), options: .fast(dryRun: true))
        #expect(summary.status == .failed)
        #expect(summary.error?.contains("connection refused: nothing listens there") == true, "\(summary.error ?? "")")
        #expect(summary.error?.contains("errno") == false, "\(summary.error ?? "")")
        #expect(sleeps.recorded.count == 3, "a refused connection may be a server restarting: retried")
    }

    @Test(arguments: StoreKind.available)
    func aNextLinkThatRepeatsAFetchedPageStopsTheWalkInsteadOfLooping(kind: StoreKind) async throws {
        let server = try await FakeStationServer.start { request in
            let next =
                "http://127.0.0.1:\(request.headers["host"]?.split(separator: ":").last ?? "80")/v2/plays/?limit=200&offset=0&ordering=-airdate"
            return .json(
                Data(
                    #"{"next": "\#(next)", "results": [{"id": 1, "airdate": "2024-01-01T00:00:00Z", "play_type": "trackplay", "song": "A", "artist": "B"}]}"#
                        .utf8))
        }
        let catalog = try await TestCatalog.make(kind)
        defer { catalog.remove() }
        let store = try catalog.open()
        let adapter = KEXPAdapter(baseURL: server.baseURL.appendingPathComponent("v2"))
        let summary = await IngestEngine(fetcher: PageFetcher(timeout: .seconds(10)) { _ in }).run(adapter, into: store, options: .fast())
        await store.close()
        try await server.shutdown()
        #expect(summary.status == .failed)
        #expect(summary.error?.contains("already fetched in this walk") == true, "\(summary.error ?? "")")
        #expect(summary.counters.pagesFetched <= 2)
    }

    @Test("a database error on one play is logged and counted while the rest of the page lands", arguments: StoreKind.available)
    func databaseErrorOnOnePlay(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind)) { h in
            try await h.catalog.open().migrate()
            let poisoned = try #require(h.feed.validTrackRows.first).id
            switch kind {
            case .sqlite:
                try await h.catalog.execute(
                    """
                    CREATE TRIGGER poison BEFORE INSERT ON external_plays WHEN NEW.source_play_id = '\(poisoned)'
                    BEGIN SELECT RAISE(ABORT, 'poisoned play'); END
                    """)
            case .postgres:
                try await h.catalog.execute(
                    """
                    CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN
                      IF NEW.source_play_id = '\(poisoned)' THEN RAISE EXCEPTION 'poisoned play'; END IF; RETURN NEW;
                    END $$ LANGUAGE plpgsql
                    """)
                try await h.catalog.execute("CREATE TRIGGER poison BEFORE INSERT ON external_plays FOR EACH ROW EXECUTE FUNCTION poison()")
            }
            let summary = try await h.run()
            #expect(summary.status == .complete)
            #expect(summary.counters.errors == 1)
            #expect(try await h.count("external_plays") == h.feed.validTrackRows.count - 1)
            #expect(h.logs.messages.contains { $0.contains("play not stored") && $0.contains("poisoned play") })
        }
    }

    @Test func playsOutOfTheDeclaredOrderAreReported() async throws {
        let body = Data(
            """
            {"next": null, "results": [
              {"id": 1, "airdate": "2023-11-14T10:00:00-08:00", "play_type": "trackplay", "song": "Older", "artist": "A"},
              {"id": 2, "airdate": "2023-11-14T10:05:00-08:00", "play_type": "trackplay", "song": "Newer", "artist": "A"}
            ]}
            """.utf8)
        try await Harness.scoped(try await Harness.make(.sqlite, faults: FaultSchedule([1: .json(body)]))) { h in
            _ = try await h.run()
            #expect(h.logs.messages.contains { $0.contains("out of its declared order") })
        }
    }

    @Test func theGeneratedFeedIsStrictlyNewestFirst() {
        let rows = GeneratedKEXPFeed(count: 2_000).rows
        #expect(zip(rows, rows.dropFirst()).allSatisfy { $0.airdateMicros >= $1.airdateMicros })
    }

    @Test func badRecordsNeverPoisonTheirPage() async throws {
        let body = Data(
            """
            {"next": null, "results": [
              {"id": 1, "airdate": "2023-11-14T10:00:00-08:00", "play_type": "trackplay", "song": "Fine", "artist": "A"},
              {"id": 2, "airdate": "2023-11-14T09:59:00-08:00", "play_type": "trackplay", "song": "Nul\\u0000Byte", "artist": "A"},
              {"id": 3, "airdate": "2023-11-14T09:58:00-08:00", "play_type": "trackplay", "song": "\(String(repeating: "x", count: 5000))", "artist": "A"},
              {"id": 4, "airdate": "2023-11-14T09:57:00-08:00", "play_type": "trackplay", "song": ["wrong", "type"], "artist": "A"},
              {"id": 5, "airdate": "not a date", "play_type": "trackplay", "song": "S", "artist": "A"},
              {"id": 6, "airdate": "2023-11-14T09:56:00-08:00", "play_type": "trackplay", "song": "Also Fine", "artist": "B"}
            ]}
            """.utf8)
        try await Harness.scoped(try await Harness.make(.sqlite, faults: FaultSchedule([1: .json(body)]))) { h in
            let summary = try await h.run()
            #expect(summary.counters.trackPlays == 6)
            #expect(summary.counters.skippedInvalid == 4)
            #expect(summary.counters.provenanceInserted == 2)
            #expect(summary.counters.errors == 0)
        }
    }
}
