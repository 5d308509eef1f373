import IngestCore
import Testing

@Suite struct SongKeyTests {
    @Test(arguments: [
        ("Heroes", "David Bowie", "HEROES", "david bowie"),
        ("Straße", "Sigur Rós", "STRASSE", "Sigur Ros"),
        ("Ｆｕｌｌ Ｗｉｄｔｈ", "Ｂａｎｄ", "full width", "band"),
        ("Como La Chicha (feat. Fabian Arias & Dakota Camacho)", "ill-esha", "Como La Chicha", "ill esha"),
        ("Song ft. Somebody", "Artist", "Song", "Artist"),
        ("Waterloo Sunset - 2011 Remaster", "The Kinks", "Waterloo Sunset", "The Kinks"),
        ("Heroes (Remastered)", "David Bowie", "Heroes", "David Bowie"),
        ("Heroes [2017 Remaster]", "David Bowie", "Heroes", "David Bowie"),
        ("Sanzara", "Omar Sosa & Yilian Cañizares", "sanzara", "Omar Sosa and Yilian Canizares"),
        ("Don't  Stop…", "Fleetwood   Mac", "dont stop", "fleetwood mac"),
        ("Hej", "Øyvind Łukasz", "hej", "oyvind lukasz"),
    ])
    func equalKeysForTheSameRecording(title: String, artist: String, otherTitle: String, otherArtist: String) {
        #expect(SongKey.make(title: title, artist: artist) == SongKey.make(title: otherTitle, artist: otherArtist))
    }

    @Test(arguments: [
        ("Heroes (Live)", "Heroes"),
        ("Heroes - Radio Edit", "Heroes"),
        ("Heroes (Remix)", "Heroes"),
        ("Heroes (Acoustic)", "Heroes"),
        ("Heroes (Instrumental)", "Heroes"),
        ("Heroes (Single Version)", "Heroes"),
        ("Heroes (Live at KEXP)", "Heroes"),
    ])
    func differentKeysForDifferentRecordings(title: String, original: String) {
        #expect(SongKey.make(title: title, artist: "David Bowie") != SongKey.make(title: original, artist: "David Bowie"))
    }

    @Test func artistMadeOnlyOfPunctuationStillHasAKey() {
        #expect(SongKey.make(title: "Heart of Hearts", artist: "!!!") != nil)
    }

    @Test func featuredCreditsStayInTheArtist() {
        #expect(SongKey.make(title: "X", artist: "A feat. B") != SongKey.make(title: "X", artist: "A"))
    }
}
