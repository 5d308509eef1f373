import ABC
import Foundation
import IngestCore
import IngestTesting
import Testing

@Suite struct ABCAdapterTests {
    let adapter = ABCAdapter(station: "triplej")
    let jazz = ABCAdapter(station: "jazz")
    let unearthed = ABCAdapter(station: "unearthed")
    var fixtures: [AdapterFixture] {
        get throws { try AdapterFixture.load(directory: try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))) }
    }

    /// The recorded page (plays of eight services) as `station` reads it.
    func page(_ station: ABCAdapter? = nil) throws -> ParsedPage {
        let adapter = station ?? self.adapter
        return try adapter.parse(try fixtures[0].body, for: try adapter.firstRequest(for: .unbounded))
    }

    @Test func abcPassesTheAdapterTestKit() throws {
        let problems = AdapterConformance.check(
            adapter, fixtures: try fixtures, emptyPage: Data(#"{"total": 0, "offset": 0, "limit": 10, "items": []}"#.utf8))
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func mapsTheRecordedSearchResponse() throws {
        let plays = try page(jazz).records.compactMap { if case .track(let play) = $0 { play } else { nil } }
        #expect(plays.count == 1)
        let first = try #require(plays.first)
        #expect(first.sourcePlayID == "mpnvo0NA9L")
        #expect(first.title == "Blue in Green")
        #expect(first.artist == "Jim Snidero")
        #expect(first.album == "MD66")
        #expect(first.year == 2016)
        #expect(first.mbid == "11328517-1cce-4981-888b-f98cdeb0d7aa")
        #expect(Timestamp.format(first.airdate) == "2020-04-30T04:15:49.000000+00:00")
    }

    @Test func playsOfOtherServicesOnAMixedPageAreSkippedWithTheirReason() throws {
        let records = try page().records
        let tracks = records.compactMap { if case .track(let play) = $0 { play.sourcePlayID } else { nil } }
        #expect(tracks == ["mpraYpoa6r", "mpLq40Nyen"])
        let reasons = records.compactMap { if case .invalid(let reason) = $0 { reason } else { nil } }
        #expect(reasons.count == 8)
        #expect(reasons.contains(SkipReason(.otherStation, "a play of another ABC service (kidslisten), not triplej")))
        #expect(reasons.allSatisfy { $0.kind == .otherStation })
    }

    @Test func aStationTheAPIDoesNotKnowIsAClearError() throws {
        let error = #expect(throws: IngestError.self) { try self.page(ABCAdapter(station: "nosuchstation")) }
        #expect(error?.message.contains("the API does not know that station; check --station") == true)
    }

    @Test func aNullReleaseFallsBackToTheRecordingsRelease() throws {
        let plays = try page(unearthed).records.compactMap { if case .track(let play) = $0 { play } else { nil } }
        let play = try #require(plays.first { $0.sourcePlayID == "mpnNgPXaEL" })
        #expect(play.title == "My Hero")
        #expect(play.album == "My Hero", "the play's release is null: the recording's first release names the album")
        #expect(play.year == nil)
    }

    @Test func pagesByOffsetUntilTheTotal() throws {
        let request = try adapter.firstRequest(for: .unbounded)
        let next = try #require(try page().next)
        #expect(next.url.absoluteString.contains("offset=10"))
        let last = try adapter.parse(
            Data(
                #"{"total": 141, "offset": 140, "limit": 10, "items": [{"arid": "x", "played_time": "2020-04-30T04:00:00+00:00", "recording": {"title": "T", "artists": [{"name": "A", "type": "primary"}]}, "release": null}]}"#
                    .utf8), for: request)
        #expect(last.next == nil)
    }

    @Test func theArtistCreditJoinsPrimaryArtists() throws {
        let body = Data(
            #"{"total": 1, "offset": 0, "limit": 10, "items": [{"arid": "x", "played_time": "2020-04-30T04:00:00+00:00", "recording": {"title": "T", "artists": [{"name": "A", "type": "primary"}, {"name": "B", "type": "primary"}, {"name": "C", "type": "featured"}]}, "release": null}]}"#
                .utf8)
        guard case .track(let play) = try adapter.parse(body, for: try adapter.firstRequest(for: .unbounded)).records.first else {
            Issue.record("expected a track")
            return
        }
        #expect(play.artist == "A, B")
    }

    @Test func theStationIsRequiredAndChecked() {
        #expect(throws: IngestError.self) { try ABCFactory.make(AdapterSettings(sourceName: "abc")) }
        #expect(throws: IngestError.self) { try ABCFactory.make(AdapterSettings(sourceName: "abc", options: ["station": "Triple J"])) }
        #expect(throws: IngestError.self) {
            try ABCFactory.make(AdapterSettings(sourceName: "abc", options: ["station": "triplej", "colour": "red"]))
        }
        #expect((try? ABCFactory.make(AdapterSettings(sourceName: "abc", options: ["station": "triplej"])))?.sourceName == "abc-triplej")
    }
}
