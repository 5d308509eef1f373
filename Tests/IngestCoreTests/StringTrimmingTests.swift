import Foundation
import Testing

@testable import IngestCore

@Suite struct StringTrimmingTests {
    @Test(arguments: [
        ("Song", "Song"), ("  Song \n", "Song"), ("\u{3000}曲\u{3000}", "曲"), ("\t", ""), ("", ""), ("A  B", "A  B"),
        ("Café ", "Café"), ("\u{00A0}x", "x"),
    ])
    func trimsLikeFoundation(text: String, expected: String) {
        #expect(text.trimmedFast == expected)
        #expect(text.trimmedFast == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test func trimsOnlyTheSetItIsGiven() {
        #expect(" Band, The\n".trimmedFast(.whitespaces) == "Band, The\n")
        #expect(" Band, The\n".trimmedFast(.whitespacesAndNewlines) == "Band, The")
    }

    @Test func countsCharactersNotBytes() {
        #expect(!String(repeating: "é", count: 10).exceeds(characters: 10))
        #expect(String(repeating: "é", count: 11).exceeds(characters: 10))
        #expect(!String(repeating: "👩‍👩‍👧", count: 3).exceeds(characters: 3))
        #expect("abcd".exceeds(characters: 3))
        #expect(!"abc".exceeds(characters: 3))
    }

    @Test func findsByteSequences() {
        #expect("song feat. someone".containsBytes(of: "feat"))
        #expect("feat".containsBytes(of: "feat"))
        #expect(!"fea".containsBytes(of: "feat"))
        #expect(!"Feat".containsBytes(of: "feat"))
        #expect("a × b".containsBytes(of: "×"))
        #expect("anything".containsBytes(of: ""))
        #expect(!"ffe".containsBytes(of: "fea"))
        #expect("fffeat".containsBytes(of: "feat"))
    }
}
