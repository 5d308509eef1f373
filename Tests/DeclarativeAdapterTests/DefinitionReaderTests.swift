import DeclarativeAdapters
import Foundation
import IngestCore
import Testing

/// A broken adapter file fails when it loads, with its file, line, column and key.
@Suite struct DefinitionReaderTests {
    static let valid = """
        adapter: example-fm
        version: 1
        params:
          station: { required: true, help: "The station id" }
        defaults: { base_url: "https://api.example.fm/v1" }
        request:
          url: "{base_url}/stations/{station}/plays"
        window:
          start: { param: since, format: iso8601_utc }
        paging: { kind: offset, param: offset, total_path: $.total }
        records: { path: "$.items[*]" }
        fields:
          source_play_id: $.id
          played_at: $.played_at
          title: $.title
          artist: $.artist
        """

    func failure(_ yaml: String) -> String {
        do {
            _ = try DefinitionReader(file: "example-fm.yaml").read(yaml)
            return "loaded"
        } catch let error as IngestError {
            #expect(error.category == .usage)
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func theValidFileLoads() throws {
        let definition = try DefinitionReader(file: "example-fm.yaml").read(Self.valid)
        #expect(definition.name == "example-fm")
        #expect(definition.params.map(\.name) == ["station"])
    }

    @Test(arguments: [
        (
            "  start: { param: since, format: iso8601_utc }", "  start: { param: since, fromat: iso8601_utc }",
            "example-fm.yaml:9:26: window.start.fromat is not a known key"
        ),
        (
            "  title: $.title", "  title: $.title[",
            "example-fm.yaml:15:10: fields.title '$.title[' has a '[' without its ']'"
        ),
        ("format: iso8601_utc", "format: rfc2822", "example-fm.yaml:9:34: window.start.format 'rfc2822' is not a time format"),
        (
            "{base_url}/stations/{station}/plays", "{base_url}/stations/{staton}/plays",
            "example-fm.yaml:7:8: request.url uses {staton}, which is not a param (known: base_url, page_size, station)"
        ),
        ("  artist: $.artist", "", "example-fm.yaml:13:3: fields.artist is missing"),
        ("kind: offset", "kind: scroll", "example-fm.yaml:10:17: paging.kind 'scroll' is not a paging kind"),
        ("adapter: example-fm", "adapter: run", "example-fm.yaml:1:10: adapter 'run' is the name of a radio-ingest command"),
        (
            "  played_at: $.played_at", "  played_at: { path: $.played_at, format: year }",
            "example-fm.yaml:14:14: fields.played_at.format does not apply to played_at"
        ),
        ("version: 1", "version: 2", "example-fm.yaml:2:10: version must be 1"),
    ])
    func aMistakeIsReportedWhereItIs(change: (String, String, String)) {
        let (old, new, expected) = change
        #expect(Self.valid.contains(old))
        let message = failure(Self.valid.replacingOccurrences(of: old, with: new))
        #expect(message.hasPrefix(expected), "\(message)")
    }

    @Test func paramsAreCheckedWhenTheAdapterIsMade() throws {
        let definition = try DefinitionReader(file: "example-fm.yaml").read(Self.valid)
        #expect(throws: IngestError.usage("the example-fm adapter needs --station (or options: { station: … }): The station id")) {
            try definition.validate(options: [:])
        }
        #expect(throws: IngestError.usage("the example-fm adapter has no option 'stations' (known: station)")) {
            try definition.validate(options: ["station": "x", "stations": "y"])
        }
        let adapter = try DeclarativeAdapter(
            definition: definition, settings: AdapterSettings(sourceName: "example-fm", options: ["station": "a b"]))
        #expect(try adapter.firstRequest(for: .unbounded).url.absoluteString == "https://api.example.fm/v1/stations/a%20b/plays?offset=0")
    }

    @Test func everyShippedFileLoadsAndTwoFilesCannotShareAName() throws {
        let shipped = try AdapterDirectory.load(Repo.adapters)
        #expect(shipped.map(\.name) == ["kcrw", "npr"])
        let twins = try AdapterDirectory.load(Repo.twins)
        #expect(twins.map(\.name) == ["abc", "kexp", "spinitron"])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("adapters-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Self.valid.write(to: directory.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try Self.valid.write(to: directory.appendingPathComponent("b.yml"), atomically: true, encoding: .utf8)
        #expect(throws: IngestError.self) { try AdapterDirectory.load(directory) }
    }
}
