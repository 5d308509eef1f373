import Foundation
import IngestCore

/// The store-independent part of writing a page: given what the catalog already holds, decide
/// for each play whether it is a duplicate, which song it links to, and which songs are new.
///
/// Both stores build a plan from two look-ups (existing play ids; songs by MBID or key), write
/// what it says, then ``resolve(conflicts:)`` new songs another process inserted first.
public struct PagePlan: Sendable {
    /// A song to insert.
    public struct NewSong: Sendable, Codable, Equatable {
        public var id: String
        public var matchKey: String
        public var title: String
        public var artist: String
        public var album: String?
        public var year: Int?
        public var mbid: String?
        public var isrc: String?
        public var source: String
    }

    /// A provenance row to insert.
    public struct PlayRow: Sendable {
        public var play: Play
        public var songID: String
        /// The index of this play in the batch.
        public var index: Int
    }

    /// The source of every play in the plan.
    public let source: String
    public private(set) var dispositions: [PlayDisposition]
    public private(set) var newSongs: [NewSong]
    public private(set) var rows: [PlayRow]

    /// Plans `batch` against the catalog's current state.
    /// - Parameters:
    ///   - existingPlayIDs: source play ids already stored for the batch's source.
    ///   - songIDByMBID: catalog songs by (lowercased) MBID.
    ///   - songIDByKey: catalog songs by match key.
    public init(
        batch: PageBatch, existingPlayIDs: Set<String>, songIDByMBID: [String: String],
        songIDByKey: [String: String], makeID: () -> String = { UUID().uuidString.lowercased() }
    ) {
        source = batch.source
        dispositions = []
        newSongs = []
        rows = []
        var createdByKey: [String: String] = [:]
        for (index, play) in batch.plays.enumerated() {
            if existingPlayIDs.contains(play.sourcePlayID) {
                dispositions.append(.duplicate)
                continue
            }
            let key = batch.matchKeys[index]
            let disposition: PlayDisposition
            if let mbid = play.mbid?.lowercased(), let id = songIDByMBID[mbid] {
                disposition = .matched(songID: id, by: .mbid)
            } else if let id = songIDByKey[key] {
                disposition = .matched(songID: id, by: .key)
            } else if let id = createdByKey[key] {
                disposition = .linkedToNewSong(songID: id)
            } else {
                let id = makeID()
                createdByKey[key] = id
                newSongs.append(
                    NewSong(
                        id: id, matchKey: key, title: play.title, artist: play.artist, album: play.album,
                        year: play.year, mbid: play.mbid?.lowercased(), isrc: play.isrc, source: batch.source))
                disposition = .newSong(songID: id)
            }
            dispositions.append(disposition)
            rows.append(PlayRow(play: play, songID: disposition.songID ?? "", index: index))
        }
    }

    /// The match key of a play (never empty: validation guarantees a title and an artist).
    public static func key(for play: Play) -> String {
        SongKey.make(title: play.title, artist: play.artist) ?? (play.title + "\u{1F}" + play.artist)
    }

    /// MBIDs and keys to look songs up by, for the batch.
    public static func lookups(for batch: PageBatch) -> (mbids: [String], keys: [String]) {
        (Array(Set(batch.plays.compactMap { $0.mbid?.lowercased() })), Array(Set(batch.matchKeys)))
    }

    /// Re-points plays at songs that another process inserted first: `conflicts` maps the id
    /// this plan chose to the id that won.
    public mutating func resolve(conflicts: [String: String]) {
        guard !conflicts.isEmpty else { return }
        newSongs.removeAll { conflicts[$0.id] != nil }
        for i in rows.indices {
            guard let winner = conflicts[rows[i].songID] else { continue }
            rows[i].songID = winner
            let index = rows[i].index
            dispositions[index] = dispositions[index].isNewSong ? .matched(songID: winner, by: .key) : .linkedToNewSong(songID: winner)
        }
    }

    /// Marks plays that another process stored first as duplicates.
    public mutating func markDuplicates(_ playIDs: Set<String>) {
        for row in rows where playIDs.contains(row.play.sourcePlayID) { dispositions[row.index] = .duplicate }
    }

    /// Records that the play at `index` created its song after all (the play that was to
    /// create it failed).
    public mutating func markCreatedSong(index: Int) {
        if let id = dispositions[index].songID { dispositions[index] = .newSong(songID: id) }
    }

    /// Marks one play as failed.
    public mutating func markFailed(index: Int, reason: String) {
        dispositions[index] = .failed(reason: reason)
    }
}

extension PlayDisposition {
    /// The song a stored play links to.
    public var songID: String? {
        switch self {
        case .matched(let id, _), .newSong(let id), .linkedToNewSong(let id): return id
        case .duplicate, .failed: return nil
        }
    }

    var isNewSong: Bool {
        if case .newSong = self { return true }
        return false
    }
}
