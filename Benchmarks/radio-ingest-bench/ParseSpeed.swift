import DeclarativeAdapters
import Foundation
import IngestCore
import IngestTesting
import KEXP

/// The declarative path must not be the bottleneck: KEXP pages parsed by the Swift adapter and
/// by its YAML twin (config/adapters/twins/kexp.yaml), the same pages, many times over.
enum ParseSpeed {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func measure() async throws {
        let twinFile = root.appendingPathComponent("config/adapters/twins/kexp.yaml")
        let twin = try DeclarativeAdapter(
            definition: try DefinitionReader.load(path: twinFile.path), settings: AdapterSettings(sourceName: "kexp"))
        let swift = KEXPAdapter()
        let feed = FeedProcess.feed(plays: 2_000)
        guard
            case .reply(_, _, let generated) = feed.respond(
                to: FakeRequest(path: "/v2/plays/", query: ["limit": "200"]), baseURL: URL(string: "http://127.0.0.1")!)
        else { return }
        let recorded = try Data(
            contentsOf: root.appendingPathComponent("Tests/KEXPTests/Fixtures/v2-plays-page-2020-03-03-limit20-offset0.json"))
        for (label, body, rounds) in [("generated 200-row page", generated, 300), ("recorded 20-row page", recorded, 3_000)] {
            let request = try swift.firstRequest(for: .unbounded)
            var swiftRecords = 0, twinRecords = 0
            // Alternate the two, three times each, and keep each one's best: the VM's noise is large.
            var swiftBest = Double.infinity, twinBest = Double.infinity
            for _ in 0..<3 {
                swiftBest = min(
                    swiftBest,
                    try await seconds { for _ in 0..<rounds { swiftRecords += try swift.parse(body, for: request).records.count } })
                twinBest = min(
                    twinBest, try await seconds { for _ in 0..<rounds { twinRecords += try twin.parse(body, for: request).records.count } })
            }
            precondition(swiftRecords == twinRecords, "the twin read a different number of records")
            let rows = Double(swiftRecords / 3)
            print(
                String(
                    format:
                        "parse, %@: Swift adapter %.0f rows/s (%.2f ms a page), YAML twin %.0f rows/s (%.2f ms a page): the twin takes %.2fx the Swift time",
                    label, rows / swiftBest, swiftBest * 1000 / Double(rounds), rows / twinBest, twinBest * 1000 / Double(rounds),
                    twinBest / swiftBest))
        }
    }
}
