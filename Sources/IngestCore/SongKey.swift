import Foundation

/// The normalized title+artist key that matches a play to a catalog song when no MusicBrainz
/// id does. docs/matching.md has the rules as a table, with what merges, what stays apart and
/// why.
///
/// A key stands for a *recording* in MusicBrainz's sense: the same audio. So credits and shop
/// tags that do not change the audio are dropped (featured artists, `(Explicit)`, remaster
/// tags), and words that name different audio stay (`Live`, `Remix`, `Radio Edit`, `Demo`,
/// `Mono`, `- 2009 Mix`, `Acoustic`, `Instrumental`, `Reprise`, `Sped Up`, `Taylor's Version`).
///
/// Stores keep ``version`` beside each key; raising it re-keys the catalog on the next run.
public enum SongKey {
    /// The version of the rules below; raise it whenever a rule changes.
    /// - 1: NFKC, case and diacritic folding, featured credits and remaster suffixes dropped from
    ///   titles, punctuation collapsed.
    /// - 2: invisible characters and look-alike apostrophes handled first; featured credits
    ///   dropped from artists too; edition tags; more remaster forms; artist joins (`x`, `with`,
    ///   `+`, `&`, `and`); sort names and a leading "The"; part numbers.
    public static let version = 2

    /// Why a title and artist get their key: the key and the rules that fired, in order.
    public struct Explanation: Sendable, Equatable {
        /// The match key, or `nil` when the title or the artist normalizes to nothing.
        public var key: String?
        public var title: String
        public var artist: String
        public var steps: [String]
    }

    /// The match key for a title and artist, or `nil` when either normalizes to nothing.
    public static func make(title: String, artist: String) -> String? {
        var steps: [String]? = nil
        let (t, a) = normalize(title: title, artist: artist, steps: &steps)
        return t.isEmpty || a.isEmpty ? nil : t + "\u{1F}" + a
    }

    /// The key with the rules that fired, for `radio-ingest match`.
    public static func explain(title: String, artist: String) -> Explanation {
        var steps: [String]? = []
        let (t, a) = normalize(title: title, artist: artist, steps: &steps)
        return Explanation(key: t.isEmpty || a.isEmpty ? nil : t + "\u{1F}" + a, title: t, artist: a, steps: steps ?? [])
    }

    /// A normalized title.
    public static func normalizeTitle(_ title: String) -> String {
        var steps: [String]? = nil
        return normalize(title: title, artist: "", steps: &steps).title
    }

    /// A normalized artist credit.
    public static func normalizeArtist(_ artist: String) -> String {
        var steps: [String]? = nil
        return normalize(title: "", artist: artist, steps: &steps).artist
    }

    static func normalize(title: String, artist: String, steps: inout [String]?) -> (title: String, artist: String) {
        var t = fold(clean(title, steps: &steps))
        var a = fold(clean(artist, steps: &steps))
        // Guests first, from both fields: "A feat. B" and "Song (feat. B)" are the same recording
        // whichever field (or side) carries the guest.
        t = remove(Patterns.titleGuest, from: t, rule: "dropped a featured credit from the title", steps: &steps)
        a = remove(Patterns.artistGuest, from: a, rule: "dropped a featured credit from the artist", steps: &steps)
        t = remove(Patterns.edition, from: t, rule: "dropped a shop or edition tag (same audio)", steps: &steps)
        t = remove(Patterns.remaster, from: t, rule: "dropped a remaster tag (same recording)", steps: &steps)
        t = replace(Patterns.part, in: t, rule: "read a part number as digits", steps: &steps) { match in
            "part " + (Patterns.number(match) ?? match)
        }
        t = replace(Patterns.acronym, in: t, rule: "read dotted initials as one word", steps: &steps) { $0.filter { $0 != "." } }
        a = replace(Patterns.acronym, in: a, rule: "read dotted initials as one word", steps: &steps) { $0.filter { $0 != "." } }
        a = sortName(a, steps: &steps)
        a = replace(Patterns.join, in: a, rule: "read an artist join (x, with, +) as 'and'", steps: &steps) { _ in " and " }
        return (collapse(t), collapse(a))
    }

    /// Removes invisible characters (zero-width space, soft hyphen, joiners, BOM: every default
    /// ignorable code point) and turns look-alike apostrophes into `'`, before NFKC can split them.
    static func clean(_ text: String, steps: inout [String]?) -> String {
        guard text.unicodeScalars.contains(where: { !$0.isASCII || $0 == "`" }) else { return text }
        var scalars = String.UnicodeScalarView()
        var removed = false
        for scalar in text.unicodeScalars {
            if scalar.properties.isDefaultIgnorableCodePoint {
                removed = true
            } else if lookAlikeApostrophes.contains(scalar) {
                scalars.append("'")
            } else {
                scalars.append(scalar)
            }
        }
        if removed { steps?.append("removed invisible characters") }
        return String(scalars)
    }

    /// NFKC (which also composes half-width katakana with their voicing marks), full case
    /// folding, and diacritic folding that keeps kana voicing marks (ガ is not カ), plus the
    /// letters Unicode does not decompose.
    static func fold(_ text: String) -> String {
        // ASCII has nothing to compose, widen or strip: folding it is lowercasing it (the
        // common case, and Foundation's folding is the costliest step of a key).
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text.lowercased() }
        let cased = text.precomposedStringWithCompatibilityMapping.folding(options: [.caseInsensitive, .widthInsensitive], locale: nil)
        guard cased.unicodeScalars.contains(where: { !$0.isASCII }) else { return cased }
        var scalars = String.UnicodeScalarView()
        for scalar in cased.decomposedStringWithCanonicalMapping.unicodeScalars {
            if scalar.properties.generalCategory == .nonspacingMark && scalar != "\u{3099}" && scalar != "\u{309A}" { continue }
            scalars.append(scalar)
        }
        var folded = String(scalars).precomposedStringWithCanonicalMapping
        for (letter, replacement) in undecomposedLetters {
            folded = folded.replacingOccurrences(of: letter, with: replacement)
        }
        return folded
    }

    static func remove(_ pattern: Patterns.Rule, from text: String, rule: String, steps: inout [String]?) -> String {
        replace(pattern, in: text, rule: rule, steps: &steps) { _ in " " }
    }

    /// Replaces every match of `pattern` (checked cheaply first) and notes the rule once.
    static func replace(
        _ pattern: Patterns.Rule, in text: String, rule: String, steps: inout [String]?, with replacement: (String) -> String
    ) -> String {
        guard pattern.mightMatch(text), let regex = pattern.regex else { return text }
        let matches = regex.matches(in: text, range: NSRange(text.startIndex..., in: text))
        guard !matches.isEmpty else { return text }
        var result = text
        for match in matches.reversed() {
            guard let range = Range(match.range, in: result) else { continue }
            let found = String(result[range])
            result.replaceSubrange(range, with: replacement(found))
            steps?.append("\(rule): '\(found.trimmingCharacters(in: .whitespaces))'")
        }
        return result
    }

    /// "Band, The" is "The Band"; a leading "The" is dropped, so "Beatles" = "The Beatles".
    static func sortName(_ artist: String, steps: inout [String]?) -> String {
        var text = artist.trimmedFast(.whitespaces)
        for article in ["the", "a", "an"] where text.hasSuffix(", \(article)") || text.hasSuffix(",\(article)") {
            let name = text.dropLast(article.count).trimmingCharacters(in: CharacterSet(charactersIn: ", "))
            guard !name.isEmpty else { break }
            text = "\(article) \(name)"
            steps?.append("read the sort name '\(artist.trimmingCharacters(in: .whitespaces))' as '\(text)'")
        }
        if text.hasPrefix("the "), text.count > 4 {
            text = String(text.dropFirst(4))
            steps?.append("dropped the leading article 'the' from the artist")
        }
        return text
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
        let joined = text.utf8.contains(UInt8(ascii: "&")) ? text.replacingOccurrences(of: "&", with: " and ") : text
        for scalar in joined.unicodeScalars {
            if scalar == "'" || scalar == "`" { continue }
            if isWordCharacter(scalar) {
                if pendingSpace && !result.isEmpty { result.append(" ") }
                pendingSpace = false
                result.unicodeScalars.append(scalar)
            } else {
                pendingSpace = true
            }
        }
        return result
    }

    /// A letter or a digit in any script (checked without Unicode's tables for ASCII).
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let v = scalar.value
            return (0x30...0x39).contains(v) || (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v)
        }
        return scalar.properties.isAlphabetic || scalar.properties.numericType != nil
    }

    /// Characters typed for an apostrophe: right and left quotes, the acute accent, the grave
    /// accent, the modifier letter apostrophe, the prime and the full-width apostrophe.
    static let lookAlikeApostrophes: Set<Unicode.Scalar> = [
        "\u{2019}", "\u{2018}", "\u{00B4}", "`", "\u{02BC}", "\u{2032}", "\u{FF07}", "\u{FF40}", "\u{201B}",
    ]

    static let undecomposedLetters: [(String, String)] = [
        ("ø", "o"), ("ł", "l"), ("đ", "d"), ("ð", "d"), ("þ", "th"), ("æ", "ae"), ("œ", "oe"), ("ı", "i"),
    ]
}
