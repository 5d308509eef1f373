import Foundation
import IngestCore
import IngestTesting
import KEXP
import Testing

@Suite struct KEXPAdapterTests {
    let adapter = KEXPAdapter()
    let request = PageRequest(url: URL(string: "https://api.kexp.org/v2/plays/?limit=20")!)

    func fixture() throws -> Data {
        let url = try #require(
            Bundle.module.url(forResource: "v2-plays-page-2020-03-03-limit20-offset0", withExtension: "json", subdirectory: "Fixtures"))
        return try Data(contentsOf: url)
    }

    @Test func parsesTheRecordedPageIntoTracksAndAirbreaks() throws {
        let page = try adapter.parse(try fixture(), for: request)
        let tracks = page.records.compactMap { if case .track(let play) = $0 { play } else { nil } }
        #expect(page.records.count == 20)
        #expect(tracks.count == 15)
        #expect(page.records.filter { $0 == .nonTrack }.count == 5)
        #expect(page.next?.url.absoluteString == "https://api.kexp.org/v2/plays/?limit=20&offset=20")
    }

    @Test func mapsTheSpecsFields() throws {
        let page = try adapter.parse(try fixture(), for: request)
        guard case .track(let play) = page.records[1] else { Issue.record("second row is a track"); return }
        #expect(play.sourcePlayID == "2707638")
        #expect(play.title == "Sanzara")
        #expect(play.artist == "Omar Sosa & Yilian Cañizares")
        #expect(play.album == "Aguas")
        #expect(play.year == 2018)
        #expect(play.mbid == nil)
        #expect(Timestamp.format(play.airdate) == "2020-03-04T04:44:20.000000+00:00")
    }

    @Test func parsesSixDigitFractionalAirdates() throws {
        let page = try adapter.parse(try fixture(), for: request)
        let ids = Dictionary(
            uniqueKeysWithValues: page.records.compactMap { record -> (String, Date)? in
                if case .track(let play) = record { return (play.sourcePlayID, play.airdate) }
                return nil
            })
        #expect(ids["2707633"].map(Timestamp.format) == "2020-03-04T04:24:50.028000+00:00")
        #expect(ids["2707630"].map(Timestamp.format) == "2020-03-04T04:14:46.725000+00:00")
    }

    @Test func placeholderReleaseDateMeansUnknownYear() throws {
        let body = Data(
            #"{"next":null,"results":[{"id":1,"airdate":"2020-03-03T20:00:00-08:00","play_type":"trackplay","song":"S","artist":"A","release_date":"1950-01-01","brand_new_field":{"x":1}}]}"#
                .utf8)
        let page = try adapter.parse(body, for: request)
        guard case .track(let play) = page.records.first else { Issue.record("expected a track"); return }
        #expect(play.year == nil)
        #expect(page.next == nil)
    }

    @Test func aRowWithAWrongTypeIsInvalidAndDoesNotPoisonThePage() throws {
        let body = Data(
            #"{"next":null,"results":[{"id":1,"airdate":"2020-03-03T20:00:00-08:00","play_type":"trackplay","song":123,"artist":"A"},{"id":2,"airdate":"2020-03-03T19:00:00-08:00","play_type":"trackplay","song":"Fine","artist":"A"}]}"#
                .utf8)
        let page = try adapter.parse(body, for: request)
        #expect(page.records.count == 2)
        if case .invalid = page.records[0] {} else { Issue.record("first row should be invalid") }
        if case .track(let play) = page.records[1] { #expect(play.title == "Fine") } else { Issue.record("second row should be a track") }
    }

    @Test(arguments: ["", "not json", #"{"results": 5}"#, "[1,2]"])
    func aBodyThatIsNotAPageIsAClearError(body: String) {
        #expect(throws: IngestError.self) { try adapter.parse(Data(body.utf8), for: request) }
        do { _ = try adapter.parse(Data(body.utf8), for: request) } catch let error as IngestError {
            #expect(error.category == .malformedPage)
            #expect(error.message.contains("KEXP"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func windowsGoOutAsAirdateFiltersWithExplicitUTCOffsets() throws {
        let window = TimeWindow(start: Timestamp.parse("2025-01-01T08:00:00Z"), end: Timestamp.parse("2025-01-02T08:00:00Z"))
        let url = try adapter.firstRequest(for: window).url
        let items = Dictionary(
            uniqueKeysWithValues: (URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? []).map {
                ($0.name, $0.value ?? "")
            })
        #expect(url.absoluteString.hasPrefix("https://api.kexp.org/v2/plays/?"))
        #expect(items["limit"] == "200")
        #expect(items["ordering"] == "-airdate")
        #expect(items["airdate_before"] == "2025-01-02T08:00:00.000000+00:00")
        #expect(items["airdate_after"] == "2025-01-01T08:00:00.000000+00:00")
        #expect(items["before"] == nil)
        #expect(url.absoluteString.contains("%2B00:00"))
    }
}

@Suite struct KEXPConformanceTests {
    @Test func kexpPassesTheAdapterTestKit() throws {
        let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let problems = AdapterConformance.check(
            KEXPAdapter(), fixtures: try AdapterFixture.load(directory: directory),
            emptyPage: Data(#"{"next": null, "previous": null, "results": []}"#.utf8))
        #expect(problems.isEmpty, "\(problems)")
    }
}
