import Foundation
import IngestCore

/// The envelope of `GET /v2/plays/`: `next`, `previous`, `results`; other keys are ignored.
struct KEXPPlaysPage: Decodable {
    var next: String?
    var results: [LenientRecord<KEXPPlay>]
}

/// The fields of a KEXP play that RadioIngest uses. Airbreaks carry no song fields at all.
struct KEXPPlay: SourceRow {
    var id: Int
    var airdate: String
    var playType: String
    var song: String?
    var artist: String?
    var album: String?
    var recordingID: String?
    var releaseDate: String?

    enum CodingKeys: String, CodingKey {
        case id, airdate, song, artist, album
        case playType = "play_type"
        case recordingID = "recording_id"
        case releaseDate = "release_date"
    }

    var record: ParsedRecord {
        guard playType == "trackplay" else { return .nonTrack }
        guard let date = Timestamp.parse(airdate) else { return .invalid(.unparseableTime("airdate", airdate)) }
        let title = song?.trimmedFast ?? ""
        let artistName = artist?.trimmedFast ?? ""
        guard !title.isEmpty, !artistName.isEmpty else {
            return .invalid(.missing(title.isEmpty ? "song" : "artist"))
        }
        return .track(
            Play(
                sourcePlayID: String(id), title: title, artist: artistName,
                album: album.flatMap { $0.isEmpty ? nil : $0 }, airdate: date,
                mbid: recordingID.flatMap { $0.isEmpty ? nil : $0.lowercased() }, year: Self.year(from: releaseDate)))
    }

    /// The year of `YYYY-MM-DD` or `YYYY`; KEXP's placeholder `1950-01-01` means unknown.
    static func year(from releaseDate: String?) -> Int? {
        guard let text = releaseDate, text.count >= 4, text != "1950-01-01" else { return nil }
        guard let year = Int(text.prefix(4)), (1000...9999).contains(year) else { return nil }
        return year
    }
}
