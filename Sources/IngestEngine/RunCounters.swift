import IngestCore

/// The eight counters of the run summary plus pages fetched, and what re-reading the recent history found.
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
    /// Plays stored by this run in time that was already covered when it started: published
    /// after they aired, found by the lookback re-read (included in `provenanceInserted`).
    public var latePlays = 0
    /// Plays the source now reports with another title or artist than the one stored; the
    /// stored row stays, the new version is kept in `radio_ingest_play_revisions`.
    public var editedUpstream = 0
    /// Stored plays the source no longer returns in the re-read stretch; the stored row stays.
    public var withdrawnUpstream = 0
    /// `skippedInvalid` by reason, in plain words (`missing title or artist`: 3).
    public var skipReasons: [String: Int] = [:]

    public init() {}

    enum CodingKeys: String, CodingKey {
        case pagesFetched = "pages_fetched", playsSeen = "plays_seen", trackPlays = "track_plays"
        case provenanceInserted = "provenance_inserted", songsMatched = "songs_matched", newSongs = "new_songs"
        case skippedInvalid = "skipped_invalid", duplicatesSkipped = "duplicates_skipped", errors
        case latePlays = "late_plays", editedUpstream = "edited_upstream", withdrawnUpstream = "withdrawn_upstream"
        case skipReasons = "skip_reasons"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func int(_ key: CodingKeys) throws -> Int { try c.decodeIfPresent(Int.self, forKey: key) ?? 0 }
        pagesFetched = try int(.pagesFetched)
        playsSeen = try int(.playsSeen)
        trackPlays = try int(.trackPlays)
        provenanceInserted = try int(.provenanceInserted)
        songsMatched = try int(.songsMatched)
        newSongs = try int(.newSongs)
        skippedInvalid = try int(.skippedInvalid)
        duplicatesSkipped = try int(.duplicatesSkipped)
        errors = try int(.errors)
        latePlays = try int(.latePlays)
        editedUpstream = try int(.editedUpstream)
        withdrawnUpstream = try int(.withdrawnUpstream)
        skipReasons = try c.decodeIfPresent([String: Int].self, forKey: .skipReasons) ?? [:]
    }

    /// Counts skipped records by reason.
    mutating func skip(_ reasons: [SkipReason]) {
        skippedInvalid += reasons.count
        for reason in reasons { skipReasons[reason.kind.rawValue, default: 0] += 1 }
    }

    /// Adds what one page's plays became.
    mutating func add(_ dispositions: [PlayDisposition]) {
        for disposition in dispositions {
            switch disposition {
            case .duplicate: duplicatesSkipped += 1
            // A play linked to a song an earlier play created is a match, as /metrics counts it:
            // then `provenanceInserted == songsMatched + newSongs`, and a dry run (where every
            // later play of a new song is linked) counts what the real run will.
            case .matched, .linkedToNewSong: songsMatched += 1; provenanceInserted += 1
            case .newSong: newSongs += 1; provenanceInserted += 1
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
        sum.latePlays = a.latePlays + b.latePlays
        sum.editedUpstream = a.editedUpstream + b.editedUpstream
        sum.withdrawnUpstream = a.withdrawnUpstream + b.withdrawnUpstream
        sum.skipReasons = a.skipReasons.merging(b.skipReasons, uniquingKeysWith: +)
        return sum
    }
}
