import Foundation
import IngestCore
import IngestTesting
import Testing

/// `radio-ingest` as an operator meets it: flags, exit codes, stdout and stderr.
@Suite struct CommandLineTests {
    @Test func kexpHelpListsTheSpecsFlags() async throws {
        let result = try await CLI.run(["kexp", "--help"])
        #expect(result.status == 0)
        for flag in [
            "--dry-run", "--limit <N>", "--page-limit <N>", "--incremental", "--start-date <ISO>", "--end-date <ISO>",
            "--database-url <url>", "--base-url <url>", "--polite-delay <duration>", "--json",
        ] {
            #expect(result.stdout.contains(flag), "help lacks \(flag)")
        }
    }

    @Test(arguments: [
        ["kexp", "--limit=0"], ["kexp", "--limit=ten"], ["kexp", "--polite-delay", "soon"], ["kexp", "--start-date", "last tuesday"],
        ["kexp", "--start-date", "2025-02-01", "--end-date", "2025-01-01"], ["kexp", "--no-such-flag"],
        ["kexp", "--database-url", "mysql://x"], ["kexp", "--base-url", "not a url"],
        ["kexp", "--start-date", "2025-02-30"], ["kexp", "--start-date", "2025-04-31"], ["kexp", "--start-date", "2025-02-29"],
        ["kexp", "--start-date", "0000-01-01"], ["kexp", "--base-url", "ftp://x"], ["kexp", "--database-url", "file.sqlite"],
        ["kexp", "--lookback", "soon"], ["embedding-queue", "--limit=-1"], ["runs", "--limit", "-5"], ["status", "nosuch"],
        ["runs", "nosuch"], ["failed", "list", "--limit", "0"], ["kexp", "--start-date", "2999-01-01"],
    ])
    func badUsageExitsWith64AndSaysWhy(arguments: [String]) async throws {
        let directory = try CLI.temporaryDirectory()
        let result = try await CLI.run(arguments, directory: directory)
        #expect(result.status == 64)
        #expect(!result.stderr.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "bad usage must not create a catalog")
    }

    @Test func messagesSayWhatIsWrong() async throws {
        let directory = try CLI.temporaryDirectory()
        let cases: [([String], String)] = [
            (["kexp", "--start-date", "2025-02-29"], "a day the month has"),
            (["kexp", "--start-date", "0000-01-01"], "before any station's history"),
            (["kexp", "--database-url", "file.sqlite"], "write sqlite:file.sqlite"),
            (["runs", "--limit", "-5"], "--limit must be at least 1"),
            (["status", "nosuch"], "no source named 'nosuch'; known:"),
            (["kexp", "--start-date", "2999-01-01"], "--start-date '2999-01-01' is in the future"),
            (["kexp", "--start-date", "2025-02-01", "--end-date", "2025-01-01"], "See 'radio-ingest kexp --help'"),
        ]
        for (arguments, words) in cases {
            let result = try await CLI.run(arguments, directory: directory)
            #expect(result.stderr.contains(words), "\(arguments): \(result.stderr)")
        }
    }

    @Test func aResetWhereNoCatalogExistsCreatesNone() async throws {
        let directory = try CLI.temporaryDirectory()
        let result = try await CLI.run(["checkpoint", "reset", "kexp", "--yes"], directory: directory)
        #expect(result.status == 1)
        #expect(result.stderr.contains("there is no catalog at radio-ingest.sqlite"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func aTildeInASQLitePathIsTheHomeDirectory() async throws {
        let home = try CLI.temporaryDirectory()
        let result = try await CLI.run(["migrate", "--database-url", "sqlite:~/catalog.sqlite"], environment: ["HOME": home.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(FileManager.default.fileExists(atPath: home.appendingPathComponent("catalog.sqlite").path))
    }

    @Test func jsonSummaryGoesToStdoutAndLogsToStderr() async throws {
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 300))
        let directory = try CLI.temporaryDirectory()
        let result = try await CLI.run(
            ["kexp", "--base-url", server.apiRoot.absoluteString, "--polite-delay", "0", "--limit=100", "--json"], directory: directory)
        try await server.server.shutdown()
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["status"] as? String == "partial")
        #expect(object["track_plays"] as? Int == 100)
        #expect(result.stderr.contains("run finished"))
        // With no database configured, the catalog is radio-ingest.sqlite in the working directory.
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("radio-ingest.sqlite").path))
    }

    @Test func dryRunOnAFreshMachineCreatesNoFile() async throws {
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 300))
        let directory = try CLI.temporaryDirectory()
        let result = try await CLI.run(
            ["kexp", "--dry-run", "--limit=100", "--base-url", server.apiRoot.absoluteString, "--polite-delay", "0"], directory: directory)
        try await server.server.shutdown()
        #expect(result.status == 0)
        #expect(result.stdout.contains("dry run: nothing written"))
        #expect(result.stdout.contains("Track plays:               100"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func aFailedRunExitsWith1AndTheMessageNamesTheCause() async throws {
        let faults = FaultSchedule([1: .status(500), 2: .status(500), 3: .status(500), 4: .status(500)])
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 10), faults: faults)
        let directory = try CLI.temporaryDirectory()
        // Retries really wait here (1 s, 2 s, 4 s): this is the operator's view, so it is not faked.
        let result = try await CLI.run(["kexp", "--base-url", server.apiRoot.absoluteString, "--json"], directory: directory)
        try await server.server.shutdown()
        #expect(result.status == 1)
        #expect(result.stdout.contains("\"status\":\"failed\""))
        #expect(result.stdout.contains("HTTP 500"))
    }

    @Test func passwordsNeverAppearInErrors() async throws {
        let directory = try CLI.temporaryDirectory()
        let result = try await CLI.run(
            ["migrate", "--database-url", "postgres://ingest:s3cret-pw@127.0.0.1:1/catalog?sslmode=disable"], directory: directory)
        #expect(result.status != 0)
        #expect(!result.stderr.contains("s3cret-pw"))
        #expect(!result.stdout.contains("s3cret-pw"))
    }

    @Test func embeddingQueueListsTheNewSongs() async throws {
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 100, distinctSongs: 30))
        let directory = try CLI.temporaryDirectory()
        let run = try await CLI.run(
            ["kexp", "--base-url", server.apiRoot.absoluteString, "--polite-delay", "0", "--json"], directory: directory)
        try await server.server.shutdown()
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let queue = try await CLI.run(["embedding-queue", "--json", "--limit", "1000"], directory: directory)
        #expect(queue.status == 0)
        #expect(queue.stdout.split(separator: "\n").count == summary["new_songs"] as? Int)
        let runs = try await CLI.run(["runs"], directory: directory)
        #expect(runs.stdout.contains("kexp complete"))
    }
}
