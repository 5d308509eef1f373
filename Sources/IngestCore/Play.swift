import Foundation

/// One track play as a station reported it, after an adapter has parsed it.
///
/// A `Play` is what the engine stores as provenance (`external_plays`) and matches against the
/// song catalog. Adapters fill in what their source knows; everything but the identity,
/// title, artist and airdate is optional.
public struct Play: Sendable, Hashable, Codable {
    /// The source's own identifier for this play, unique within the source.
    public var sourcePlayID: String
    /// The track title as broadcast.
    public var title: String
    /// The artist credit as broadcast (several artists joined into one string).
    public var artist: String
    /// The album or release name, when known.
    public var album: String?
    /// When the play went on air.
    public var airdate: Date
    /// The MusicBrainz recording id, when the source knows it.
    public var mbid: String?
    /// The ISRC, when the source knows it.
    public var isrc: String?
    /// The release year, when known and meaningful.
    public var year: Int?

    public init(
        sourcePlayID: String, title: String, artist: String, album: String? = nil,
        airdate: Date, mbid: String? = nil, isrc: String? = nil, year: Int? = nil
    ) {
        self.sourcePlayID = sourcePlayID
        self.title = title
        self.artist = artist
        self.album = album
        self.airdate = airdate
        self.mbid = mbid
        self.isrc = isrc
        self.year = year
    }
}
