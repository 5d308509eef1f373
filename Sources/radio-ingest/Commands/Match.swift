import ArgumentParser
import Foundation
import IngestCore
import IngestEngine

/// `radio-ingest match`: why a title and artist would link to a song, or create one.
struct MatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match", abstract: "Explain how one play would be matched: its key, the rules that fired, the song (read-only).")

    @Option(help: "The play's title.") var title: String
    @Option(help: "The play's artist credit.") var artist: String
    @Option(help: "Its MusicBrainz recording id, if known.") var mbid: String?
    @Flag(help: "One JSON object.") var json = false
    @OptionGroup var config: ConfigOptions
    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let explanation = SongKey.explain(title: title, artist: artist)
        let mbid = self.mbid?.lowercased()
        let found = try await database.withStore(readOnly: true, logger: logging.makeLogger(), config: try config.load(), announce: true) {
            store -> (id: String, method: String, title: String, artist: String)? in
            try await store.prepareForMatching(readOnly: true)
            let hits = try await store.withReadSession { session in
                try await session.findSongs(mbids: mbid.map { [$0] } ?? [], isrcs: [], keys: explanation.key.map { [$0] } ?? [])
            }
            guard let hit = hits.first(where: { $0.kind == .mbid }) ?? hits.first(where: { $0.kind == .key }) else { return nil }
            let song = try await store.songSummaries(ids: [hit.songID])[hit.songID]
            return (hit.songID, hit.kind == .mbid ? "mbid" : "key", song?.title ?? "?", song?.artist ?? "?")
        }
        if json {
            var object: [String: Any] = [
                "key": explanation.key ?? NSNull(), "key_version": SongKey.version, "normalized_title": explanation.title,
                "normalized_artist": explanation.artist, "rules": explanation.steps,
            ]
            object["song"] = found.map { ["id": $0.id, "by": $0.method, "title": $0.title, "artist": $0.artist] } ?? NSNull()
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        print("title:    \(explanation.title.isEmpty ? "(nothing left)" : explanation.title)")
        print("artist:   \(explanation.artist.isEmpty ? "(nothing left)" : explanation.artist)")
        print("key:      version \(SongKey.version)" + (explanation.key == nil ? ", none (a play needs a title and an artist)" : ""))
        print("rules:    " + (explanation.steps.isEmpty ? "none fired (case, accents and punctuation only)" : ""))
        for step in explanation.steps { print("  - \(step)") }
        if let found {
            print(
                "song:     would link to \(found.id)  \(found.artist) – \(found.title)  (by \(found.method == "mbid" ? "MusicBrainz id" : "key"))"
            )
        } else {
            print("song:     no song has this \(mbid == nil ? "" : "MusicBrainz id or ")key; a run would insert a new one")
        }
    }
}
