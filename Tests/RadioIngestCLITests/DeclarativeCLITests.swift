import Foundation
import IngestCore
import IngestTesting
import Testing

/// YAML adapters from the command line: the guide's worked example, `adapters`, `adapter check`,
/// `adapters_dir`, and the rule that a name is defined once.
@Suite struct DeclarativeCLITests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The first YAML block of docs/adding-an-adapter.md: the guide's worked example, verbatim.
    static func guideExample() throws -> String {
        let guide = try String(contentsOf: root.appendingPathComponent("docs/adding-an-adapter.md"), encoding: .utf8)
        let block = guide.components(separatedBy: "```yaml\n").dropFirst().first?.components(separatedBy: "```").first
        return try #require(block)
    }

    static let pageOne = #"""
        { "plays": [
            { "uid": "p-992", "type": "break", "at": "2025-03-01T18:07:00-05:00" },
            { "uid": "p-991", "type": "song", "at": "2025-03-01T18:04:00-05:00", "track": "Heroes",
              "credits": [ { "role": "main", "name": "David Bowie" }, { "role": "producer", "name": "Tony Visconti" } ],
              "release": { "title": "\"Heroes\"", "date": "1977-10-14" }, "mbid": "4A5B0000-0000-4000-8000-000000000001" } ],
          "cursor": "eyJwIjoyfQ" }
        """#
    static let pageTwo = #"""
        { "plays": [
            { "uid": "p-990", "type": "song", "at": "2025-03-01T18:00:00-05:00", "track": "Sound and Vision",
              "credits": [ { "role": "main", "name": "David Bowie" } ], "release": { "title": "Low", "date": "1977" } },
            { "uid": "p-989", "type": "song", "at": "2025-03-01T17:56:00-05:00", "track": "",
              "credits": [ { "role": "main", "name": "Brian Eno" } ] } ],
          "cursor": null }
        """#

    /// A fake Example FM: station wxyz, the key in X-Api-Key, two pages by cursor.
    static func exampleFM() async throws -> FakeStationServer {
        try await FakeStationServer.start { request in
            guard request.path == "/v1/stations/wxyz/plays" else { return .status(404) }
            guard request.headers["x-api-key"] == "k3y" else { return .status(401) }
            return .json(Data((request.query["cursor"] == "eyJwIjoyfQ" ? pageTwo : pageOne).utf8))
        }
    }

    @Test func theGuidesExampleRunsFromItsFileAgainstAFakeServer() async throws {
        let server = try await Self.exampleFM()
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let adapters = directory.appendingPathComponent("adapters")
        try FileManager.default.createDirectory(at: adapters, withIntermediateDirectories: true)
        try Self.guideExample().write(to: adapters.appendingPathComponent("example-fm.yaml"), atomically: true, encoding: .utf8)
        let result = try await CLI.run(
            [
                "example-fm", "--adapters", adapters.path, "--station", "wxyz", "--base-url",
                server.baseURL.appendingPathComponent("v1").absoluteString,
                "--polite-delay", "0", "--json",
            ], environment: ["EXAMPLE_FM_KEY": "k3y"], directory: directory)
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(summary["source"] as? String == "example-fm-wxyz")
        #expect(summary["status"] as? String == "complete")
        #expect(summary["plays_seen"] as? Int == 4)
        #expect(summary["provenance_inserted"] as? Int == 2)
        #expect(summary["skipped_invalid"] as? Int == 1)
        #expect(server.requests.count == 2)
        #expect(server.requests.first?.query["limit"] == "100")
        #expect(!result.stderr.contains("k3y"))

        // The same file through `adapter check`, on the two pages as recorded fixtures.
        let fixtures = directory.appendingPathComponent("recorded")
        try FileManager.default.createDirectory(at: fixtures, withIntermediateDirectories: true)
        try Self.pageOne.write(to: fixtures.appendingPathComponent("page-001.json"), atomically: true, encoding: .utf8)
        try Self.pageTwo.write(to: fixtures.appendingPathComponent("page-002.json"), atomically: true, encoding: .utf8)
        let check = try await CLI.run([
            "adapter", "check", adapters.appendingPathComponent("example-fm.yaml").path, "--fixtures", fixtures.path,
        ])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("page-001.json: 1 tracks, 1 not tracks, 0 invalid, asks for a next page"), "\(check.stdout)")
        #expect(check.stdout.contains("page-002.json: 1 tracks, 0 not tracks, 1 invalid"), "\(check.stdout)")
        #expect(check.stdout.contains("no problems"))
        try await server.shutdown()
    }

    @Test func aConfigsAdaptersDirOffersItsAdaptersToTheConfigAndTheCommandLine() async throws {
        let server = try await Self.exampleFM()
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("stations"), withIntermediateDirectories: true)
        try Self.guideExample().write(
            to: directory.appendingPathComponent("stations/example-fm.yaml"), atomically: true, encoding: .utf8)
        let config = try ConfigDrivenTests.writeConfig(
            """
            adapters_dir: stations
            sources:
              wxyz:
                adapter: example-fm
                base_url: \(server.baseURL.appendingPathComponent("v1").absoluteString)
                polite_delay: 0
                options: { station: wxyz }
            """, in: directory)
        let run = try await CLI.run(["run", "--config", config, "--json"], environment: ["EXAMPLE_FM_KEY": "k3y"], directory: directory)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("\"provenance_inserted\" : 2") || run.stdout.contains("\"provenance_inserted\":2"), "\(run.stdout)")

        let list = try await CLI.run(["adapters", "--config", config, "--json"], directory: directory)
        #expect(list.status == 0, "\(list.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])
        let adapters = try #require(document["adapters"] as? [[String: Any]])
        let byName = Dictionary(uniqueKeysWithValues: adapters.compactMap { entry in (entry["name"] as? String).map { ($0, entry) } })
        #expect(Set(byName.keys).isSuperset(of: ["kexp", "abc", "spinitron", "npr", "kcrw", "example-fm"]))
        #expect(byName["kexp"]?["kind"] as? String == "swift")
        #expect(byName["npr"]?["kind"] as? String == "yaml")
        #expect((byName["example-fm"]?["file"] as? String)?.hasSuffix("stations/example-fm.yaml") == true)
        #expect((byName["npr"]?["params"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["station", "time_zone"])

        // Its flags come from its params; an unknown one is refused.
        let wrong = try await CLI.run(["example-fm", "--config", config, "--stations", "x"], directory: directory)
        #expect(wrong.status == 64)
        #expect(wrong.stderr.contains("unknown option '--stations' for example-fm"), "\(wrong.stderr)")
        try await server.shutdown()
    }

    @Test func aNameDefinedTwiceOrABrokenFileStopsEveryCommandWithItsPosition() async throws {
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(
            at: Self.root.appendingPathComponent("config/adapters/twins/kexp.yaml"), to: directory.appendingPathComponent("kexp.yaml"))
        let twice = try await CLI.run(["status", "--adapters", directory.path], directory: directory)
        #expect(twice.status == 64)
        #expect(twice.stderr.contains("the adapter 'kexp' is defined twice: as a Swift adapter and in"), "\(twice.stderr)")

        try FileManager.default.removeItem(at: directory.appendingPathComponent("kexp.yaml"))
        try "adapter: broken\nversion: 1\nrequest: { url: \"{base_url}/x\" }\npaging: { kind: sideways }\n"
            .write(to: directory.appendingPathComponent("broken.yaml"), atomically: true, encoding: .utf8)
        let broken = try await CLI.run(["kexp", "--dry-run", "--adapters", directory.path], directory: directory)
        #expect(broken.status == 64)
        #expect(broken.stderr.contains("broken.yaml:"), "\(broken.stderr)")
    }

    @Test func nprRunsFromTheShippedFileWithItsFlags() async throws {
        let day = try Data(
            contentsOf: Self.root.appendingPathComponent("Tests/DeclarativeAdapterTests/Fixtures/npr/wcrb-day-2016-07-31.json"))
        let server = try await FakeStationServer.start { request in
            request.query["date"] == "2016-07-31" ? .json(day) : .json(Data(#"{"onToday": []}"#.utf8))
        }
        let directory = try CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try await CLI.run(
            [
                "npr", "--station", "5187f5a4e1c8b8ea3d2bd5a2", "--time-zone", "America/New_York", "--base-url",
                server.baseURL.absoluteString,
                "--start-date", "2016-07-30", "--end-date", "2016-07-31", "--polite-delay", "0", "--json",
            ], directory: directory)
        try await server.shutdown()
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(summary["source"] as? String == "npr-5187f5a4e1c8b8ea3d2bd5a2")
        #expect(summary["provenance_inserted"] as? Int == 60)
        #expect(server.requests.compactMap { $0.query["date"] } == ["2016-07-31", "2016-07-30"])
    }
}
