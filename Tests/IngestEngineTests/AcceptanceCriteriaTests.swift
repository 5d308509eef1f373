import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import Testing

/// The spec's twelve acceptance criteria, each against every available real store.
@Suite struct AcceptanceCriteriaTests {
    @Test("1. --dry-run fetches and logs without any DB writes", arguments: StoreKind.available)
    func dryRunWritesNothing(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind)) { h in
            if kind == .postgres { try await h.catalog.open().migrate() }
            let summary = try await h.run(.fast(dryRun: true, limit: 100))
            #expect(summary.status == .partial)
            #expect(summary.counters.trackPlays == 100)
            #expect(summary.counters.newSongs > 0)
            #expect(summary.runID == nil)
            if kind == .sqlite {
                #expect(!FileManager.default.fileExists(atPath: String(h.catalog.url.dropFirst("sqlite:".count))))
            } else {
                #expect(try await h.count("external_plays") == 0)
                #expect(try await h.count("songs") == 0)
                #expect(try await h.count("ingestion_checkpoints") == 0)
                #expect(try await h.count("ingestion_runs") == 0)
            }
            #expect(h.logs.messages.contains { $0.contains("page done") })
        }
    }

    @Test("2. --limit=100 stops after 100 track plays processed", arguments: StoreKind.available)
    func limitStopsAfterNTrackPlays(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind)) { h in
            let summary = try await h.run(.fast(limit: 100))
            #expect(summary.counters.trackPlays == 100)
            #expect(summary.status == .partial)
            #expect(try await h.count("external_plays") == 100 - summary.counters.skippedInvalid)
        }
    }

    @Test("3. re-running the same date range creates no duplicate rows", arguments: StoreKind.available)
    func rerunningADateRangeCreatesNoDuplicates(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind)) { h in
            let newest = Timestamp.date(microseconds: h.feed.rows[0].airdateMicros)
            let window = TimeWindow(start: newest.addingTimeInterval(-6 * 3600), end: newest.addingTimeInterval(1))
            let first = try await h.run(.fast(window: window))
            let rows = try await h.count("external_plays")
            let second = try await h.run(.fast(window: window))
            #expect(first.status == .complete && second.status == .complete)
            #expect(first.counters.provenanceInserted == rows)
            #expect(rows > 50)
            #expect(second.counters.provenanceInserted == 0)
            #expect(second.counters.duplicatesSkipped == rows)
            #expect(try await h.count("external_plays") == rows)
        }
    }

    @Test("4. plays with empty song or artist are counted as skipped, not errored", arguments: StoreKind.available)
    func emptySongOrArtistIsSkipped(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind)) { h in
            let summary = try await h.run()
            let tracks = h.feed.rows.filter(\.isTrack).count
            #expect(summary.counters.trackPlays == tracks)
            #expect(summary.counters.skippedInvalid == tracks - h.feed.validTrackRows.count)
            #expect(summary.counters.skippedInvalid > 0)
            #expect(summary.counters.errors == 0)
        }
    }

    @Test("5. songs matched by MBID are linked in external_plays.song_id", arguments: StoreKind.available)
    func mbidMatchesLink(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind)) { h in
            try await h.catalog.open().migrate()
            let mbid = try #require(h.feed.validTrackRows.first { $0.recordingID != nil }?.recordingID)
            try await h.catalog.execute(
                "INSERT INTO songs (id, title, artist, mbid) VALUES ('existing-mbid', 'Another Title', 'Another Artist', '\(mbid)')")
            let summary = try await h.run()
            let linked = try await h.catalog.scalar(
                "SELECT count(*) FROM external_plays WHERE mbid = '\(mbid)' AND song_id = 'existing-mbid'")
            let all = try await h.catalog.scalar("SELECT count(*) FROM external_plays WHERE mbid = '\(mbid)'")
            #expect(linked == all && all > 0)
            #expect(summary.counters.songsMatched >= all)
        }
    }

    @Test("6. songs matched by normalized title+artist are linked", arguments: StoreKind.available)
    func keyMatchesLink(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind)) { h in
            try await h.catalog.open().migrate()
            let row = try #require(h.feed.validTrackRows.first { $0.recordingID == nil })
            // Inserted by another application: no key, different case and punctuation.
            try await h.catalog.execute(
                "INSERT INTO songs (id, title, artist) VALUES ('existing-key', '\(row.song!.uppercased())!', '  \(row.artist!.lowercased())')"
            )
            _ = try await h.run()
            let linked = try await h.catalog.scalar(
                "SELECT count(*) FROM external_plays WHERE title = '\(row.song!)' AND artist = '\(row.artist!)' AND song_id = 'existing-key'"
            )
            let all = try await h.catalog.scalar(
                "SELECT count(*) FROM external_plays WHERE title = '\(row.song!)' AND artist = '\(row.artist!)'")
            #expect(linked == all && all > 0)
        }
    }

    @Test("7. new songs never overwrite existing song fields with null", arguments: StoreKind.available)
    func existingFieldsSurvive(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind)) { h in
            try await h.catalog.open().migrate()
            let row = try #require(h.feed.validTrackRows.first { $0.album == nil && $0.recordingID == nil })
            try await h.catalog.execute(
                "INSERT INTO songs (id, title, artist, album, year, isrc, source) VALUES ('keep', '\(row.song!)', '\(row.artist!)', 'Kept Album', 1999, 'USXXX0000001', 'other-app')"
            )
            _ = try await h.run()
            let kept = try await h.catalog.rows("SELECT album, CAST(year AS text), isrc, source FROM songs WHERE id = 'keep'")
            #expect(kept == [["Kept Album", "1999", "USXXX0000001", "other-app"]])
        }
    }

    @Test("8. the checkpoint is saved after each API page", arguments: StoreKind.available)
    func checkpointAfterEachPage(kind: StoreKind) async throws {
        // Page 3 fails for good (500 four times): pages 1 and 2 must be committed with their checkpoint.
        let faults = FaultSchedule([3: .status(500), 4: .status(500), 5: .status(500), 6: .status(500)])
        try await Harness.scoped(try await Harness.make(kind, plays: 600, faults: faults)) { h in
            let summary = try await h.run(pageSize: 100)
            #expect(summary.status == .failed)
            #expect(summary.error?.contains("giving up") == true)
            let checkpoint = try #require(try await h.checkpoint())
            #expect(checkpoint.pagesCommitted == 2)
            let oldestStored = h.feed.rows.prefix(200).filter(\.isTrack).map(\.airdateMicros).min()!
            #expect(checkpoint.ledger.spans.first?.lower == oldestStored + 1)
            #expect(try await h.count("external_plays") == summary.counters.provenanceInserted)
        }
    }

    @Test("9. --incremental resumes from the stored checkpoint", arguments: StoreKind.available)
    func incrementalResumes(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind)) { h in
            let first = try await h.run(.fast(pageLimit: 1, incremental: true), pageSize: 100)
            #expect(first.status == .partial)
            #expect(try await h.checkpoint()?.pendingWalk != nil)
            let second = try await h.run(.fast(incremental: true), pageSize: 100)
            #expect(second.status == .complete)
            #expect(try await h.count("external_plays") == h.feed.validTrackRows.count)
            // The resumed walk starts where the first stopped, not from the top.
            let resumedFrom = h.feedServer.server.requests.dropFirst(1).first { $0.query["offset"] == nil }
            #expect(resumedFrom?.query["airdate_before"] != nil)
            #expect(second.counters.duplicatesSkipped <= 2)
            #expect(try await h.checkpoint()?.pendingWalk == nil)
        }
    }

    @Test("10. the summary carries all eight counters plus pages fetched", arguments: StoreKind.available)
    func summaryHasAllCounters(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind)) { h in
            let summary = try await h.run()
            let object = try #require(try JSONSerialization.jsonObject(with: Data(summary.json().utf8)) as? [String: Any])
            for key in [
                "pages_fetched", "plays_seen", "track_plays", "provenance_inserted", "songs_matched", "new_songs",
                "skipped_invalid", "duplicates_skipped", "errors", "status",
            ] {
                #expect(object[key] != nil, "missing \(key)")
            }
            #expect(object["plays_seen"] as? Int == h.feed.rows.count)
            #expect(object["status"] as? String == "complete")
            let runs = try await h.catalog.open().recentRuns(source: "kexp", limit: 5)
            #expect(runs.first?.counters == summary.counters)
            #expect(runs.first?.status == "complete")
            #expect(h.logs.messages.contains { $0.contains("run finished") && $0.contains("ingest.duplicates_skipped=") })
        }
    }

    @Test("the counters add up, and a dry run counts what the real run then does", arguments: StoreKind.available)
    func countersAddUpAndADryRunForetellsTheRun(kind: StoreKind) async throws {
        // 120 songs over 600 plays: a page plays some songs twice, the second play linked to the
        // song the first one creates (counted as matched, as /metrics counts it).
        try await Harness.scoped(try await Harness.make(kind)) { h in
            if kind == .postgres { try await h.catalog.open().migrate() }
            let preview = try await h.run(.fast(dryRun: true))
            let real = try await h.run(.fast())
            for counters in [preview.counters, real.counters] {
                #expect(counters.provenanceInserted == counters.songsMatched + counters.newSongs, "\(counters)")
            }
            #expect(preview.counters == real.counters)
            #expect(real.counters.newSongs == (try await h.count("songs")))
            #expect(real.counters.provenanceInserted == (try await h.count("external_plays")))
        }
    }

    @Test("11. new songs without embeddings are logged for follow-up backfill", arguments: StoreKind.available)
    func newSongsAreQueuedForEmbedding(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind)) { h in
            let summary = try await h.run()
            #expect(summary.counters.newSongs > 0)
            #expect(summary.songsAwaitingEmbedding == summary.counters.newSongs)
            let pending = try await h.catalog.open().songsAwaitingEmbedding(limit: 10_000)
            #expect(pending.count == summary.counters.newSongs)
            #expect(
                h.logs.messages.contains {
                    $0.contains("await an embedding") && $0.contains("ingest.new_songs=\(summary.counters.newSongs)")
                })
        }
    }

    @Test("12. paging follows the API's next URL", arguments: StoreKind.available)
    func pagingFollowsNext(kind: StoreKind) async throws {
        try await Harness.scoped(try await Harness.make(kind)) { h in
            let summary = try await h.run(pageSize: 50)
            #expect(summary.counters.pagesFetched == 12)
            let offsets = h.feedServer.server.requests.compactMap { $0.query["offset"] }
            #expect(offsets == stride(from: 50, to: 600, by: 50).map(String.init))
            #expect(try await h.count("external_plays") == h.feed.validTrackRows.count)
        }
    }
}
