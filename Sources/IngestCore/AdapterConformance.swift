import Foundation

/// The battery every adapter's tests run against its recorded fixtures, whatever the test
/// framework: it returns the problems it finds, and the test expects none.
///
/// ```swift
/// @Test func kexpConformsToTheAdapterContract() throws {
///     let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
///     let problems = AdapterConformance.check(KEXPAdapter(), fixtures: try AdapterFixture.load(directory: directory),
///                                             emptyPage: Data(#"{"next": null, "results": []}"#.utf8))
///     #expect(problems.isEmpty, "\(problems)")
/// }
/// ```
///
/// What it checks:
/// - every fixture parses, and has at least one track;
/// - play ids are unique across all fixtures;
/// - times carry offsets (no record is skipped as `.unparseableTime`) and come in the declared order;
/// - paging terminates: a page's next request differs from its own, and an empty page ends the walk;
/// - windows are honoured: the first request for a window carries both bounds as RFC 3339
///   timestamps with explicit offsets (skipped with `windowBounds: false`, for a day-addressed
///   API that is asked for days, not instants);
/// - malformed bodies (not JSON, the wrong shape, truncated) throw `IngestError.malformedPage`.
public enum AdapterConformance {
    public static func check(
        _ adapter: any StationAdapter, fixtures: [AdapterFixture], emptyPage: Data, windowBounds: Bool = true
    ) -> [String] {
        var problems: [String] = []
        if fixtures.isEmpty { problems.append("no fixtures given") }
        var seenIDs: [String: String] = [:]
        for fixture in fixtures {
            let request = (try? adapter.firstRequest(for: .unbounded)) ?? PageRequest(url: URL(string: "http://127.0.0.1/")!)
            let page: ParsedPage
            do {
                page = try adapter.parse(fixture.body, for: request)
            } catch {
                problems.append("\(fixture.name): does not parse: \(error)")
                continue
            }
            let plays = page.records.compactMap { record -> Play? in if case .track(let play) = record { play } else { nil } }
            if plays.isEmpty { problems.append("\(fixture.name): no track plays") }
            for case .invalid(let reason) in page.records where reason.kind == .unparseableTime {
                problems.append("\(fixture.name): a time without a usable offset: \(reason)")
            }
            for play in plays {
                if let other = seenIDs.updateValue(fixture.name, forKey: play.sourcePlayID) {
                    problems.append("\(fixture.name): play id \(play.sourcePlayID) also in \(other)")
                }
            }
            for (a, b) in zip(plays, plays.dropFirst()) {
                let ordered = adapter.order == .newestFirst ? a.airdate >= b.airdate : a.airdate <= b.airdate
                if !ordered {
                    problems.append("\(fixture.name): play \(b.sourcePlayID) breaks the declared \(adapter.order.rawValue) order")
                }
            }
            if let next = page.next, next.url == request.url {
                problems.append("\(fixture.name): the next request repeats the current one, so paging would never end")
            }
        }
        problems += checkEmptyPage(adapter, emptyPage) + (windowBounds ? checkWindows(adapter) : [])
        problems += checkMalformed(adapter, sample: fixtures.first?.body, emptyPage: emptyPage)
        return problems
    }

    static func checkEmptyPage(_ adapter: any StationAdapter, _ body: Data) -> [String] {
        let request = (try? adapter.firstRequest(for: .unbounded)) ?? PageRequest(url: URL(string: "http://127.0.0.1/")!)
        do {
            let page = try adapter.parse(body, for: request)
            var problems: [String] = []
            if !page.records.isEmpty { problems.append("the empty page yields records") }
            if page.next != nil { problems.append("the empty page asks for another page, so paging may never end") }
            return problems
        } catch {
            return ["the empty page does not parse: \(error)"]
        }
    }

    static func checkWindows(_ adapter: any StationAdapter) -> [String] {
        let start = Timestamp.parse("2024-01-01T08:00:00Z")!
        let end = Timestamp.parse("2024-01-02T08:00:00Z")!
        guard let request = try? adapter.firstRequest(for: TimeWindow(start: start, end: end)) else {
            return ["firstRequest(for:) throws for a plain window"]
        }
        let values = URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.queryItems?.compactMap(\.value) ?? []
        let dates = Set(values.compactMap(Timestamp.parse))
        var problems: [String] = []
        if !dates.contains(start) {
            problems.append("the window's start is not in the first request with an explicit offset: \(request.redactedURL)")
        }
        if !dates.contains(end) {
            problems.append("the window's end is not in the first request with an explicit offset: \(request.redactedURL)")
        }
        return problems
    }

    static func checkMalformed(_ adapter: any StationAdapter, sample: Data?, emptyPage: Data) -> [String] {
        let request = (try? adapter.firstRequest(for: .unbounded)) ?? PageRequest(url: URL(string: "http://127.0.0.1/")!)
        var bodies: [(String, Data)] = [
            ("an HTML page", Data("<html>maintenance</html>".utf8)), ("a JSON array", Data("[]".utf8)),
            ("an empty body", Data()),
        ]
        if let sample, sample.count > 10 { bodies.append(("a truncated page", sample.prefix(sample.count / 2))) }
        // A source whose pages are bare lists sends `[]` as its empty page: not malformed there.
        return bodies.filter { $0.1 != emptyPage }.compactMap { label, body in
            do {
                _ = try adapter.parse(body, for: request)
                return "\(label) parses instead of failing"
            } catch let error as IngestError where error.category == .malformedPage {
                return nil
            } catch {
                return "\(label) fails with \(type(of: error)) instead of IngestError.malformedPage"
            }
        }
    }
}

/// A recorded response body and its file name.
public struct AdapterFixture: Sendable {
    public var name: String
    public var body: Data

    public init(name: String, body: Data) {
        self.name = name
        self.body = body
    }

    /// Every `.json` file of `directory` (except `manifest.json`), sorted by name.
    public static func load(directory: URL) throws -> [AdapterFixture] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") && $0 != "manifest.json" }.sorted()
            .map { AdapterFixture(name: $0, body: try Data(contentsOf: directory.appendingPathComponent($0))) }
    }
}
