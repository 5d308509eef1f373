import Foundation
import IngestCore

/// `{ "total": …, "offset": …, "limit": …, "items": [Play] }`; other keys are ignored.
struct ABCSearchPage: Decodable {
    var total: Int
    var offset: Int
    var items: [LenientRecord<ABCPlay>]
}

struct ABCPlay: SourceRow {
    struct Link: Decodable {
        var provider: String?
        var idComponent: String?
        enum CodingKeys: String, CodingKey { case provider, idComponent = "id_component" }
    }
    struct Artist: Decodable {
        var name: String
        var type: String?
    }
    struct Release: Decodable {
        var title: String?
        var releaseYear: String?
        enum CodingKeys: String, CodingKey { case title, releaseYear = "release_year" }
    }
    struct Recording: Decodable {
        var title: String?
        var artists: [Artist]?
        var releases: [Release]?
        var links: [Link]?
    }

    var arid: String
    var playedTime: String
    /// The ABC service the play went out on (`triplej`, `jazz`, …).
    var serviceID: String?
    var recording: Recording?
    var release: Release?

    enum CodingKeys: String, CodingKey { case arid, playedTime = "played_time", serviceID = "service_id", recording, release }

    var record: ParsedRecord {
        guard let date = Timestamp.parse(playedTime) else { return .invalid(.unparseableTime("played_time", playedTime)) }
        let title = recording?.title?.trimmedFast ?? ""
        // The credit is a list: primary artists joined, featured ones left to the title key rules.
        let artists = recording?.artists ?? []
        let primary = artists.filter { $0.type == nil || $0.type == "primary" }.map(\.name)
        let artist = (primary.isEmpty ? artists.map(\.name) : primary).joined(separator: ", ")
        guard !title.isEmpty, !artist.isEmpty else { return .invalid(.missing(title.isEmpty ? "recording title" : "artist")) }
        let mbid = recording?.links?.first { $0.provider == "musicbrainz" }?.idComponent
        let album = release ?? recording?.releases?.first
        return .track(
            Play(
                sourcePlayID: arid, title: title, artist: artist, album: album?.title, airdate: date,
                mbid: mbid?.lowercased(), year: album?.releaseYear.flatMap { Int($0.prefix(4)) }))
    }
}
