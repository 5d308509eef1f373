import Foundation
import IngestCore
import IngestTesting
import Testing

/// An owner's session on Musicr's catalog, through the binary: `migrate` says what it applied
/// and what it found, a refused play is listed and retried, `status` counts what waits.
@Suite struct RealCatalogCLITests {
    static func musicr(_ kind: StoreKind) async throws -> TestCatalog {
        let catalog = try await TestCatalog.make(kind)
        try await catalog.executeScript(kind == .postgres ? MusicrCatalog.postgresDDL : MusicrCatalog.sqliteDDL)
        try await catalog.executeScript(MusicrCatalog.appSongInserts(postgres: kind == .postgres))
        return catalog
    }

    @Test(arguments: StoreKind.available)
    func migrateReportsWhatItAppliedAndTheLayoutItFound(kind: StoreKind) async throws {
        let catalog = try await Self.musicr(kind)
        defer { catalog.remove() }
        let first = try await CLI.run(["migrate", "--database-url", catalog.url])
        #expect(first.status == 0, "\(first.stderr.suffix(1000))")
        #expect(first.stdout.contains("applied migration"))
        #expect(first.stdout.contains("created=createdAt"))
        #expect(first.stdout.contains("updated=updatedAt"))
        #expect(first.stdout.contains("gave match keys to \(MusicrCatalog.appSongs.count) catalog songs"))
        let second = try await CLI.run(["migrate", "--database-url", catalog.url])
        #expect(second.stdout.contains("nothing to apply"))
        #expect(!second.stdout.contains("applied migration"))
    }

    @Test(arguments: StoreKind.available)
    func aRefusedPlayIsListedCountedAndStoredByRetry(kind: StoreKind) async throws {
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 300, distinctSongs: 120))
        let catalog = try await Self.musicr(kind)
        defer { catalog.remove() }
        if kind == .postgres {
            try await catalog.execute(
                """
                CREATE FUNCTION refuse_plays() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.title = 'Song 7' THEN RAISE EXCEPTION 'no Song 7 today'; END IF; RETURN NEW; END $$
                """)
            try await catalog.execute(
                "CREATE TRIGGER refuse_plays BEFORE INSERT ON external_plays FOR EACH ROW EXECUTE FUNCTION refuse_plays()")
        } else {
            try await catalog.execute(
                "CREATE TRIGGER refuse_plays BEFORE INSERT ON external_plays WHEN NEW.title = 'Song 7' BEGIN SELECT RAISE(ABORT, 'no Song 7 today'); END"
            )
        }
        let run = try await CLI.run([
            "kexp", "--database-url", catalog.url, "--base-url", server.apiRoot.absoluteString, "--polite-delay", "0", "--json",
        ])
        #expect(run.status == 0, "\(run.stderr.suffix(1000))")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let errors = try #require(summary["errors"] as? Int)
        #expect(errors > 0)

        let list = try await CLI.run(["failed", "list", "kexp", "--json", "--database-url", catalog.url])
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
        #expect(listed["total"] as? Int == errors)
        let rows = try #require(listed["failed_plays"] as? [[String: Any]])
        #expect(rows.allSatisfy { ($0["reason"] as? String)?.contains("no Song 7 today") == true })
        #expect(rows.allSatisfy { (($0["record"] as? [String: Any])?["title"] as? String) == "Song 7" })

        let status = try await CLI.run(["status", "--json", "--database-url", catalog.url])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let sources = try #require(report["sources"] as? [[String: Any]])
        #expect(sources.first { $0["source"] as? String == "kexp" }?["failed_plays"] as? Int == errors)

        let refusedAgain = try await CLI.run(["failed", "retry", "--database-url", catalog.url])
        #expect(refusedAgain.status != 0, "a retry before the cause is fixed fails")
        try await catalog.execute("DROP TRIGGER refuse_plays\(kind == .postgres ? " ON external_plays" : "")")
        let retry = try await CLI.run(["failed", "retry", "--json", "--database-url", catalog.url])
        try await server.server.shutdown()
        #expect(retry.status == 0, "\(retry.stderr.suffix(1000))")
        let outcome = try #require(try JSONSerialization.jsonObject(with: Data(retry.stdout.utf8)) as? [String: Any])
        #expect(outcome["stored"] as? Int == errors)
        #expect(outcome["still_failing"] as? Int == 0)
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays WHERE title = 'Song 7'") == errors)
        let empty = try await CLI.run(["failed", "list", "--database-url", catalog.url])
        #expect(empty.stdout.contains("no refused plays are waiting"))
    }

    @Test(arguments: StoreKind.available)
    func theConfigMapsAColumnDetectionCannotName(kind: StoreKind) async throws {
        let catalog = try await TestCatalog.make(kind)
        defer { catalog.remove() }
        let idType = kind == .postgres ? "uuid" : "TEXT"
        let stamp = kind == .postgres ? "timestamptz" : "TEXT"
        try await catalog.executeScript(
            """
            CREATE TABLE songs (id \(idType) PRIMARY KEY, title text NOT NULL, artist text NOT NULL, added_on \(stamp) NOT NULL);
            CREATE TABLE external_plays (id \(kind == .postgres ? "bigserial" : "INTEGER") PRIMARY KEY, source text NOT NULL,
                source_play_id text NOT NULL, title text NOT NULL, artist text NOT NULL, airdate \(stamp), song_id \(idType),
                UNIQUE (source, source_play_id));
            CREATE TABLE ingestion_checkpoints (source text PRIMARY KEY, cursor text, metadata \(kind == .postgres ? "jsonb" : "TEXT"),
                updated_at \(stamp) NOT NULL);
            """)
        let directory = try CLI.temporaryDirectory()
        let path = directory.appendingPathComponent("radio-ingest.yaml").path
        try """
        database: { url: "\(catalog.url)" }
        catalog:
          columns: { created: added_on }
        sources:
          kexp: { adapter: kexp }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let unmapped = try await CLI.run(["migrate", "--database-url", catalog.url])
        #expect(unmapped.status == 1)
        #expect(unmapped.stderr.contains("songs.added_on is NOT NULL without a default"), "\(unmapped.stderr)")
        let mapped = try await CLI.run(["migrate", "--config", path])
        #expect(mapped.status == 0, "\(mapped.stderr)")
        #expect(mapped.stdout.contains("created=added_on"))
    }
}

/// `match` and `songs duplicates`, as a catalog owner checks a decision.
@Suite struct MatchingCLITests {
    @Test(arguments: StoreKind.available)
    func matchExplainsTheKeyTheRulesAndTheSongWithoutWriting(kind: StoreKind) async throws {
        let catalog = try await RealCatalogCLITests.musicr(kind)
        defer { catalog.remove() }
        let result = try await CLI.run([
            "match", "--title", "Song 2 - 2011 - Remaster (Explicit)", "--artist", "Artist 2 feat. Somebody", "--json",
            "--database-url", catalog.url,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["normalized_title"] as? String == "song 2")
        #expect(object["normalized_artist"] as? String == "artist 2")
        #expect((object["rules"] as? [String])?.count == 3)
        let song = try #require(object["song"] as? [String: Any])
        #expect(song["id"] as? String == "6f1f2c1e-0000-4000-8000-000000000003")
        #expect(song["by"] as? String == "key")
        let byMBID = try await CLI.run([
            "match", "--title", "x", "--artist", "y", "--mbid", "00000000-0000-4000-8000-000000000000", "--database-url", catalog.url,
        ])
        #expect(byMBID.stdout.contains("would link to 6f1f2c1e-0000-4000-8000-000000000001"))
        #expect(byMBID.stdout.contains("by MusicBrainz id"))
        let none = try await CLI.run(["match", "--title", "Brand New", "--artist", "Nobody Yet", "--database-url", catalog.url])
        #expect(none.stdout.contains("a run would insert a new one"))
        // Read-only: nothing was created, not even the tool's tables.
        let toolTables =
            kind == .postgres
            ? "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'radio_ingest%'"
            : "SELECT count(*) FROM sqlite_master WHERE name LIKE 'radio_ingest%'"
        #expect(try await catalog.scalar(toolTables) == 0)
    }

    @Test(arguments: StoreKind.available)
    func songsDuplicatesListsGroupsWithPlayCounts(kind: StoreKind) async throws {
        let catalog = try await RealCatalogCLITests.musicr(kind)
        defer { catalog.remove() }
        try await catalog.execute(
            #"INSERT INTO songs (id, title, artist, "updatedAt") VALUES ('6f1f2c1e-0000-4000-8000-0000000000ff', 'SONG 1 (Remastered)', 'The Artist 1', CURRENT_TIMESTAMP)"#
        )
        _ = try await CLI.run(["migrate", "--database-url", catalog.url])
        let result = try await CLI.run(["songs", "duplicates", "--json", "--database-url", catalog.url])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let groups = try #require(object["groups"] as? [[String: Any]])
        #expect(groups.count == 1)
        let ids = (groups.first?["songs"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
        #expect(ids == ["6f1f2c1e-0000-4000-8000-000000000002", "6f1f2c1e-0000-4000-8000-0000000000ff"])
        let text = try await CLI.run(["songs", "duplicates", "--database-url", catalog.url])
        #expect(text.stdout.contains("canonical  6f1f2c1e-0000-4000-8000-000000000002"))
    }
}
