import Foundation
import IngestCore
import Testing

@Suite struct PlayValidationTests {
    static func play(title: String = "T", artist: String = "A") -> Play {
        Play(sourcePlayID: "1", title: title, artist: artist, airdate: Date(timeIntervalSince1970: 0))
    }

    @Test func acceptsAnOrdinaryPlay() {
        #expect(PlayValidation.problem(with: Self.play()) == nil)
    }

    @Test(arguments: [("  ", "A"), ("T", ""), (String(repeating: "x", count: 1001), "A"), ("T", "A\u{0}B")])
    func rejectsMissingOverlongOrNulFields(title: String, artist: String) {
        #expect(PlayValidation.problem(with: Self.play(title: title, artist: artist)) != nil)
    }
}
