import Foundation
import Testing

@testable import IngestCore

@Suite struct SongKeyTests {
    @Test(arguments: MatchingPairs.merge.indices)
    func theSameRecordingGetsOneKey(index: Int) {
        let (title, artist, otherTitle, otherArtist) = MatchingPairs.merge[index]
        let key = SongKey.make(title: title, artist: artist)
        #expect(key != nil)
        #expect(key == SongKey.make(title: otherTitle, artist: otherArtist), "\(title) / \(artist) vs \(otherTitle) / \(otherArtist)")
    }

    @Test(arguments: MatchingPairs.keepApart.indices)
    func differentRecordingsGetDifferentKeys(index: Int) {
        let (title, artist, otherTitle, otherArtist) = MatchingPairs.keepApart[index]
        #expect(
            SongKey.make(title: title, artist: artist) != SongKey.make(title: otherTitle, artist: otherArtist),
            "\(title) / \(artist) vs \(otherTitle) / \(otherArtist)")
    }

    @Test func theTableHasAtLeast150Pairs() {
        #expect(MatchingPairs.merge.count + MatchingPairs.keepApart.count >= 150)
    }

    @Test func artistMadeOnlyOfPunctuationStillHasAKey() {
        #expect(SongKey.make(title: "Heart of Hearts", artist: "!!!") != nil)
    }

    @Test func everyPatternCompiles() {
        for rule in [
            SongKey.Patterns.titleGuest, SongKey.Patterns.artistGuest, SongKey.Patterns.edition, SongKey.Patterns.remaster,
            SongKey.Patterns.part, SongKey.Patterns.join, SongKey.Patterns.acronym,
        ] {
            #expect(rule.regex != nil)
        }
    }

    @Test func explainSaysWhichRulesFired() {
        let explanation = SongKey.explain(title: "Paint It Black - 2002 - Remaster (Explicit)", artist: "Rolling Stones, The feat. X")
        #expect(explanation.key == SongKey.make(title: "Paint It Black", artist: "The Rolling Stones"))
        #expect(explanation.title == "paint it black")
        #expect(explanation.artist == "rolling stones")
        #expect(explanation.steps.contains { $0.hasPrefix("dropped a featured credit from the artist") })
        #expect(explanation.steps.contains { $0.hasPrefix("dropped a remaster tag") })
        #expect(explanation.steps.contains { $0.hasPrefix("dropped a shop or edition tag") })
        #expect(explanation.steps.contains { $0.hasPrefix("read the sort name") })
        #expect(SongKey.explain(title: "Heroes", artist: "David Bowie").steps.isEmpty)
    }
}

/// Properties the key keeps over every credit in the pair table.
@Suite struct SongKeyPropertyTests {
    static var credits: [(String, String)] {
        (MatchingPairs.merge + MatchingPairs.keepApart).flatMap { [($0.0, $0.1), ($0.2, $0.3)] }
    }

    @Test func normalizingANormalizedCreditChangesNothing() {
        for (title, artist) in Self.credits {
            let once = SongKey.explain(title: title, artist: artist)
            let twice = SongKey.explain(title: once.title, artist: once.artist)
            #expect(twice.key == once.key, "\(title) / \(artist)")
        }
    }

    @Test func caseWidthAndNormalizationFormNeverChangeTheKey() {
        for (title, artist) in Self.credits {
            let key = SongKey.make(title: title, artist: artist)
            #expect(SongKey.make(title: title.uppercased(), artist: artist.uppercased()) == key, "upper: \(title)")
            #expect(SongKey.make(title: title.lowercased(), artist: artist.lowercased()) == key, "lower: \(title)")
            #expect(
                SongKey.make(title: title.decomposedStringWithCanonicalMapping, artist: artist.decomposedStringWithCanonicalMapping) == key,
                "NFD: \(title)")
            #expect(SongKey.make(title: Self.fullWidth(title), artist: Self.fullWidth(artist)) == key, "full width: \(title)")
        }
    }

    @Test func movingAGuestBetweenTitleAndArtistNeverChangesTheKey() {
        for (title, artist) in Self.credits where !artist.isEmpty {
            for marker in ["feat.", "ft.", "featuring", "Feat.", "FEATURING"] {
                let inTitle = SongKey.make(title: "\(title) (\(marker) Guest Star)", artist: artist)
                let inArtist = SongKey.make(title: title, artist: "\(artist) \(marker) Guest Star")
                #expect(inTitle == inArtist, "\(marker): \(title) / \(artist)")
            }
        }
    }

    /// ASCII letters, digits and punctuation as their full-width forms.
    static func fullWidth(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { scalar in
                    (0x21...0x7E).contains(scalar.value) ? Unicode.Scalar(scalar.value + 0xFEE0) ?? scalar : scalar
                }))
    }
}
