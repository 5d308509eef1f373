import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import Testing

/// Checkpoints record what is covered, so no interruption leaves a hole.
@Suite struct GapFreeCheckpointTests {
    @Test("an incremental run interrupted mid-walk leaves a gap the next incremental run fills", arguments: StoreKind.available)
    func interruptedIncrementalLeavesNoHole(kind: StoreKind) async throws {
        // Run 1 covers the older half. Run 2 (incremental) dies on its 3rd page, between now and
        // run 1's cursor: a newest-airdate cursor would now skip the hole for ever.
        let faults = FaultSchedule([9: .status(500), 10: .status(500), 11: .status(500), 12: .status(500)])
        try await Harness.scoped(try await Harness.make(kind, plays: 600, faults: faults)) { h in
            let middle = Timestamp.date(microseconds: h.feed.rows[301].airdateMicros)  // not a tied row
            let older = try await h.run(.fast(window: TimeWindow(start: nil, end: middle)), pageSize: 50)
            #expect(older.status == .complete)
            #expect(older.counters.pagesFetched == 6)
            let interrupted = try await h.run(.fast(incremental: true), pageSize: 50)
            #expect(interrupted.status == .failed)
            let checkpoint = try #require(try await h.checkpoint())
            #expect(checkpoint.ledger.spans.count == 2)
            #expect(checkpoint.cursor == Timestamp.format(middle))

            let resumed = try await h.run(.fast(incremental: true), pageSize: 50)
            #expect(resumed.status == .complete)
            #expect(try await h.count("external_plays") == h.feed.validTrackRows.count)
            #expect(try await h.checkpoint()?.ledger.spans.count == 1)
            // The hole's first request asks for plays before the interrupted walk's edge, not from now.
            let last = h.feedServer.server.requests.suffix(resumed.counters.pagesFetched)
            #expect(last.first?.query["airdate_before"] != nil)
        }
    }

    @Test("plays tied on one airdate across a page boundary are not lost on resume", arguments: StoreKind.available)
    func tiesAtAPageBoundarySurvive(kind: StoreKind) async throws {
        // The generated feed ties row 50 with row 49: with 50 plays a page, the tie straddles pages 1 and 2.
        try await Harness.scoped(try await Harness.make(kind, plays: 120)) { h in
            #expect(h.feed.rows[49].airdateMicros == h.feed.rows[50].airdateMicros)
            _ = try await h.run(.fast(pageLimit: 1, incremental: true), pageSize: 50)
            _ = try await h.run(.fast(incremental: true), pageSize: 50)
            #expect(try await h.count("external_plays") == h.feed.validTrackRows.count)
            let tiedID = String(h.feed.rows[50].id)
            if h.feed.rows[50].isTrack {
                #expect(try await h.catalog.scalar("SELECT count(*) FROM external_plays WHERE source_play_id = '\(tiedID)'") == 1)
            }
        }
    }

    @Test("--limit and --page-limit runs record what they covered and report partial", arguments: StoreKind.available)
    func limitedRunsRecordCoverage(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind)) { h in
            let summary = try await h.run(.fast(limit: 30), pageSize: 100)
            #expect(summary.status == .partial)
            let checkpoint = try #require(try await h.checkpoint())
            let stored = try await h.count("external_plays")
            #expect(stored == 30 - summary.counters.skippedInvalid)
            // Coverage reaches down to (but not including) the 30th track play's airdate.
            let thirtieth = h.feed.rows.filter(\.isTrack)[29].airdateMicros
            #expect(checkpoint.ledger.spans.first?.lower == thirtieth + 1)
            let runs = try await h.catalog.open().recentRuns(source: "kexp", limit: 1)
            #expect(runs.first?.status == "partial")
        }
    }

    @Test("a plain run after a limited one continues the backfill below what is covered", arguments: StoreKind.available)
    func backfillContinuesDeeper(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind)) { h in
            let first = try await h.run(.fast(pageLimit: 2), pageSize: 100)
            let second = try await h.run(.fast(pageLimit: 2), pageSize: 100)
            #expect(first.counters.provenanceInserted > 0)
            #expect(second.counters.provenanceInserted > 0)
            #expect(second.counters.duplicatesSkipped <= 2)
            let third = try await h.run(.fast(), pageSize: 100)
            #expect(third.status == .complete)
            #expect(try await h.count("external_plays") == h.feed.validTrackRows.count)
        }
    }
}

@Suite struct CoverageLedgerTests {
    @Test func mergesTouchingSpansAndFindsGaps() {
        var ledger = CoverageLedger()
        ledger.add(.init(lower: 10, upper: 20))
        ledger.add(.init(lower: 30, upper: 40))
        ledger.add(.init(lower: 20, upper: 25))
        #expect(ledger.spans == [.init(lower: 10, upper: 25), .init(lower: 30, upper: 40)])
        let gaps = ledger.gaps(in: TimeWindow(start: Timestamp.date(microseconds: 0), end: Timestamp.date(microseconds: 50)), now: Date())
        #expect(gaps.map { Timestamp.microseconds($0.start!) } == [0, 25, 40])
        #expect(gaps.map { Timestamp.microseconds($0.end!) } == [10, 30, 50])
        #expect(ledger.contiguousCursor.map(Timestamp.microseconds) == 25)
    }

    @Test func checkpointMetadataRoundTrips() throws {
        var checkpoint = Checkpoint(
            source: "kexp", ledger: CoverageLedger(spans: [.init(lower: CoverageLedger.beginning, upper: 1_000_000)]), pagesCommitted: 3,
            lastRunID: 9)
        checkpoint.pendingWalk = TimeWindow(start: nil, end: Timestamp.date(microseconds: 5_000_000))
        let restored = try Checkpoint(source: "kexp", metadataJSON: checkpoint.metadataJSON())
        #expect(restored == checkpoint)
    }

    @Test func unreadableMetadataIsAClearError() {
        #expect(throws: IngestError.self) { try Checkpoint(source: "kexp", metadataJSON: #"{"covered": [["x", "y"]]}"#) }
    }
}
