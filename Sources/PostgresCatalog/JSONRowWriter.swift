import IngestCore
import IngestEngine

/// Writes a page's rows as a JSON array of flat objects, directly: the payload of the page's
/// two big inserts, where `JSONEncoder` (about a microsecond per value, and key conversion on
/// top) was a fifth of the client's time per page.
struct JSONRowWriter {
    private(set) var bytes: [UInt8] = [UInt8(ascii: "[")]
    private static let hexDigits = Array("0123456789abcdef".utf8)
    private var fieldsInRow = 0

    /// `rows` as one JSON array, each row an object of the fields `fields` writes.
    static func document<Row>(_ rows: [Row], fields: (Row, inout JSONRowWriter) -> Void) -> String {
        var writer = JSONRowWriter()
        for row in rows { writer.row { fields(row, &$0) } }
        return writer.text
    }

    mutating func row(_ fields: (inout JSONRowWriter) -> Void) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "{"))
        fieldsInRow = 0
        fields(&self)
        bytes.append(UInt8(ascii: "}"))
    }

    mutating func field(_ name: StaticString, _ value: String?) {
        key(name)
        guard let value else { return appendNull() }
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0..<0x20:
                bytes += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")]
                bytes += [Self.hexDigits[Int(byte >> 4)], Self.hexDigits[Int(byte & 0xF)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func field<N: BinaryInteger>(_ name: StaticString, _ value: N?) {
        key(name)
        guard let value else { return appendNull() }
        bytes += String(value).utf8
    }

    /// The finished document.
    var text: String { String(decoding: bytes + [UInt8(ascii: "]")], as: UTF8.self) }

    private mutating func key(_ name: StaticString) {
        if fieldsInRow > 0 { bytes.append(UInt8(ascii: ",")) }
        fieldsInRow += 1
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes += $0 }
        bytes += [UInt8(ascii: "\""), UInt8(ascii: ":")]
    }

    private mutating func appendNull() { bytes += Array("null".utf8) }
}

extension PostgresPayload {
    /// Provenance rows for `json_to_recordset` (`airdate` as RFC 3339 text, MBIDs lowercased),
    /// each with a new ``TimeOrderedID`` when `withIDs` (a table whose `id` has no default).
    static func json(_ rows: [PagePlan.PlayRow], withIDs: Bool) -> String {
        JSONRowWriter.document(rows) { row, w in
            if withIDs { w.field("id", TimeOrderedID.make()) }
            w.field("source_play_id", row.play.sourcePlayID)
            w.field("title", row.play.title)
            w.field("artist", row.play.artist)
            w.field("album", row.play.album)
            w.field("airdate", Timestamp.format(row.play.airdate))
            w.field("mbid", row.play.mbid?.lowercased())
            w.field("isrc", row.play.isrc)
            w.field("year", row.play.year)
            w.field("song_id", row.songID)
        }
    }

    /// New songs for `json_to_recordset`.
    static func json(_ songs: [PagePlan.NewSong]) -> String {
        JSONRowWriter.document(songs) { song, w in
            w.field("id", song.id)
            w.field("match_key", song.matchKey)
            w.field("title", song.title)
            w.field("artist", song.artist)
            w.field("album", song.album)
            w.field("year", song.year)
            w.field("mbid", song.mbid)
            w.field("isrc", song.isrc)
            w.field("source", song.source)
        }
    }

    /// Song keys for `radio_ingest_song_keys`.
    static func json(_ assignments: [SongKeying.Assignment]) -> String {
        JSONRowWriter.document(assignments) { assignment, w in
            w.field("id", assignment.id)
            w.field("computed_key", assignment.computedKey)
            w.field("match_key", assignment.matchKey)
        }
    }
}
