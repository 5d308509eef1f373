import ABC
import DeclarativeAdapters
import Foundation
import IngestCore
import KEXP
import Spinitron
import Testing

/// The YAML twins of the Swift adapters read every recorded page exactly as the Swift adapters
/// do: the same records (ids, times to the microsecond, fields, invalid reasons) and the same
/// next request.
@Suite struct TwinTests {
    struct Pair {
        var swift: any StationAdapter
        var twin: DeclarativeAdapter
        var fixtures: String
    }

    static func pairs() throws -> [Pair] {
        let environment = ["SPINITRON_API_KEY": "s3cret"]
        return [
            Pair(swift: KEXPAdapter(), twin: try Repo.adapter(Repo.twins.appendingPathComponent("kexp.yaml")), fixtures: "kexp"),
            Pair(
                swift: ABCAdapter(station: "jazz"),
                twin: try Repo.adapter(Repo.twins.appendingPathComponent("abc.yaml"), options: ["station": "jazz"]), fixtures: "abc"),
            Pair(
                swift: SpinitronAdapter(sourceName: "spinitron", apiKey: "s3cret"),
                twin: try Repo.adapter(Repo.twins.appendingPathComponent("spinitron.yaml"), environment: environment),
                fixtures: "spinitron"),
        ]
    }

    @Test func everyRecordedPageParsesExactlyAsTheSwiftAdapterParsesIt() throws {
        var compared = 0
        for pair in try Self.pairs() {
            let directory = Repo.fixtures.appendingPathComponent(pair.fixtures)
            for file in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() {
                let body = try Data(contentsOf: directory.appendingPathComponent(file))
                let request = try pair.swift.firstRequest(for: .unbounded)
                let expected = try pair.swift.parse(body, for: request)
                let actual = try pair.twin.parse(body, for: request)
                #expect(actual.records.count == expected.records.count, "\(file)")
                for (index, (a, e)) in zip(actual.records, expected.records).enumerated() {
                    #expect(a == e, "\(file) record \(index)")
                }
                #expect(actual.next == expected.next, "\(file): next")
                #expect(!expected.plays.isEmpty, "\(file) has plays to compare")
                // The twin's own first request reads the page too (and finds every configured path).
                _ = try pair.twin.parse(body, for: try pair.twin.firstRequest(for: .unbounded))
                compared += 1
            }
        }
        #expect(compared == 3)
    }

    @Test func theFirstRequestAsksForTheSameWindowAndSendsTheSameHeaders() throws {
        let window = TimeWindow(start: Timestamp.parse("2024-01-01T08:00:00Z"), end: Timestamp.parse("2024-01-02T08:00:00.5Z"))
        for pair in try Self.pairs() {
            let swift = try pair.swift.firstRequest(for: window)
            let twin = try pair.twin.firstRequest(for: window)
            func parts(_ url: URL) -> (String, Set<URLQueryItem>) {
                let components = URLComponents(url: url, resolvingAgainstBaseURL: false)!
                return (components.path, Set(components.queryItems ?? []))
            }
            #expect(parts(twin.url).0 == parts(swift.url).0, "\(pair.fixtures)")
            #expect(parts(twin.url).1 == parts(swift.url).1, "\(pair.fixtures)")
            #expect(twin.headers == swift.headers, "\(pair.fixtures)")
            #expect(twin.secretHeaderNames == swift.secretHeaderNames, "\(pair.fixtures)")
            #expect(pair.twin.sourceName == pair.swift.sourceName)
            #expect(pair.twin.timeZone == pair.swift.timeZone)
            #expect(pair.twin.lookback == pair.swift.lookback)
        }
    }

    @Test func twinsPassTheAdapterTestKit() throws {
        let empties = [
            "kexp": #"{"next": null, "results": []}"#, "abc": #"{"total": 0, "offset": 0, "items": []}"#,
            "spinitron": #"{"items": [], "_links": {}}"#,
        ]
        for pair in try Self.pairs() {
            let fixtures = try AdapterFixture.load(directory: Repo.fixtures.appendingPathComponent(pair.fixtures))
            let problems = AdapterConformance.check(pair.twin, fixtures: fixtures, emptyPage: Data(empties[pair.fixtures]!.utf8))
            #expect(problems.isEmpty, "\(pair.fixtures): \(problems)")
        }
    }
}
