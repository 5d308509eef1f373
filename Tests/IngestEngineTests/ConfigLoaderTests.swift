import ABC
import Foundation
import IngestCore
import IngestEngine
import KEXP
import Spinitron
import Testing

@Suite struct ConfigLoaderTests {
    let loader = ConfigLoader(
        knownAdapters: ["kexp", "abc", "spinitron"], environment: ["DATABASE_URL": "postgres://u:secret@db/catalog", "EMPTY": ""],
        optionValidators: [
            "kexp": { try KEXPFactory.validate(options: $0) }, "abc": { try ABCFactory.validate(options: $0) },
            "spinitron": { try SpinitronFactory.validate(options: $0) },
        ])

    @Test func readsTheDocumentedExample() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/radio-ingest.yaml")
        let config = try loader.load(path: url.path)
        #expect(config.databaseURL == "postgres://u:secret@db/catalog")
        let kexp = try #require(config.source(named: "kexp"))
        #expect(kexp.adapter == "kexp")
        #expect(kexp.politeDelay == .milliseconds(250))
        #expect(kexp.pageLimit == 50)
        #expect(kexp.schedule == .init(every: .seconds(900), jitter: .seconds(60)))
    }

    @Test(arguments: [
        ("postgres://ingest:hunter2@db/catalog", true), ("${DATABASE_URL:-postgres://u:hunter2@db/catalog}", true),
        ("postgres://ingest:${PGPASSWORD}@db/catalog", false), ("${DATABASE_URL}", false), ("postgres://ingest@db/catalog", false),
        ("postgres://db:5432/catalog?application_name=a@b", false), ("sqlite:catalog.sqlite", false),
    ])
    func aPasswordWrittenInTheFileIsWarnedOfWithoutRepeatingIt(url: String, warned: Bool) throws {
        let config = try ConfigLoader(knownAdapters: ["kexp"], environment: ["DATABASE_URL": "sqlite:x", "PGPASSWORD": "pw"]).parse(
            """
            database:
              url: \(url)
            sources:
              kexp: { adapter: kexp }
            """, path: "c.yaml")
        #expect(config.warnings.count == (warned ? 1 : 0))
        if warned {
            #expect(
                config.warnings.first?.hasPrefix("c.yaml:2:8: database.url has a password written in the file") == true,
                "\(config.warnings)")
            #expect(config.warnings.first?.contains("hunter2") == false)
        }
    }

    @Test func twoEntriesMayShareAnAdapterAndDefaultsApply() throws {
        let config = try loader.parse(
            """
            sources:
              kexp:
                adapter: kexp
              kexp-mirror:
                adapter: kexp
                enabled: false
                incremental: false
                base_url: http://127.0.0.1:8080/v2
            """, path: "c.yaml")
        #expect(config.databaseURL == nil)
        #expect(config.concurrency == 2)
        #expect(config.sources.map(\.name) == ["kexp", "kexp-mirror"])
        #expect(config.sources[0].enabled && config.sources[0].incremental)
        #expect(config.sources[1].enabled == false && config.sources[1].incremental == false)
        #expect(config.sources[1].baseURL?.absoluteString == "http://127.0.0.1:8080/v2")
        #expect(config.sources[1].runOptions.politeDelay == .milliseconds(250))
    }

    @Test func aListenAddressWithoutAHostIsLoopback() {
        #expect(ListenAddress("9464") == ListenAddress("127.0.0.1:9464"))
        #expect(ListenAddress(":9464")?.isLoopback == true)
        #expect(ListenAddress("[::1]:9464")?.host == "::1")
        #expect(ListenAddress("0.0.0.0:9464")?.isLoopback == false)
        #expect(ListenAddress("127.0.0.1:0") == nil)
        #expect(ListenAddress("127.0.0.1:70000") == nil)
    }

    @Test(arguments: [
        ("database:\n  url: ${MISSING:-sqlite:x.sqlite}\nsources:\n  kexp: {adapter: kexp}\n", "sqlite:x.sqlite"),
        ("database:\n  url: ${EMPTY:-sqlite:y.sqlite}\nsources:\n  kexp: {adapter: kexp}\n", "sqlite:y.sqlite"),
        ("database:\n  url: pre-${DATABASE_URL}-post\nsources:\n  kexp: {adapter: kexp}\n", "pre-postgres://u:secret@db/catalog-post"),
    ])
    func interpolatesTheEnvironment(yaml: String, expected: String) throws {
        #expect(try loader.parse(yaml, path: "c.yaml").databaseURL == expected)
    }

    @Test(arguments: [
        (
            "sources:\n  kexp:\n    adapter: kexp\n    polite_dealy: 1s\n",
            "c.yaml:4:5: sources.kexp.polite_dealy is not a known key (expected one of: adapter, base_url, enabled, incremental, limits, lookback, options, page_size, polite_delay, schedule)"
        ),
        (
            "sources:\n  kexp:\n    adapter: kexp\n    polite_delay: fast\n",
            "c.yaml:4:19: sources.kexp.polite_delay 'fast' is not a duration (use 0, 250ms, 1s, 15m or 2h)"
        ),
        (
            "sources:\n  kexp:\n    adapter: kexp\n    limits: {page_limit: many}\n",
            "c.yaml:4:26: sources.kexp.limits.page_limit must be a whole number, not 'many'"
        ),
        (
            "sources:\n  kexp:\n    adapter: kexp\n    limits: {page_limit: 0}\n",
            "c.yaml:4:26: sources.kexp.limits.page_limit must be between 1 and \(Int.max), not 0"
        ),
        (
            "sources:\n  kexp:\n    adapter: wfmu\n",
            "c.yaml:3:14: sources.kexp.adapter 'wfmu' is not an adapter; known: abc, kexp, spinitron"
        ),
        (
            "sources:\n  kexp:\n    enabled: true\n",
            "c.yaml:3:5: sources.kexp.adapter is missing"
        ),
        (
            "sources:\n  kexp:\n    adapter: kexp\n    enabled: maybe\n",
            "c.yaml:4:14: sources.kexp.enabled must be true or false, not 'maybe'"
        ),
        (
            "sources:\n  kexp:\n    adapter: kexp\n    schedule: {jitter: 1m}\n",
            "c.yaml:4:15: sources.kexp.schedule.every is missing"
        ),
        (
            "sources:\n  kexp:\n    adapter: kexp\n    schedule: {every: 10ms}\n",
            "c.yaml:4:23: sources.kexp.schedule.every must be at least 1s"
        ),
        (
            "sources:\n  kexp:\n    adapter: kexp\n    base_url: ftp://x\n",
            "c.yaml:4:15: sources.kexp.base_url 'ftp://x' is not an http(s) URL"
        ),
        (
            "database:\n  url: ${NOPE}\nsources:\n  kexp: {adapter: kexp}\n",
            "c.yaml:2:8: database.url uses ${NOPE}, which is not set (give a default with ${NOPE:-value})"
        ),
        (
            "catalog:\n  columns: { craeted: added_on }\nsources:\n  kexp: {adapter: kexp}\n",
            "c.yaml:2:14: catalog.columns.craeted is not a known key (expected one of: album, created, embedding_version, is_placeholder, isrc, mbid, source, updated, year)"
        ),
        (
            "databse:\n  url: x\n",
            "c.yaml:1:1: databse is not a known key (expected one of: adapters_dir, catalog, concurrency, database, http, lease_ttl, log_format, sources)"
        ),
        (
            "log_format: yaml\nsources:\n  kexp: {adapter: kexp}\n",
            "c.yaml:1:13: log_format must be text or json, not 'yaml'"
        ),
        (
            "http: { listen: 'localhost' }\nsources:\n  kexp: {adapter: kexp}\n",
            "c.yaml:1:17: http.listen 'localhost' is not HOST:PORT (such as 127.0.0.1:9464)"
        ),
        (
            "concurrency: 0\nsources:\n  kexp: {adapter: kexp}\n",
            "c.yaml:1:14: concurrency must be between 1 and 32, not 0"
        ),
        (
            "sources:\n  KEXP: {adapter: kexp}\n",
            "c.yaml:2:3: sources.KEXP is not a valid source name (lowercase letters, digits, '-' and '_')"
        ),
        (
            "sources:\n  kexp:\n    adapter: [kexp]\n",
            "c.yaml:3:14: sources.kexp.adapter must be a single value, not a list or mapping"
        ),
        (
            "sources: [kexp]\n",
            "c.yaml:1:10: sources must be a mapping of keys to values"
        ),
        (
            "database:\n  url: x\n",
            "c.yaml:1:1: sources is missing: list at least one source"
        ),
        (
            "sources:\n  kexp: {adapter: kexp\n",
            "c.yaml: 3:1: invalid YAML: did not find expected ',' or '}'"
        ),
        ("", "c.yaml: the config is empty; it needs at least a 'sources:' section"),
        (
            "sources:\n  kexp: {adapter: kexp}\n  kexp-archive: {adapter: kexp, incremental: false}\n",
            "c.yaml:3:3: sources.kexp-archive is the same station as sources.kexp (the same adapter, base URL and options): every play would be stored twice, under two names; keep one entry (for a one-off backfill use `radio-ingest kexp --source kexp --start-date …`)"
        ),
        (
            "sources:\n  triplej:\n    adapter: abc\n",
            "c.yaml:2:3: sources.triplej.options are invalid: the abc adapter needs a station, as in --station triplej (or options: { station: triplej })"
        ),
        (
            "sources:\n  j:\n    adapter: abc\n    options: { station: triplej, colour: red }\n",
            "c.yaml:4:14: sources.j.options are invalid: the abc adapter has no option 'colour' (known: station)"
        ),
        (
            "sources:\n  w:\n    adapter: spinitron\n    options: { time_zone: Mars/Olympus }\n",
            "c.yaml:4:14: sources.w.options are invalid: 'Mars/Olympus' is not a time zone (use an IANA name such as America/New_York)"
        ),
    ])
    func brokenConfigsNameFileLineColumnAndKey(yaml: String, message: String) {
        #expect {
            _ = try loader.parse(yaml, path: "c.yaml")
        } throws: { error in
            guard let error = error as? IngestError, error.category == .usage else { return false }
            if error.message != message { Issue.record("got: \(error.message)") }
            return error.message == message
        }
    }
}

@Suite struct SourceScheduleTests {
    let schedule = SourceConfig.Schedule(every: .seconds(900), jitter: .seconds(60))

    @Test func healthySourcesWaitTheIntervalPlusJitter() {
        #expect(SourceSchedule.nextWait(schedule, failures: 0, random: { $0 }) == .seconds(960))
        #expect(SourceSchedule.nextWait(schedule, failures: 0, random: { _ in .zero }) == .seconds(900))
    }

    @Test func failingSourcesBackOffDoublingUpToAnHour() {
        #expect(SourceSchedule.nextWait(schedule, failures: 1) == .seconds(1800))
        #expect(SourceSchedule.nextWait(schedule, failures: 2) == .seconds(3600))
        #expect(SourceSchedule.nextWait(schedule, failures: 9) == .seconds(3600))
        let daily = SourceConfig.Schedule(every: .seconds(86_400))
        #expect(SourceSchedule.nextWait(daily, failures: 3) == .seconds(86_400))
    }

    @Test func jitterStaysWithinItsBound() {
        for _ in 0..<100 {
            let value = SourceSchedule.randomUpTo(.seconds(2))
            #expect(value >= .zero && value <= .seconds(2))
        }
    }
}
