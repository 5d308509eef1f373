import Foundation
import IngestCore
import IngestTesting
import KEXP
import Testing

@Suite struct RecordModeTests {
    @Test func recordModeCapturesPagesThatTheTestKitReplays() async throws {
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 1_000))
        let directory = try CLI.temporaryDirectory()
        let fixtures = directory.appendingPathComponent("recorded")
        let result = try await CLI.run(
            [
                "kexp", "--base-url", server.apiRoot.absoluteString, "--polite-delay", "0", "--page-limit", "3",
                "--record", fixtures.path,
            ], directory: directory)
        try await server.server.shutdown()
        #expect(result.status == 0)
        #expect(result.stdout.contains("dry run"))
        let files = try FileManager.default.contentsOfDirectory(atPath: fixtures.path).sorted()
        #expect(files == ["manifest.json", "page-001.json", "page-002.json", "page-003.json"])
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("radio-ingest.sqlite").path))
        // The recorded pages replay through the adapter test kit, with nothing to report.
        let loaded = try AdapterFixture.load(directory: fixtures)
        #expect(loaded.count == 3)
        let problems = AdapterConformance.check(
            KEXPAdapter(), fixtures: loaded, emptyPage: Data(#"{"next": null, "results": []}"#.utf8))
        #expect(problems.isEmpty, "\(problems)")
        let replayed = try loaded.flatMap { fixture in
            try KEXPAdapter().parse(fixture.body, for: try KEXPAdapter().firstRequest(for: .unbounded)).records
        }
        #expect(replayed.count == 600, "three pages of 200 rows")

        // Recording again into the same directory replaces the old recording.
        let server2 = try await FeedServer.start(GeneratedKEXPFeed(count: 100))
        let again = try await CLI.run(
            ["kexp", "--base-url", server2.apiRoot.absoluteString, "--polite-delay", "0", "--page-limit", "1", "--record", fixtures.path],
            directory: directory)
        try await server2.server.shutdown()
        #expect(again.status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixtures.path).sorted() == ["manifest.json", "page-001.json"])
    }

    @Test func abcTakesItsStationFlagLikeAnyOtherFlag() async throws {
        let body = Data(
            #"{"total": 1, "offset": 0, "limit": 100, "items": [{"arid": "a1", "played_time": "2024-01-01T00:00:00+00:00", "recording": {"title": "T", "artists": [{"name": "A"}]}, "release": null}]}"#
                .utf8)
        let server = try await FakeStationServer.start { _ in .json(body) }
        let directory = try CLI.temporaryDirectory()
        let result = try await CLI.run(
            [
                "abc", "--station", "triplej", "--limit=100", "--dry-run", "--json", "--polite-delay", "0",
                "--base-url", server.baseURL.appendingPathComponent("api/v1").absoluteString,
            ], directory: directory)
        try await server.shutdown()
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"source\":\"abc-triplej\""))
        #expect(server.requests.first?.query["station"] == "triplej")
    }
}
