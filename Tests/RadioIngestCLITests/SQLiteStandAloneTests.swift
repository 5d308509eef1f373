import Foundation
import GRDB
import IngestTesting
import Testing

/// The SQLite file must stand alone: after any command ends, a copy of the `.sqlite` file
/// without its `-wal` holds every row.
@Suite struct SQLiteStandAloneTests {
    @Test func aCopyOfTheMainFileAloneHoldsEveryRowAfterARun() async throws {
        let server = try await FeedServer.start(GeneratedKEXPFeed(count: 120))
        let directory = try CLI.temporaryDirectory()
        let path = directory.appendingPathComponent("catalog.sqlite").path
        let run = try await CLI.run([
            "kexp", "--database-url", "sqlite:\(path)", "--base-url", server.apiRoot.absoluteString, "--polite-delay", "0",
        ])
        try await server.server.shutdown()
        #expect(run.status == 0, "\(run.stderr.suffix(800))")
        let copy = directory.appendingPathComponent("copy.sqlite").path
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let queue = try DatabaseQueue(path: copy)
        let plays = try await queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM external_plays") ?? 0 }
        let runs = try await queue.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM ingestion_runs WHERE status = 'complete'") ?? 0 }
        try queue.close()
        #expect(plays == GeneratedKEXPFeed(count: 120).validTrackRows.count)
        #expect(runs == 1)
    }
}
