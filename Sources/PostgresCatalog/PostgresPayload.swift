import Foundation
import IngestCore
import IngestEngine

/// Encodes a page's rows as one JSON document, bound as a single parameter and expanded
/// server-side with `json_to_recordset` (`json`, not `jsonb`: it is read once, and `json`
/// skips building the binary form). Nulls survive, and values stay bound.
enum PostgresPayload {
    static func json<T: Encodable>(_ rows: [T]) throws -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(rows), as: UTF8.self)
    }

    /// One refused play, for `radio_ingest_failed_plays`.
    struct FailureRecord: Encodable {
        var source: String
        var sourcePlayId: String
        var record: String
        var reason: String
        var runId: Int64?

        init(_ failure: FailedPlay) {
            source = failure.source
            sourcePlayId = failure.sourcePlayID
            record = failure.recordJSON
            reason = failure.reason
            runId = failure.runID
        }
    }

    /// One change a source made to a stored play, for `radio_ingest_play_revisions`.
    struct RevisionRecord: Encodable {
        var source: String
        var sourcePlayId: String
        var kind: String
        var title: String
        var artist: String
        var record: String?
        var runId: Int64?

        init(_ revision: PlayRevision) {
            source = revision.source
            sourcePlayId = revision.sourcePlayID
            kind = revision.kind.rawValue
            title = revision.title
            artist = revision.artist
            record = revision.recordJSON
            runId = revision.runID
        }
    }
}
