import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import KEXP
import Logging
import Testing

/// Plays a station publishes after they aired (KEXP DJs logging late, Spinitron sets entered
/// after the show), and plays it edits or withdraws later: nothing is lost, nothing rewritten.
@Suite struct LatePlaysTests {
    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    /// Three plays that aired 2.5, 5 and 10 minutes before the feed's newest play.
    static let lateRows = [150.0, 300.0, 600.0].enumerated().map { i, secondsBefore in
        GeneratedKEXPFeed.track(id: 9_000_001 + i, airdate: t0.addingTimeInterval(-secondsBefore), song: "Late \(i)", artist: "Latecomer")
    }

    static func run(_ h: Harness, now: Date, _ options: RunOptions) async throws -> RunSummary {
        let store = try h.catalog.open(readOnly: options.dryRun)
        var engine = h.engine()
        engine.now = { now }
        let summary = await engine.run(h.adapter(), into: store, options: options)
        await store.close()
        return summary
    }

    @Test(arguments: StoreKind.available)
    func playsPublishedBetweenRunsAreStoredByTheNextIncrementalRun(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind, plays: 300)) { h in
            let first = try await Self.run(h, now: Self.t0.addingTimeInterval(60), .fast())
            #expect(first.status == .complete)
            let stored = try await h.count("external_plays")
            h.feedServer.publish(h.feed.with { $0 += Self.lateRows })

            let second = try await Self.run(h, now: Self.t0.addingTimeInterval(600), .fast(incremental: true))
            #expect(second.status == .complete, "\(second.error ?? "")")
            #expect(second.counters.latePlays == 3)
            #expect(second.counters.provenanceInserted == 3)
            #expect(second.counters.duplicatesSkipped > 0, "the re-read finds the plays already stored")
            #expect(second.counters.pagesFetched <= 2, "the re-read is a page or two, not a re-walk")
            #expect(try await h.count("external_plays") == stored + 3)
            #expect(try await h.catalog.scalar("SELECT count(*) FROM external_plays WHERE artist = 'Latecomer'") == 3)
            let runs = try await h.catalog.scalar("SELECT late_plays FROM ingestion_runs ORDER BY id DESC LIMIT 1")
            #expect(runs == 3)
        }
    }

    @Test(arguments: StoreKind.available)
    func withoutALookbackLatePlaysAreMissedAsBefore(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind, plays: 300)) { h in
            _ = try await Self.run(h, now: Self.t0.addingTimeInterval(60), .fast())
            h.feedServer.publish(h.feed.with { $0 += Self.lateRows })
            var options = RunOptions.fast(incremental: true)
            options.lookback = .zero
            let second = try await Self.run(h, now: Self.t0.addingTimeInterval(600), options)
            #expect(second.counters.latePlays == 0)
            #expect(try await h.catalog.scalar("SELECT count(*) FROM external_plays WHERE artist = 'Latecomer'") == 0)
        }
    }

    @Test(arguments: StoreKind.available)
    func aPlayPublishedDuringARunIsStoredByTheNextRun(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind, plays: 600)) { h in
            // Published once the first (newest) page was served: the walk has passed it already.
            h.feedServer.publish(h.feed.with { $0 += Self.lateRows }, afterRequests: 1)
            let first = try await Self.run(h, now: Self.t0.addingTimeInterval(60), .fast())
            #expect(first.status == .complete)
            let missed = 3 - (try await h.catalog.scalar("SELECT count(*) FROM external_plays WHERE artist = 'Latecomer'"))
            #expect(missed > 0)
            let second = try await Self.run(h, now: Self.t0.addingTimeInterval(120), .fast())
            #expect(second.counters.latePlays == missed)
            #expect(try await h.catalog.scalar("SELECT count(*) FROM external_plays WHERE artist = 'Latecomer'") == 3)
        }
    }

    @Test(arguments: StoreKind.available)
    func editsAndWithdrawalsAreCountedAndKeptButNeverRewriteTheStoredRows(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind, plays: 300)) { h in
            _ = try await Self.run(h, now: Self.t0.addingTimeInterval(60), .fast())
            let tracks = h.feed.validTrackRows
            let edited = tracks[1], withdrawn = tracks[2]
            h.feedServer.publish(
                h.feed.with { rows in
                    rows.removeAll { $0.id == withdrawn.id }
                    if let i = rows.firstIndex(where: { $0.id == edited.id }) { rows[i].song = "Corrected Title" }
                })
            let second = try await Self.run(h, now: Self.t0.addingTimeInterval(600), .fast(incremental: true))
            #expect(second.status == .complete, "\(second.error ?? "")")
            #expect(second.counters.editedUpstream == 1)
            #expect(second.counters.withdrawnUpstream == 1)
            #expect(
                try await h.catalog.rows("SELECT title FROM external_plays WHERE source_play_id = '\(edited.id)'") == [[edited.song ?? ""]])
            #expect(try await h.catalog.scalar("SELECT count(*) FROM external_plays WHERE source_play_id = '\(withdrawn.id)'") == 1)
            let revisions = try await h.catalog.rows("SELECT kind, source_play_id, title FROM radio_ingest_play_revisions ORDER BY kind")
            #expect(revisions == [["edited", "\(edited.id)", "Corrected Title"], ["withdrawn", "\(withdrawn.id)", ""]])
            let third = try await Self.run(h, now: Self.t0.addingTimeInterval(660), .fast(incremental: true))
            #expect(third.counters.editedUpstream == 0, "a change is counted once")
            #expect(third.counters.withdrawnUpstream == 0)
        }
    }

    @Test(arguments: StoreKind.available)
    func theCheckpointSaysWhichStretchIsStillSettling(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind, plays: 300)) { h in
            let now = Self.t0.addingTimeInterval(60)
            _ = try await Self.run(h, now: now, .fast())
            let checkpoint = try #require(try await h.checkpoint())
            #expect(checkpoint.lookback == .seconds(1800))
            #expect(checkpoint.settling == TimeWindow(start: now.addingTimeInterval(-1800), end: now))
        }
    }

    @Test func theReReadMergesWithTheGapAboveIt() {
        var checkpoint = Checkpoint(source: "kexp")
        let top = Self.t0
        checkpoint.ledger.add(TimeWindow(start: nil, end: top), now: top)
        let now = top.addingTimeInterval(3600)
        let options = RunOptions(incremental: true)
        #expect(
            options.plannedWindows(checkpoint: checkpoint, now: now, order: .oldestFirst, lookback: .seconds(1800))
                == [TimeWindow(start: top.addingTimeInterval(-1800), end: now)])
        #expect(options.plannedWindows(checkpoint: checkpoint, now: now, order: .oldestFirst) == [TimeWindow(start: top, end: now)])
        let dated = RunOptions(window: TimeWindow(start: top.addingTimeInterval(-86400), end: top))
        #expect(
            dated.plannedWindows(checkpoint: checkpoint, now: now, order: .oldestFirst, lookback: .seconds(1800))
                == [TimeWindow(start: top.addingTimeInterval(-86400), end: top)], "an explicit window is walked as given")
    }
}
