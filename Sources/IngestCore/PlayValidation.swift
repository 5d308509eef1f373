import Foundation

/// The checks every play passes before it is stored, whatever its adapter.
public enum PlayValidation {
    /// The longest title, artist or album accepted, in characters.
    public static let maxTextLength = 1_000
    /// The longest source play id, MBID or ISRC accepted, in characters.
    public static let maxIdentifierLength = 200

    /// Why `play` cannot be stored, or `nil` when it can.
    public static func problem(with play: Play) -> String? {
        if play.sourcePlayID.isEmpty { return "missing play id" }
        if play.title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "missing title" }
        if play.artist.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "missing artist" }
        let texts = [play.title, play.artist, play.album ?? ""]
        let identifiers = [play.sourcePlayID, play.mbid ?? "", play.isrc ?? ""]
        if texts.contains(where: { $0.count > maxTextLength }) { return "field longer than \(maxTextLength) characters" }
        if identifiers.contains(where: { $0.count > maxIdentifierLength }) {
            return "identifier longer than \(maxIdentifierLength) characters"
        }
        if (texts + identifiers).contains(where: { $0.utf8.contains(0) }) { return "NUL byte in a field" }
        if let year = play.year, !(1000...9999).contains(year) { return "year \(year) out of range" }
        return nil
    }
}
