import Foundation
import IngestCore
import Logging

/// `radio-ingest failed retry`: writes the plays the catalog refused once more, now that the
/// cause may be fixed. A play stored (or found stored already) leaves the failed-plays table;
/// one refused again stays, with the new reason and one more attempt. Checkpoints are not
/// touched: the ledger already counts these plays' stretch as read.
public enum FailedPlayRetry {
    /// What a retry did.
    public struct Outcome: Sendable, Equatable, Codable {
        public var retried = 0
        public var stored = 0
        public var stillFailing = 0
        public init() {}
        enum CodingKeys: String, CodingKey { case retried, stored, stillFailing = "still_failing" }
    }

    /// Retries every kept play, or those of `source`, a page at a time.
    public static func run(store: any CatalogStore, source: String?, logger: Logger, pageSize: Int = 200) async throws -> Outcome {
        try await store.migrate()
        _ = try await store.catalogSchema()
        try await store.prepareForMatching(readOnly: false)
        var outcome = Outcome()
        let failures = try await store.failedPlays(source: source, limit: Int.max / 2)
        var writer = PageWriter(store: store, logger: logger)
        writer.clearsFailures = true
        for (name, kept) in Dictionary(grouping: failures, by: \.source).sorted(by: { $0.key < $1.key }) {
            var start = 0
            while start < kept.count {
                let chunk = kept[start..<min(start + pageSize, kept.count)]
                start += pageSize
                let plays = try chunk.map { try $0.play() }
                let dispositions = try await writer.commit(PageBatch(source: name, plays: plays, checkpoint: nil))
                outcome.retried += plays.count
                for disposition in dispositions {
                    if case .failed = disposition { outcome.stillFailing += 1 } else { outcome.stored += 1 }
                }
            }
        }
        return outcome
    }
}
