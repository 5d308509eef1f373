import Foundation
import IngestCore
import IngestTesting
import Spinitron
import Testing

@Suite struct SpinitronAdapterTests {
    let adapter = SpinitronAdapter(sourceName: "wcbn", apiKey: "test-key")
    var fixtures: [AdapterFixture] {
        get throws { try AdapterFixture.load(directory: try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))) }
    }

    @Test func spinitronPassesTheAdapterTestKit() throws {
        let problems = AdapterConformance.check(
            adapter, fixtures: try fixtures, emptyPage: Data(#"{"items": [], "_links": {"self": {"href": "x"}}}"#.utf8))
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func mapsSpinsWithColonlessOffsetsAndISRC() throws {
        let page = try adapter.parse(try fixtures[0].body, for: try adapter.firstRequest(for: .unbounded))
        let plays = page.records.compactMap { if case .track(let play) = $0 { play } else { nil } }
        #expect(plays.count == 3)
        let first = try #require(plays.first)
        #expect(first.sourcePlayID == "373483444")
        #expect(first.title == "Subwoofer Lullaby")
        #expect(first.artist == "C418")
        #expect(first.album == "Minecraft - Volume Alpha")
        #expect(first.isrc == "TCAAW1157071")
        #expect(first.year == 2011)
        #expect(Timestamp.format(first.airdate) == "2024-02-16T18:56:10.000000+00:00")
    }

    @Test func followsNextByPageNumberKeepingTheWindow() throws {
        let window = TimeWindow(start: Timestamp.parse("2024-02-16T00:00:00Z"), end: Timestamp.parse("2024-02-17T00:00:00Z"))
        let request = try adapter.firstRequest(for: window)
        let next = try #require(try adapter.parse(try fixtures[0].body, for: request).next)
        let items = Dictionary(
            uniqueKeysWithValues: URLComponents(url: next.url, resolvingAgainstBaseURL: false)!.queryItems!.map {
                ($0.name, $0.value ?? "")
            })
        #expect(items["page"] == "2")
        #expect(items["count"] == "200")
        #expect(items["start"] == "2024-02-16T00:00:00.000000+00:00")
        #expect(next.headers["Authorization"] == "Bearer test-key")
    }

    @Test func theKeyIsSentAsBearerAndNeverShownInURLs() throws {
        let request = try adapter.firstRequest(for: .unbounded)
        #expect(request.headers["Authorization"] == "Bearer test-key")
        #expect(request.secretHeaderNames.contains("Authorization"))
        #expect(!request.redactedURL.contains("test-key"))
    }

    @Test func aMissingKeyIsAClearError() {
        #expect {
            _ = try SpinitronFactory.make(AdapterSettings(sourceName: "wcbn", options: ["api_key_env": "WCBN_KEY"], environment: [:]))
        } throws: { error in
            (error as? IngestError)?.message == "the spinitron source 'wcbn' needs its station's API key in $WCBN_KEY"
        }
        #expect(
            (try? SpinitronFactory.make(
                AdapterSettings(sourceName: "wcbn", options: ["api_key_env": "WCBN_KEY"], environment: ["WCBN_KEY": "k"]))) != nil)
    }
}
