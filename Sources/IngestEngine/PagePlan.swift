import Foundation
import IngestCore

/// The store-independent part of writing a page: given what the catalog already holds, decide
/// for each play whether it is a duplicate, which song it links to, and which songs are new.
///
/// The ``PageWriter`` builds a plan from two look-ups (existing play ids; songs by MBID, ISRC or
/// key), writes what it says, then ``resolve(conflicts:)`` new songs another process inserted
/// first.
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
    /// Plays already stored whose title or artist the source has changed since, by index.
    public private(set) var edited: [Int] = []

    /// Plans `plays` against the catalog's current state.
    /// - Parameters:
    ///   - plays: the page's plays, their values already fitted to the catalog's columns.
    ///   - keys: each play's match key, in play order.
    ///   - rejected: plays that cannot be stored at all, by index, with the reason.
    ///   - existing: plays already stored for the source, by source play id.
    ///   - hits: catalog songs by MBID, ISRC or key (for MBIDs and ISRCs the oldest first).
    public init(
        source: String, plays: [Play], keys: [String], rejected: [Int: String] = [:], existing: [String: StoredPlay],
        hits: [SongHit], makeID: () -> String = TimeOrderedID.make
    ) {
        self.source = source
        dispositions = []
        newSongs = []
        rows = []
        var byMBID: [String: String] = [:]
        var byKey: [String: String] = [:]
        var heldISRCs = Set<String>()
        for hit in hits {
            switch hit.kind {
            case .mbid: if byMBID[hit.value] == nil { byMBID[hit.value] = hit.songID }
            case .key: if byKey[hit.value] == nil { byKey[hit.value] = hit.songID }
            case .isrc: heldISRCs.insert(hit.value)
            }
        }
        var createdByKey: [String: String] = [:]
        var createdByMBID: [String: String] = [:]
        for (index, play) in plays.enumerated() {
            if let reason = rejected[index] {
                dispositions.append(.failed(reason: reason))
                continue
            }
            if let stored = existing[play.sourcePlayID] {
                if stored.title != play.title || stored.artist != play.artist { edited.append(index) }
                dispositions.append(.duplicate)
                continue
            }
            let key = keys[index]
            let mbid = play.mbid?.lowercased()
            let disposition: PlayDisposition
            if let mbid, let id = byMBID[mbid] {
                disposition = .matched(songID: id, by: .mbid)
            } else if let id = byKey[key] {
                disposition = .matched(songID: id, by: .key)
            } else if let id = createdByKey[key] ?? mbid.flatMap({ createdByMBID[$0] }) {
                disposition = .linkedToNewSong(songID: id)
            } else {
                let id = makeID()
                createdByKey[key] = id
                if let mbid { createdByMBID[mbid] = id }
                // An ISRC is unique to a recording in many catalogs: one another song holds
                // already stays off the new song rather than failing its insert.
                let isrc = play.isrc.flatMap { heldISRCs.insert($0).inserted ? $0 : nil }
                newSongs.append(
                    NewSong(
                        id: id, matchKey: key, title: play.title, artist: play.artist, album: play.album,
                        year: play.year, mbid: mbid, isrc: isrc, source: source))
                disposition = .newSong(songID: id)
            }
            dispositions.append(disposition)
            rows.append(PlayRow(play: play, songID: disposition.songID ?? "", index: index))
        }
    }

    /// The match key of a play (never empty: validation guarantees a title and an artist).
    public static func key(for play: Play) -> String {
        key(title: play.title, artist: play.artist)
    }

    /// The key of a song with this title and artist (its ``SongKey``, or the raw pair when the
    /// title normalizes to nothing).
    public static func key(title: String, artist: String) -> String {
        SongKey.make(title: title, artist: artist) ?? (title + "\u{1F}" + artist)
    }

    /// Replaces planned song ids by the ids the catalog stored them under (when the database
    /// assigns ids).
    public mutating func adoptStoredIDs(_ stored: [String: String]) {
        let changed = stored.filter { $0.key != $0.value }
        guard !changed.isEmpty else { return }
        for i in newSongs.indices { if let id = changed[newSongs[i].id] { newSongs[i].id = id } }
        for i in rows.indices {
            guard let id = changed[rows[i].songID] else { continue }
            rows[i].songID = id
            let index = rows[i].index
            guard dispositions[index].songID != nil else { continue }
            dispositions[index] = dispositions[index].isNewSong ? .newSong(songID: id) : .linkedToNewSong(songID: id)
        }
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
            guard dispositions[index].songID != nil else { continue }
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
