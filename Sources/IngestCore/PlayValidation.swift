import Foundation

/// The checks every play passes before it is stored, whatever its adapter.
public enum PlayValidation {
    /// The longest title, artist or album accepted, in characters.
    public static let maxTextLength = 1_000
    /// The longest source play id, MBID or ISRC accepted, in characters.
    public static let maxIdentifierLength = 200

    /// Why `play` cannot be stored, or `nil` when it can (after ``fitted(_:)``).
    public static func problem(with play: Play) -> SkipReason? {
        if play.sourcePlayID.isEmpty { return SkipReason(.badID, "missing play id") }
        if play.sourcePlayID.exceeds(characters: maxIdentifierLength) || play.sourcePlayID.utf8.contains(0) {
            return SkipReason(.badID, "play id longer than \(maxIdentifierLength) characters or with a NUL byte")
        }
        if play.title.trimmedFast.isEmpty { return .missing("title") }
        if play.artist.trimmedFast.isEmpty { return .missing("artist") }
        if play.title.exceeds(characters: maxTextLength) || play.artist.exceeds(characters: maxTextLength) {
            return SkipReason(.tooLong, "title or artist longer than \(maxTextLength) characters")
        }
        if play.title.utf8.contains(0) || play.artist.utf8.contains(0) {
            return SkipReason(.other, "NUL byte in the title or artist")
        }
        return nil
    }

    /// `play` with the optional values it cannot keep dropped (an over-long album, an MBID or
    /// ISRC that is too long or has a NUL byte, an impossible year), and what was dropped: a bad
    /// optional value costs that value, never the play.
    public static func fitted(_ play: Play) -> (play: Play, dropped: [String]) {
        var play = play
        var dropped: [String] = []
        if let album = play.album, album.exceeds(characters: maxTextLength) || album.utf8.contains(0) {
            play.album = nil
            dropped.append("album of \(album.count) characters")
        }
        for (name, keyPath) in [("mbid", \Play.mbid), ("isrc", \Play.isrc)] {
            if let value = play[keyPath: keyPath], value.exceeds(characters: maxIdentifierLength) || value.utf8.contains(0) {
                play[keyPath: keyPath] = nil
                dropped.append("\(name) of \(value.count) characters")
            }
        }
        if let year = play.year, !(1000...9999).contains(year) {
            play.year = nil
            dropped.append("year \(year)")
        }
        return (play, dropped)
    }
}
