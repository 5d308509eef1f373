import ABC
import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import Logging
import SQLiteCatalog
import Spinitron
import Testing

/// ABC and Spinitron through the unchanged engine and a real SQLite file.
@Suite struct OtherAdapterIngestTests {
    static func fixture(_ path: String) throws -> Data {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        return try Data(contentsOf: root.appendingPathComponent(path))
    }

    func ingest(_ adapter: any StationAdapter) async throws -> (RunSummary, TestCatalog) {
        let catalog = try await TestCatalog.make(.sqlite)
        let store = try catalog.open()
        let logger = Logger(label: "test")
        let fetcher = PageFetcher(sleep: { _ in })
        let summary = await IngestEngine(fetcher: fetcher, logger: logger).run(
            adapter, into: store, options: RunOptions(politeDelay: .zero))
        await store.close()
        return (summary, catalog)
    }

    @Test func abcPlaysLandWithTheirMusicBrainzIDs() async throws {
        let body = try Self.fixture("ABCTests/Fixtures/jazz-plays-search-2020-04-30-limit10.json")
        // The recorded page says total 142; the server ends the search after it.
        let end = Data(#"{"total": 10, "offset": 10, "limit": 10, "items": []}"#.utf8)
        let server = try await FakeStationServer.start { request in request.query["offset"] == "0" ? .json(body) : .json(end) }
        let (summary, catalog) = try await ingest(ABCAdapter(station: "jazz", baseURL: server.baseURL.appendingPathComponent("api/v1")))
        defer { catalog.remove() }
        try await server.shutdown()
        #expect(summary.status == .complete, "\(summary.error ?? "")")
        // The recorded page mixes eight services: only ABC Jazz's play lands under abc-jazz.
        #expect(summary.counters.provenanceInserted == 1)
        #expect(summary.counters.skippedInvalid == 9)
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays") == 1)
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays WHERE source = 'abc-jazz' AND mbid IS NOT NULL") == 1)
        #expect(server.requests.first?.query["station"] == "jazz")
    }

    @Test func spinitronSendsTheKeyAndPagesToTheEnd() async throws {
        let body = try Self.fixture("SpinitronTests/Fixtures/wcbn-spins-page1-2024-02-16-trimmed.json")
        let end = Data(#"{"items": [], "_links": {}}"#.utf8)
        let server = try await FakeStationServer.start { request in
            guard request.headers["authorization"] == "Bearer s3cret" else { return .status(401) }
            return request.query["page"] == "1" ? .json(body) : .json(end)
        }
        let adapter = SpinitronAdapter(sourceName: "wcbn", apiKey: "s3cret", baseURL: server.baseURL.appendingPathComponent("api"))
        let (summary, catalog) = try await ingest(adapter)
        defer { catalog.remove() }
        #expect(summary.status == .complete, "\(summary.error ?? "")")
        #expect(summary.counters.provenanceInserted == 3)
        #expect(try await catalog.scalar("SELECT count(*) FROM external_plays WHERE isrc IS NOT NULL") == 3)

        let rejected = SpinitronAdapter(sourceName: "wcbn2", apiKey: "wrong", baseURL: server.baseURL.appendingPathComponent("api"))
        let (failed, other) = try await ingest(rejected)
        defer { other.remove() }
        try await server.shutdown()
        #expect(failed.status == .failed)
        #expect(failed.error?.contains("HTTP 401") == true && failed.error?.contains("API key") == true)
        #expect(failed.error?.contains("wrong") == false)
    }
}
