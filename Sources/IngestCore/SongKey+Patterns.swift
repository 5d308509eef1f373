import Foundation

extension SongKey {
    /// The rules' patterns, on folded lowercase text, compiled once (compiling per call once
    /// dominated a run's CPU time). Each has words that must appear before the regex is worth
    /// running, so a plain title costs a few substring checks.
    enum Patterns {
        struct Rule: @unchecked Sendable {  // NSRegularExpression is immutable and thread-safe.
            /// `nil` only if a constant pattern failed to compile (the tests would fail); it then
            /// matches nothing rather than crash.
            let regex: NSRegularExpression?
            let triggers: [String]

            init(_ pattern: String, triggers: [String]) {
                regex = try? NSRegularExpression(pattern: pattern)
                self.triggers = triggers
            }

            func mightMatch(_ text: String) -> Bool { triggers.contains { text.containsBytes(of: $0) } }
        }

        /// `(feat. X)`, `[ft. X]`, `(featuring X)`, `(with X)`, or a trailing ` feat. X`.
        static let titleGuest = Rule(
            #"\s*[\(\[]\s*(feat\.?|ft\.?|featuring|with)\s[^\)\]]*[\)\]]|\s(feat\.?|ft\.|featuring)\s.*$"#,
            triggers: ["feat", "ft", "with"])

        /// ` feat. B`, ` ft. B`, ` featuring B & C`, `(feat. B)` in an artist credit.
        static let artistGuest = Rule(
            #"\s*[\(\[]\s*(feat\.?|ft\.?|featuring)\s[^\)\]]*[\)\]]|\s(feat\.?|ft\.|featuring)\s.*$"#,
            triggers: ["feat", "ft"])

        /// Shop and edition tags that do not change the audio: `(Explicit)`, `[Clean]`,
        /// `(Album Version)`, `(Original Mix)`, or the same after a dash.
        static let edition = Rule(
            #"\s*[\(\[]\s*(explicit|clean|dirty|album version|original mix|explicit version|clean version)\s*[\)\]]|\s[-–—]\s*(explicit|clean|album version|original mix)\s*$"#,
            triggers: ["explicit", "clean", "dirty", "album version", "original mix"])

        /// `(Remastered)`, `[Remastered 2011]`, `(2015 Remaster)`, `(Digitally Re-Mastered Version)`,
        /// `- 2011 Remaster`, `- 2011 - Remaster`, `- Remastered 2009`, `- Remastered Version`.
        static let remaster = Rule(
            #"\s*[\(\[]\s*(\d{4}\s+)?(digital(ly)?\s+)?re-?master(ed)?(\s+\d{4})?(\s+(version|edition))?\s*[\)\]]|\s[-–—]\s*(\d{4}\s*([-–—]\s*)?)?(digital(ly)?\s+)?re-?master(ed)?(\s+\d{4})?(\s+(version|edition))?\s*$"#,
            triggers: ["master"])

        /// `Pt. 2`, `Part II`, `Part Two`: read as `part 2`.
        static let part = Rule(
            #"\b(pt\.?\s*|part\s+)(\d+|[ivx]+|one|two|three|four|five|six|seven|eight|nine|ten)\b"#,
            triggers: ["pt", "part"])

        /// ` x `, ` with `, ` + `, ` × ` between artists: read as ` and ` (as `&` is).
        static let join = Rule(#"\s(x|with|\+|×)\s"#, triggers: [" x ", " with ", " + ", "×"])

        /// Dotted initials, `l.a.`, `r.e.m.`, `p.o.d`: one word (`la`, `rem`, `pod`).
        static let acronym = Rule(#"\b[a-z](\.[a-z])+\.?"#, triggers: ["."])

        /// The number a part pattern's match names, as digits.
        static func number(_ match: String) -> String? {
            guard let token = match.split(whereSeparator: { $0 == " " || $0 == "." }).last.map(String.init) else { return nil }
            let digits = token.drop { $0 == "t" || $0 == "p" }  // "pt2"
            if let value = Int(digits) { return String(value) }
            return words[token] ?? roman[token]
        }

        static let words = [
            "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
            "ten": "10",
        ]
        static let roman = [
            "i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8", "ix": "9", "x": "10",
        ]
    }
}
