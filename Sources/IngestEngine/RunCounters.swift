/// The spec's eight counters plus pages fetched.
public struct RunCounters: Sendable, Equatable, Codable {
    public var pagesFetched = 0
    public var playsSeen = 0
    public var trackPlays = 0
    public var provenanceInserted = 0
    public var songsMatched = 0
    public var newSongs = 0
    public var skippedInvalid = 0
    public var duplicatesSkipped = 0
    public var errors = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case pagesFetched = "pages_fetched", playsSeen = "plays_seen", trackPlays = "track_plays"
        case provenanceInserted = "provenance_inserted", songsMatched = "songs_matched", newSongs = "new_songs"
        case skippedInvalid = "skipped_invalid", duplicatesSkipped = "duplicates_skipped", errors
    }

    /// Adds what one page's plays became.
    mutating func add(_ dispositions: [PlayDisposition]) {
        for disposition in dispositions {
            switch disposition {
            case .duplicate: duplicatesSkipped += 1
            case .matched: songsMatched += 1; provenanceInserted += 1
            case .newSong: newSongs += 1; provenanceInserted += 1
            case .linkedToNewSong: provenanceInserted += 1
            case .failed: errors += 1
            }
        }
    }

    /// The sum of two counter sets.
    public static func + (a: RunCounters, b: RunCounters) -> RunCounters {
        var sum = RunCounters()
        sum.pagesFetched = a.pagesFetched + b.pagesFetched
        sum.playsSeen = a.playsSeen + b.playsSeen
        sum.trackPlays = a.trackPlays + b.trackPlays
        sum.provenanceInserted = a.provenanceInserted + b.provenanceInserted
        sum.songsMatched = a.songsMatched + b.songsMatched
        sum.newSongs = a.newSongs + b.newSongs
        sum.skippedInvalid = a.skippedInvalid + b.skippedInvalid
        sum.duplicatesSkipped = a.duplicatesSkipped + b.duplicatesSkipped
        sum.errors = a.errors + b.errors
        return sum
    }
}
