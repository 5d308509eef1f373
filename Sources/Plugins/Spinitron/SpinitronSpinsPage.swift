import Foundation
import IngestCore

/// `{ "items": [Spin], "_links": { "next": { "href": … } }, "_meta": … }`.
struct SpinitronSpinsPage: Decodable {
    struct Link: Decodable { var href: String }
    struct Links: Decodable { var next: Link? }

    var items: [LenientRecord<SpinitronSpin>]
    var links: Links?

    enum CodingKeys: String, CodingKey { case items, links = "_links" }
}

struct SpinitronSpin: SourceRow {
    var id: Int
    var start: String
    var artist: String?
    var song: String?
    var release: String?
    var released: Int?
    var isrc: String?

    var record: ParsedRecord {
        guard let date = Timestamp.parse(start) else { return .invalid(.unparseableTime("start", start)) }
        let title = song?.trimmedFast ?? ""
        let name = artist?.trimmedFast ?? ""
        guard !title.isEmpty, !name.isEmpty else { return .invalid(.missing(title.isEmpty ? "song" : "artist")) }
        return .track(
            Play(
                sourcePlayID: String(id), title: title, artist: name, album: release.flatMap { $0.isEmpty ? nil : $0 },
                airdate: date, isrc: isrc.flatMap { $0.isEmpty ? nil : $0 }, year: released.flatMap { $0 > 0 ? $0 : nil }))
    }
}
