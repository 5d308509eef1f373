import Foundation

/// The normalized title+artist key that matches a play to a catalog song when no MusicBrainz
/// id does.
///
/// Rules (version ``SongKey/version``): Unicode NFKC, full case folding, diacritic folding,
/// `&` read as `and`, featured-artist credits (`(feat. X)`, `ft. X`) dropped from titles,
/// remaster suffixes (`- 2011 Remaster`, `(Remastered)`) dropped, punctuation and whitespace
/// collapsed to single spaces. Markers that name a different recording stay: `(Live)`,
/// `Radio Edit`, remixes, acoustic, instrumental and version markers.
///
/// Stores keep ``version`` beside each key so that a future rule change can re-key old rows.
public enum SongKey {
    /// The version of the rules below; bump it whenever a rule changes.
    public static let version = 1

    /// The match key for a title and artist, or `nil` when either normalizes to nothing.
    public static func make(title: String, artist: String) -> String? {
        let t = normalizeTitle(title)
        let a = normalizeArtist(artist)
        guard !t.isEmpty, !a.isEmpty else { return nil }
        return t + "\u{1F}" + a
    }

    /// A normalized title: featured credits and remaster suffixes removed.
    public static func normalizeTitle(_ title: String) -> String {
        var text = fold(title)
        for regex in titleNoiseRegexes {
            text = regex.stringByReplacingMatches(
                in: text, range: NSRange(text.startIndex..., in: text), withTemplate: " ")
        }
        return collapse(text)
    }

    /// A normalized artist credit.
    public static func normalizeArtist(_ artist: String) -> String {
        collapse(fold(artist))
    }

    /// NFKC, full case folding and diacritic folding, plus the letters Unicode does not decompose.
    static func fold(_ text: String) -> String {
        var folded = text.precomposedStringWithCompatibilityMapping
            .folding(options: [.caseInsensitive, .diacriticInsensitive, .widthInsensitive], locale: nil)
        if folded.unicodeScalars.contains(where: { !$0.isASCII }) {
            for (letter, replacement) in undecomposedLetters {
                folded = folded.replacingOccurrences(of: letter, with: replacement)
            }
        }
        return folded
    }

    /// `&` becomes `and`; apostrophes vanish (`don't` = `dont`); every other run of
    /// non-alphanumeric characters becomes one space. Text made only of punctuation (the band
    /// `!!!`) keeps its punctuation rather than normalizing to nothing.
    static func collapse(_ text: String) -> String {
        let words = collapseToWords(text)
        return words.isEmpty ? text.filter { !$0.isWhitespace } : words
    }

    static func collapseToWords(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for scalar in text.replacingOccurrences(of: "&", with: " and ").unicodeScalars {
            if apostrophes.contains(scalar) { continue }
            if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                if pendingSpace && !result.isEmpty { result.append(" ") }
                pendingSpace = false
                result.unicodeScalars.append(scalar)
            } else {
                pendingSpace = true
            }
        }
        return result
    }

    /// Patterns (on folded, lowercase text) for parts of a title that do not change the recording.
    static let titleNoise: [String] = [
        // (feat. X), [ft. X], (featuring X)
        #"[\(\[]\s*(feat\.?|ft\.?|featuring|with)\s[^\)\]]*[\)\]]"#,
        // trailing " feat. X" / " ft. X" without brackets
        #"\s(feat\.|ft\.|featuring)\s.*$"#,
        // (Remastered), [2011 Remaster], (Remastered 2009), (Digitally Remastered Version)
        #"[\(\[]\s*(\d{4}\s+)?(digital(ly)?\s+)?remaster(ed)?(\s+\d{4})?(\s+(version|edition))?\s*[\)\]]"#,
        // - 2011 Remaster, - Remastered 2009, - Remastered Version
        #"\s[-–—]\s*(\d{4}\s+)?(digital(ly)?\s+)?remaster(ed)?(\s+\d{4})?(\s+(version|edition))?\s*$"#,
    ]

    static let apostrophes: Set<Unicode.Scalar> = ["'", "\u{2019}", "\u{2018}", "`", "\u{00B4}"]

    /// The patterns, compiled once (compiling per call dominated a run's CPU time).
    nonisolated(unsafe) static let titleNoiseRegexes: [NSRegularExpression] = titleNoise.compactMap {
        try? NSRegularExpression(pattern: $0)
    }  // NSRegularExpression is immutable and documented as safe to share between threads.

    static let undecomposedLetters: [(String, String)] = [
        ("ø", "o"), ("ł", "l"), ("đ", "d"), ("ð", "d"), ("þ", "th"), ("æ", "ae"), ("œ", "oe"), ("ı", "i"),
    ]
}
