import AsyncHTTPClient
import Foundation
import IngestCore
import IngestTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What operators see: JSON logs, progress lines, the daemon's health, metrics and status page,
/// and `status --html`.
@Suite struct OperationsTests {
    /// A loopback port nothing listens on now.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// GET `url`: status and body, or `nil` while nothing answers.
    static func get(_ url: String) async -> (status: Int, body: String)? {
        do {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 10 << 20)
            return (Int(response.status.code), String(buffer: body))
        } catch {
            return nil
        }
    }

    @Test func jsonLogsAreOneObjectPerLineWithStableKeysAndStdoutStaysClean() async throws {
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 2_000))
        let directory = try CLI.temporaryDirectory()
        let result = try await CLI.run(
            ["kexp", "--base-url", server.apiRoot.absoluteString, "--polite-delay", "0", "--limit=1200", "--json", "--log-format", "json"],
            directory: directory)
        try await server.server.shutdown()
        #expect(result.status == 0, "\(result.stderr.suffix(800))")
        _ = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "stdout is one JSON document")
        let lines = result.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        var messages: [String] = []
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            for key in ["time", "level", "message", "source", "run_id"] { #expect(object.keys.contains(key), "\(key) in \(line)") }
            messages.append(object["message"] as? String ?? "")
            if object["message"] as? String == "run finished" {
                #expect(object["source"] as? String == "kexp")
                #expect(object["run_id"] as? Int == 1)
                #expect(object["status"] as? String == "partial")
                #expect(object["track_plays"] as? Int == 1200)
            }
        }
        #expect(messages.contains("run finished"))
        // Not a terminal: a progress line for the first page (and every 50 pages or 30 s after).
        #expect(messages.contains("progress"))
        #expect(!messages.contains("page done"), "a line per page is for --log-level debug")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs script(1) for a terminal"))
    func onATerminalProgressIsOneLineRedrawnInPlace() async throws {
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 3_000))
        let directory = try CLI.temporaryDirectory()
        let typescript = directory.appendingPathComponent("typescript").path
        // script(1) gives the command a terminal and records everything it shows.
        let command = "\(CLI.binary.path) kexp --base-url \(server.apiRoot.absoluteString) --polite-delay 0"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qfec", command, typescript]
        process.currentDirectoryURL = directory
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        await CLI.waitForExit(process)
        try await server.server.shutdown()
        #expect(process.terminationStatus == 0)
        let shown = try String(contentsOfFile: typescript, encoding: .utf8)
        // Each page redraws the line (carriage return, clear line), in the station's own time.
        #expect(shown.contains("\r\u{1B}[2Kkexp  page 1  "), "\(shown.prefix(600))")
        #expect(shown.contains(" plays stored  reached 2023-11-"))
        #expect(shown.contains(" plays/s  0:0"))
        // The line is cleared before the run's last log lines and the summary.
        #expect(shown.contains("\r\u{1B}[2K20"), "a log line after the progress line starts on a cleared line")
        #expect(shown.contains("Status:                    complete"))
        #expect(!shown.contains("progress: "), "no progress log lines on a terminal")
    }

    @Test func theConfigsLogFormatAppliesAndTextLogsStayShort() async throws {
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 600))
        let directory = try CLI.temporaryDirectory()
        let catalog = directory.appendingPathComponent("c.sqlite").path
        let config = try ConfigDrivenTests.writeConfig(
            """
            database: { url: "sqlite:\(catalog)" }
            log_format: json
            sources:
              kexp: { adapter: kexp, base_url: "\(server.apiRoot.absoluteString)", polite_delay: 0 }
            """, in: directory)
        let run = try await CLI.run(["run", "--config", config], directory: directory)
        #expect(run.status == 0, "\(run.stderr.suffix(800))")
        #expect(run.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("{") && $0.hasSuffix("}") }, "\(run.stderr.prefix(600))")
        // ./radio-ingest.yaml is read by default; the flag beats its log_format.
        let text = try await CLI.run(
            ["kexp", "--base-url", server.apiRoot.absoluteString, "--polite-delay", "0", "--log-format", "text"], directory: directory)
        try await server.server.shutdown()
        #expect(text.status == 0)
        let lines = text.stderr.split(separator: "\n")
        #expect(lines.contains { $0.contains(" info    kexp#2 run finished: ") }, "\(text.stderr.prefix(800))")
        #expect(lines.allSatisfy { $0.count < 400 }, "short lines")
        #expect(!text.stderr.contains("ingest."))
    }

    @Test(arguments: StoreKind.available)
    func theDaemonServesHealthMetricsAndTheStatusPage(kind: StoreKind) async throws {
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 1_000))
        let catalog = try await TestCatalog.make(kind)
        defer { catalog.remove() }
        let directory = try CLI.temporaryDirectory()
        let port = try Self.freePort()
        let config = try ConfigDrivenTests.writeConfig(
            """
            database: { url: "${TEST_DB}" }
            http: { listen: "127.0.0.1:\(port)" }
            sources:
              kexp:
                adapter: kexp
                base_url: \(server.apiRoot.absoluteString)
                polite_delay: 0
                schedule: { every: 1h, jitter: 0 }
            """, in: directory)
        let (process, out, err) = try CLI.start(["daemon", "--config", config], environment: ["TEST_DB": catalog.url])
        let base = "http://127.0.0.1:\(port)"
        // Wait for the first run to finish (the catalog says so), then look.
        var finished = false
        for _ in 0..<600 where !finished {
            try await Task.sleep(for: .milliseconds(50))
            finished = (try? await catalog.scalar("SELECT count(*) FROM ingestion_runs WHERE status = 'complete'")) == 1
        }
        #expect(finished)
        let health = await Self.get(base + "/healthz")
        #expect(health?.status == 200)
        var ready = await Self.get(base + "/readyz")
        for _ in 0..<100 where ready?.status != 200 {
            try await Task.sleep(for: .milliseconds(50))
            ready = await Self.get(base + "/readyz")
        }
        #expect(ready?.status == 200, "\(ready?.body ?? "no answer")")

        let metrics = try #require(await Self.get(base + "/metrics"))
        #expect(metrics.status == 200)
        let stored = try await catalog.scalar("SELECT count(*) FROM external_plays")
        #expect(
            metrics.body.contains("radio_ingest_plays_written_total{source=\"kexp\",result=\"inserted\"} \(stored)"),
            "\(metrics.body.prefix(3000))")
        #expect(metrics.body.contains("radio_ingest_runs_total{source=\"kexp\",status=\"complete\"} 1"))
        #expect(metrics.body.contains("radio_ingest_coverage_gaps{source=\"kexp\"} 0"))
        #expect(metrics.body.contains("radio_ingest_lease_held{source=\"kexp\"} 0"))
        #expect(metrics.body.contains("radio_ingest_page_fetch_duration_seconds_count{source=\"kexp\"}"))
        #expect(metrics.body.contains("radio_ingest_http_requests_total{source=\"kexp\",host=\"127.0.0.1\",status=\"200\"}"))
        #expect(metrics.body.contains("radio_ingest_newest_play_timestamp_seconds{source=\"kexp\"}"))
        #expect(metrics.body.contains("radio_ingest_last_success_timestamp_seconds{source=\"kexp\"}"))
        #expect(metrics.body.contains("radio_ingest_schedule_interval_seconds{source=\"kexp\"} 3600"))
        // Every family has its help text and type.
        let families = Set(metrics.body.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] })
        let helped = Set(metrics.body.split(separator: "\n").filter { $0.hasPrefix("# HELP ") }.map { $0.split(separator: " ")[2] })
        #expect(families.count >= 10)
        #expect(families == helped)

        let page = try #require(await Self.get(base + "/"))
        #expect(page.status == 200)
        #expect(page.body.contains("<h2>kexp</h2>") && page.body.contains("<svg") && page.body.contains("class=\"covered\""))
        #expect(page.body.contains("next run") && page.body.contains("scheduler ticking"))
        #expect(!page.body.contains("<script"))
        let json = try #require(await Self.get(base + "/status.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.body.utf8)) as? [String: Any])
        let cli = try await CLI.run(["status", "--json", "--config", config], environment: ["TEST_DB": catalog.url])
        let cliObject = try #require(try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == Set(cliObject.keys))
        #expect(
            (object["sources"] as? [[String: Any]])?.first?["covered"] as? [[String]] == (cliObject["sources"] as? [[String: Any]])?.first?[
                "covered"] as? [[String]])

        kill(process.processIdentifier, SIGTERM)
        await CLI.waitForExit(process)
        _ = out
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try await server.server.shutdown()
        #expect(process.terminationStatus == 0, "\(log.suffix(1000))")
        #expect(log.contains("serving health, metrics and the status page"))
        #expect(log.contains("daemon stopped"))
        #expect(await Self.get(base + "/healthz") == nil, "the server stopped with the daemon")
    }

    @Test func readinessFailsWhenTheCatalogDoesNotAnswer() async throws {
        let directory = try CLI.temporaryDirectory()
        let port = try Self.freePort()
        let closed = try Self.freePort()
        let config = try ConfigDrivenTests.writeConfig(
            """
            database: { url: "postgres://nobody:pw@127.0.0.1:\(closed)/none" }
            sources:
              kexp: { adapter: kexp, base_url: "http://127.0.0.1:\(closed)/v2", schedule: { every: 1h } }
            """, in: directory)
        let (process, out, err) = try CLI.start(["daemon", "--config", config, "--listen", "127.0.0.1:\(port)"])
        var health: (status: Int, body: String)?
        for _ in 0..<200 where health == nil {
            try await Task.sleep(for: .milliseconds(50))
            health = await Self.get("http://127.0.0.1:\(port)/healthz")
        }
        let ready = await Self.get("http://127.0.0.1:\(port)/readyz")
        let page = await Self.get("http://127.0.0.1:\(port)/")
        kill(process.processIdentifier, SIGTERM)
        await CLI.waitForExit(process)
        _ = (out, err)
        #expect(health?.status == 200)
        #expect(ready?.status == 503)
        #expect(ready?.body.contains("the catalog does not answer") == true, "\(ready?.body ?? "")")
        #expect(page?.status == 503)
        #expect(page.map { !$0.body.contains("pw@") } == true, "no password on the page")
    }

    @Test func aPortInUseStopsTheDaemonBeforeAnyRun() async throws {
        let directory = try CLI.temporaryDirectory()
        // Something else holds the port.
        let server = try await FakeStationServer.start { _ in .status(404) }
        let port = server.baseURL.port ?? 0
        let catalog = directory.appendingPathComponent("c.sqlite").path
        let config = try ConfigDrivenTests.writeConfig(
            """
            database: { url: "sqlite:\(catalog)" }
            sources:
              kexp: { adapter: kexp, base_url: "http://127.0.0.1:1/v2", schedule: { every: 1h, jitter: 0 } }
            """, in: directory)
        let result = try await CLI.run(["daemon", "--config", config, "--listen", "127.0.0.1:\(port)"], directory: directory)
        try await server.shutdown()
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot listen on 127.0.0.1:\(port): the address is already in use"), "\(result.stderr)")
        #expect(!result.stderr.contains("scheduled source"), "no source was started")
    }

    @Test func statusHTMLWritesThePageForCron() async throws {
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 600))
        let directory = try CLI.temporaryDirectory()
        let run = try await CLI.run(
            ["kexp", "--base-url", server.apiRoot.absoluteString, "--polite-delay", "0", "--database-url", "sqlite:c.sqlite"],
            directory: directory)
        try await server.server.shutdown()
        #expect(run.status == 0)
        let file = directory.appendingPathComponent("status.html")
        let status = try await CLI.run(["status", "--html", file.path, "--database-url", "sqlite:c.sqlite"], directory: directory)
        #expect(status.status == 0, "\(status.stderr)")
        let html = try String(contentsOf: file, encoding: .utf8)
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains("<h2>kexp</h2>") && html.contains("<svg") && html.contains("class=\"covered\""))
        #expect(html.contains("<td>complete</td>"))
        #expect(!html.contains("http-equiv=\"refresh\""), "a file written once does not reload itself")
    }
}

/// docs/operations.md lists every metric the code defines, and nothing it does not.
@Suite struct OperationsGuideTests {
    @Test func theGuideListsEveryMetric() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let guide = try String(contentsOf: root.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        let source = try String(
            contentsOf: root.appendingPathComponent("Sources/IngestEngine/Observability/IngestMetrics.swift"), encoding: .utf8)
        let defined = Set(source.matches(of: /name: "(radio_ingest_[a-z_]+)"/).map { String($0.output.1) })
        let documented = Set(guide.matches(of: /\| `(radio_ingest_[a-z_]+)` \|/).map { String($0.output.1) })
        #expect(defined.count >= 15)
        #expect(defined == documented)
    }
}
