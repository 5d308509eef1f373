import Foundation
import IngestCore

/// A deterministic, KEXP-shaped play history served like `GET /v2/plays/`.
///
/// It exercises what the real API does: newest-first paging by `next` URLs with `limit` and
/// `offset`, `airdate_before` / `airdate_after` filters (inclusive), airbreaks without song
/// fields, airdates with and without six-digit fractions, ties at one airdate, rows with a
/// missing song or artist, unknown extra fields, ids that are not chronological, songs that
/// repeat (so matching has work to do), and KEXP's `1950-01-01` unknown release date.
public struct GeneratedKEXPFeed: Sendable {
    /// One generated row.
    public struct Row: Sendable {
        public var id: Int
        public var airdateMicros: Int64
        public var isTrack: Bool
        public var song: String?
        public var artist: String?
        public var album: String?
        public var recordingID: String?
        public var releaseDate: String?
    }

    /// Rows newest first.
    public let rows: [Row]
    /// Each row's JSON, rendered once so serving a page costs little next to ingesting it.
    let renderedRows: [Data]

    /// `count` rows ending at `newest`, one every `spacing` seconds.
    ///
    /// Songs cycle through `distinctSongs`, so a walk meets every new song in its first
    /// `distinctSongs` tracks; with `steadySongs`, one track in four is a song not played
    /// before and the rest repeat earlier ones, at the same rate all through the history (the
    /// benchmark's shape: per-page work stays the same while the tables grow).
    public init(
        count: Int, newest: Date = Date(timeIntervalSince1970: 1_700_000_000), spacing: Int64 = 180,
        distinctSongs: Int = 500, steadySongs: Bool = false
    ) {
        var rows: [Row] = []
        rows.reserveCapacity(count)
        var base = Timestamp.microseconds(newest)
        var previous = base
        for i in 0..<count {
            // Strictly newest first, as the API orders: every 50th row ties exactly with the row
            // before it; some rows carry a sub-second fraction (less than the spacing).
            let airdate: Int64
            if i > 0 && i % 50 == 0 {
                airdate = previous
            } else {
                if i > 0 { base -= spacing * 1_000_000 }
                airdate = base - (i % 11 == 3 ? Int64((i * 7_919) % 999_999 + 1) : 0)
            }
            previous = airdate
            let isTrack = i % 7 != 6
            let songIndex = steadySongs ? (i % 4 == 0 ? i / 4 : (i &* 2_654_435_761 >> 7) % max(1, i / 4)) : (i * 31) % distinctSongs
            var row = Row(id: 2_000_000 + (i * 7_919) % (count * 3 + 1), airdateMicros: airdate, isTrack: isTrack)
            if isTrack {
                row.song = i % 97 == 13 ? "" : "Song \(songIndex)"
                row.artist = i % 89 == 17 ? nil : "Artist \(songIndex % 97)"
                row.album = songIndex % 3 == 0 ? nil : "Album \(songIndex % 41)"
                row.recordingID = songIndex % 4 == 0 ? String(format: "00000000-0000-4000-8000-%012d", songIndex) : nil
                row.releaseDate = songIndex % 5 == 0 ? "1950-01-01" : "\(1960 + songIndex % 60)-01-01"
            }
            rows.append(row)
        }
        self.rows = rows
        self.renderedRows = rows.map { (try? JSONSerialization.data(withJSONObject: Self.json($0))) ?? Data("{}".utf8) }
    }

    /// A feed of exactly these rows, served newest first.
    public init(rows: [Row]) {
        self.rows = rows.sorted { $0.airdateMicros > $1.airdateMicros }
        self.renderedRows = self.rows.map { (try? JSONSerialization.data(withJSONObject: Self.json($0))) ?? Data("{}".utf8) }
    }

    /// The same feed with its rows changed (plays published, edited or withdrawn).
    public func with(_ change: (inout [Row]) -> Void) -> GeneratedKEXPFeed {
        var rows = self.rows
        change(&rows)
        return GeneratedKEXPFeed(rows: rows)
    }

    /// A valid track play row, for tests that publish plays.
    public static func track(id: Int, airdate: Date, song: String, artist: String) -> Row {
        Row(
            id: id, airdateMicros: Timestamp.microseconds(airdate), isTrack: true, song: song, artist: artist, album: nil,
            recordingID: nil, releaseDate: nil)
    }

    /// Answers a plays request the way the KEXP API does.
    public func respond(to request: FakeRequest, baseURL: URL) -> FakeResponse {
        let limit = min(Int(request.query["limit"] ?? "20") ?? 20, 200)
        let offset = Int(request.query["offset"] ?? "0") ?? 0
        let before = request.query["airdate_before"].flatMap(Timestamp.parse).map(Timestamp.microseconds)
        let after = request.query["airdate_after"].flatMap(Timestamp.parse).map(Timestamp.microseconds)
        // Rows are newest first, so each filter is a boundary found by binary search.
        let first = before.map { bound in firstIndex { rows[$0].airdateMicros <= bound } } ?? 0
        let end = after.map { bound in firstIndex { rows[$0].airdateMicros < bound } } ?? rows.count
        let matching = max(0, end - first)
        let pageStart = first + min(offset, matching)
        let pageEnd = min(pageStart + limit, max(first, end))
        var next = "null"
        if offset + limit < matching {
            var components = URLComponents(string: baseURL.absoluteString + request.path)!
            var items = request.query.map { URLQueryItem(name: $0.key, value: $0.value) }.filter { $0.name != "offset" }
            items.append(URLQueryItem(name: "offset", value: String(offset + limit)))
            components.queryItems = items.sorted { $0.name < $1.name }
            components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
            next = "\"" + (components.string ?? "") + "\""
        }
        var body = Data("{\"next\":\(next),\"previous\":null,\"results\":[".utf8)
        for index in pageStart..<pageEnd {
            if index > pageStart { body.append(UInt8(ascii: ",")) }
            body.append(renderedRows[index])
        }
        body.append(contentsOf: Array("]}".utf8))
        return .json(body)
    }

    /// The first index whose row satisfies `predicate`, which must hold for a suffix of `rows`.
    func firstIndex(where predicate: (Int) -> Bool) -> Int {
        var low = 0, high = rows.count
        while low < high {
            let mid = (low + high) / 2
            if predicate(mid) { high = mid } else { low = mid + 1 }
        }
        return low
    }

    static func json(_ row: Row) -> [String: Any] {
        var object: [String: Any] = [
            "id": row.id, "uri": "https://api.kexp.org/v2/plays/\(row.id)/",
            "airdate": pacific(row.airdateMicros), "show": 40_000 + row.id % 100,
            "image_uri": "", "thumbnail_uri": "", "comment": NSNull(),
            "play_type": row.isTrack ? "trackplay" : "airbreak",
            "location": 1, "location_name": "Default",  // newer fields an old decoder never saw
        ]
        guard row.isTrack else { return object }
        object["song"] = row.song ?? NSNull()
        if let artist = row.artist { object["artist"] = artist }
        object["album"] = row.album ?? NSNull()
        object["recording_id"] = row.recordingID ?? NSNull()
        object["release_date"] = row.releaseDate ?? NSNull()
        object["artist_ids"] = [String]()
        object["labels"] = ["[no label]"]
        object["is_local"] = false
        object["rotation_status"] = NSNull()
        return object
    }

    /// `YYYY-MM-DDTHH:MM:SS[.ffffff]-08:00`, as KEXP writes Pacific times.
    static func pacific(_ micros: Int64) -> String {
        let shifted = Timestamp.format(Timestamp.date(microseconds: micros - 8 * 3_600_000_000))
        let base = String(shifted.prefix(19))
        let fraction = shifted.dropFirst(20).prefix(6)
        return base + (fraction == "000000" ? "" : "." + fraction) + "-08:00"
    }

    /// The track plays a complete ingest must store: valid trackplays, newest first.
    public var validTrackRows: [Row] {
        rows.filter { $0.isTrack && !($0.song ?? "").isEmpty && !($0.artist ?? "").isEmpty }
    }
}
