import Foundation
import IngestCore

/// A catalog song found by one of a page's MBIDs, ISRCs or match keys.
public struct SongHit: Sendable, Equatable {
    public enum Kind: Sendable { case mbid, isrc, key }
    public var kind: Kind
    /// The MBID, ISRC or key that was looked up.
    public var value: String
    public var songID: String

    public init(kind: Kind, value: String, songID: String) {
        self.kind = kind
        self.value = value
        self.songID = songID
    }
}

/// What the catalog holds of a stored play, to notice a source's later edits.
public struct StoredPlay: Sendable, Equatable {
    public var title: String
    public var artist: String
    public init(title: String, artist: String) {
        self.title = title
        self.artist = artist
    }
}

/// A change a source made to a play after it was stored: a new title or artist (`edited`), or
/// the play gone from the source (`withdrawn`). Kept beside the untouched provenance row.
public struct PlayRevision: Sendable, Equatable {
    public enum Kind: String, Sendable { case edited, withdrawn }
    public var source: String
    public var sourcePlayID: String
    public var kind: Kind
    /// The source's new version (`edited`), as JSON (``FailedPlay/encode(_:)``); `nil` when withdrawn.
    public var recordJSON: String?
    public var title: String
    public var artist: String
    public var runID: Int64?

    public init(source: String, sourcePlayID: String, kind: Kind, recordJSON: String?, title: String, artist: String, runID: Int64?) {
        self.source = source
        self.sourcePlayID = sourcePlayID
        self.kind = kind
        self.recordJSON = recordJSON
        self.title = title
        self.artist = artist
        self.runID = runID
    }
}

/// Keys a preview computed for catalog songs that hold none yet (a dry run cannot store them),
/// kept outside the catalog in a scratch file and looked up page by page: a preview of an
/// unkeyed catalog of millions of songs holds no per-song memory.
public protocol PreviewKeys: Sendable {
    /// Remembers a batch's keys, oldest songs first: a key remembered before keeps its song.
    func remember(_ assignments: [SongKeying.Assignment]) async throws
    /// The songs holding `keys`, by key.
    func songIDs(holding keys: [String]) async throws -> [String: String]
}

extension PreviewKeys {
    /// Remembers a batch of unkeyed songs (oldest first) with their computed `keys`; returns
    /// how many songs the batch had.
    public func remember(_ songs: [SongKeying.Unkeyed], keys: [String?]) async throws -> Int {
        try await remember(SongKeying.assign(songs, keys: keys, taken: []))
        return songs.count
    }
}

extension Array where Element == SongHit {
    /// These hits plus, for `keys` no hit holds, the songs `preview` gives them.
    public func addingPreview(_ preview: (any PreviewKeys)?, for keys: [String]) async throws -> [SongHit] {
        guard let preview else { return self }
        let found = Set(filter { $0.kind == .key }.map(\.value))
        let missing = keys.filter { !found.contains($0) }
        guard !missing.isEmpty else { return self }
        let ids = try await preview.songIDs(holding: missing)
        return self + missing.compactMap { key in ids[key].map { SongHit(kind: .key, value: key, songID: $0) } }
    }
}

/// A play the catalog refused, kept with its record and the reason until it is stored.
public struct FailedPlay: Sendable, Equatable {
    public var source: String
    public var sourcePlayID: String
    /// The play as parsed, as JSON (``FailedPlay/encode(_:)``).
    public var recordJSON: String
    public var reason: String
    public var runID: Int64?
    public var attempts: Int
    public var lastFailedAt: Date?

    public init(
        source: String, sourcePlayID: String, recordJSON: String, reason: String, runID: Int64?, attempts: Int = 1,
        lastFailedAt: Date? = nil
    ) {
        self.source = source
        self.sourcePlayID = sourcePlayID
        self.recordJSON = recordJSON
        self.reason = reason
        self.runID = runID
        self.attempts = attempts
        self.lastFailedAt = lastFailedAt
    }

    /// A play as JSON with its airdate in RFC 3339 (microseconds), for the failed-plays table.
    public static func encode(_ play: Play) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return (try? String(decoding: encoder.encode(play), as: UTF8.self)) ?? "{}"
    }

    /// The play back from its JSON.
    public func play() throws -> Play {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = Timestamp.parse(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a timestamp: \(text)"))
            }
            return date
        }
        do {
            return try decoder.decode(Play.self, from: Data(recordJSON.utf8))
        } catch {
            throw IngestError.storage("the failed play \(source)/\(sourcePlayID) has an unreadable record")
        }
    }
}

/// What the ``PageWriter`` asks of a store inside one transaction: look-ups and inserts, each
/// one statement or a few, with nothing decided here. A store implements this with its own SQL.
///
/// Every method may throw the database's own error; the writer asks the store
/// (``CatalogStore/rejectionReason(_:)``) whether it refused a row or failed as a whole.
public protocol CatalogSession {
    /// The catalog's layout, detected at start.
    var schema: CatalogSchema { get }
    /// Which of `ids` are already stored for `source`, with their title and artist.
    func storedPlays(source: String, among ids: [String]) async throws -> [String: StoredPlay]
    /// Songs holding any of these MBIDs (lowercased), ISRCs or match keys; for MBIDs and ISRCs
    /// the oldest song first.
    func findSongs(mbids: [String], isrcs: [String], keys: [String]) async throws -> [SongHit]
    /// ``storedPlays(source:among:)`` and ``findSongs(mbids:isrcs:keys:)`` together: a store
    /// may answer both in one statement (one round trip per page fewer).
    func lookUp(source: String, playIDs: [String], mbids: [String], isrcs: [String], keys: [String]) async throws -> PageLookUp
    /// Inserts new songs with their match keys. A song whose key another song took first is not
    /// inserted. Returns, for each song inserted, the id it was planned with → its stored id.
    func insertSongs(_ songs: [PagePlan.NewSong]) async throws -> [String: String]
    /// The songs holding `keys`, by key.
    func songIDs(holdingKeys keys: [String]) async throws -> [String: String]
    /// Inserts provenance rows and returns the play ids inserted. With `checkingConflicts`,
    /// plays already stored are skipped. Without it, the page's look-up (in this transaction)
    /// found none of them stored: a store may insert without the per-row conflict check and
    /// fail, with an error ``CatalogStore/isPlayConflict(_:)`` recognises, when another writer
    /// stored one of them since; the writer then writes the page again, checking.
    func insertPlays(_ rows: [PagePlan.PlayRow], source: String, checkingConflicts: Bool) async throws -> Set<String>
    /// Saves a source's checkpoint (`ingestion_checkpoints`) and, with `run`, the run's
    /// counters. The transaction renewed the run's lease as it began
    /// (``CatalogStore/withWriteSession(renewing:_:)``).
    func saveCheckpoint(_ checkpoint: Checkpoint, run: RunProgress?) async throws
    /// Keeps plays the catalog refused (or counts another failure of ones already kept).
    func recordFailures(_ failures: [FailedPlay]) async throws
    /// Keeps changes a source made to stored plays; returns how many were not known before.
    func recordRevisions(_ revisions: [PlayRevision]) async throws -> Int
    /// Forgets kept failures of plays that are now stored.
    func clearFailures(source: String, playIDs: [String]) async throws
    /// Runs `body` behind a savepoint: when it throws, only its own writes are undone.
    func withSavepoint<T>(_ body: () async throws -> T) async throws -> T
}

/// What the catalog holds of a page: its plays already stored, and songs its plays may match.
public struct PageLookUp: Sendable {
    public var existing: [String: StoredPlay]
    public var hits: [SongHit]
    public init(existing: [String: StoredPlay], hits: [SongHit]) {
        self.existing = existing
        self.hits = hits
    }
}

extension CatalogSession {
    /// The two look-ups one after the other.
    public func lookUp(source: String, playIDs: [String], mbids: [String], isrcs: [String], keys: [String]) async throws -> PageLookUp {
        PageLookUp(
            existing: try await storedPlays(source: source, among: playIDs),
            hits: try await findSongs(mbids: mbids, isrcs: isrcs, keys: keys))
    }
}
