import DeclarativeAdapters
import Foundation
import IngestCore
import Testing

/// NPR Composer and KCRW, written only in YAML, on their recorded pages.
@Suite struct StationFileTests {
    static let npr = Repo.adapters.appendingPathComponent("npr.yaml")
    static let kcrw = Repo.adapters.appendingPathComponent("kcrw.yaml")
    static let wwfm = "53a98e36e1c80647e855fc88"

    func nprAdapter() throws -> DeclarativeAdapter { try Repo.adapter(Self.npr, options: ["station": Self.wwfm]) }

    @Test func nprReadsEveryPlayOfARecordedDayNewestFirst() throws {
        let adapter = try nprAdapter()
        for (file, count) in [("npr/wwfm-day-2016-07-31.json", 54), ("npr/wcrb-day-2016-07-31.json", 60)] {
            let page = try adapter.parse(try Repo.fixture(file), for: try adapter.firstRequest(for: .unbounded))
            #expect(page.plays.count == count, "\(file)")
            #expect(page.records.count == count, "\(file): no invalid rows")
            #expect(zip(page.plays, page.plays.dropFirst()).allSatisfy { $0.airdate >= $1.airdate }, "\(file): newest first")
            #expect(Set(page.plays.map(\.sourcePlayID)).count == count)
        }
    }

    @Test func nprClassicalCreditsThePerformerAndKeepsTheComposerInTheTitle() throws {
        let adapter = try nprAdapter()
        let plays = try adapter.parse(try Repo.fixture("npr/wwfm-day-2016-07-31.json"), for: try adapter.firstRequest(for: .unbounded))
            .plays
        let byID = Dictionary(uniqueKeysWithValues: plays.map { ($0.sourcePlayID, $0) })
        // The first play of the day: a soloist in artistName, local midnight in New York.
        let first = try #require(plays.last)
        #expect(first.title == "Francis Poulenc: Flute Sonata")
        #expect(first.artist == "Nicole Esposito, flute")
        #expect(first.airdate == Timestamp.parse("2016-07-31T04:00:00Z"))
        #expect(first.year == 2015)
        // No artistName: the ensemble is the artist.
        let consort = try #require(byID["578e7bb30f26289768c4011b"])
        #expect(consort.artist == "Baltimore Consort")
        #expect(consort.title == "Anonymous: Flowers of the Forest")
        #expect(consort.airdate == Timestamp.parse("2016-07-31T05:01:10Z"))
        #expect(plays.allSatisfy { !$0.artist.isEmpty && !$0.title.isEmpty })
    }

    @Test func nprWalksOneStationLocalDayAtATimeAndStopsAtTheWindowsFirstDay() throws {
        let adapter = try nprAdapter()
        let zone = TimeZone(identifier: "America/New_York")!
        let window = TimeWindow(
            start: Timestamp.parseUserDate("2016-07-30", timeZone: zone), end: Timestamp.parseUserDate("2016-08-01", timeZone: zone))
        let first = try adapter.firstRequest(for: window)
        #expect(first.url.absoluteString.hasPrefix("https://api.composer.nprstations.org/v1/widget/\(Self.wwfm)/day?"))
        #expect(query(first)["date"] == "2016-07-31")
        #expect(query(first)["format"] == "json")
        let day = try adapter.parse(try Repo.fixture("npr/wwfm-day-2016-07-31.json"), for: first)
        let previous = try #require(day.next)
        #expect(query(previous)["date"] == "2016-07-30")
        #expect(day.continuesWhenEmpty)
        // The window's first day ends the walk, even when it is empty.
        let empty = try adapter.parse(Data(#"{"onToday": []}"#.utf8), for: previous)
        #expect(empty.next == nil)
    }

    @Test func aBackfillWithNoStartStopsAfterTwoWeeksOfEmptyDays() throws {
        let adapter = try nprAdapter()
        var request = try adapter.firstRequest(for: TimeWindow(end: Timestamp.parse("2016-08-01T04:00:00Z")))
        var days: [String] = []
        while days.count < 100 {
            days.append(query(request)["date"] ?? "")
            guard let next = try adapter.parse(Data(#"{"onToday": [{"playlist": null}]}"#.utf8), for: request).next else { break }
            request = next
        }
        #expect(days.count == 14)
        #expect(days.first == "2016-07-31")
        #expect(days.last == "2016-07-18")
    }

    @Test func kcrwReadsTheRecordedElementAndPagesWithinADay() throws {
        let adapter = try Repo.adapter(Self.kcrw, pageSize: 1)
        // The recorded element is one item of the API's bare list.
        let element = try Repo.fixture("kcrw/music-all-single-play-2026-01-27-from-readme.json")
        let body = Data("[".utf8) + element + Data("]".utf8)
        let window = TimeWindow(start: Timestamp.parse("2026-01-26T08:00:00Z"), end: Timestamp.parse("2026-01-28T08:00:00Z"))
        let first = try adapter.firstRequest(for: window)
        #expect(first.url.path == "/Simulcast/date/2026/01/27")
        #expect(query(first)["page"] == "1")
        #expect(adapter.sourceName == "kcrw-Simulcast")
        let page = try adapter.parse(body, for: first)
        let play = try #require(page.plays.first)
        #expect(play.sourcePlayID == "997040")
        #expect(play.title == "The Last Chance Texaco")
        #expect(play.artist == "Rickie Lee Jones")
        #expect(play.album == "Rickie Lee Jones")
        #expect(play.year == nil)
        #expect(play.airdate == Timestamp.parse("2026-01-27T13:38:41Z"))
        // A full page (page_size 1) asks for page 2 of the same day; a short one moves to the day before.
        let second = try #require(page.next)
        #expect(second.url.path == "/Simulcast/date/2026/01/27")
        #expect(query(second)["page"] == "2")
        let dayBefore = try #require(try adapter.parse(Data("[]".utf8), for: second).next)
        #expect(dayBefore.url.path == "/Simulcast/date/2026/01/26")
        #expect(query(dayBefore)["page"] == "1")
    }

    @Test func aConfigEntrysNameIsTheSourceName() throws {
        let definition = try Repo.definition(Self.kcrw)
        var settings = AdapterSettings(sourceName: "kcrw")
        #expect(try DeclarativeAdapter(definition: definition, settings: settings).sourceName == "kcrw-Simulcast")
        settings.namesTheSource = true  // sources.kcrw in a config
        #expect(try DeclarativeAdapter(definition: definition, settings: settings).sourceName == "kcrw")
    }

    @Test func stationFilesPassTheAdapterTestKit() throws {
        let npr = try nprAdapter()
        let nprProblems = AdapterConformance.check(
            npr, fixtures: try AdapterFixture.load(directory: Repo.fixtures.appendingPathComponent("npr")),
            emptyPage: Data(#"{"onToday": []}"#.utf8), windowBounds: false)
        // A day's empty page moves to the day before, by design; nothing else may be reported.
        #expect(nprProblems == ["the empty page asks for another page, so paging may never end"])
    }

    func query(_ request: PageRequest) -> [String: String] {
        let items = URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.queryItems ?? []
        return Dictionary(items.map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
    }
}
