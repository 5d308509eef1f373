import ArgumentParser
import Foundation
import IngestCore
import IngestEngine

/// `radio-ingest songs duplicates`: songs that share a match key, for the catalog owner.
struct SongsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "songs", abstract: "Look at the catalog's songs.", subcommands: [Duplicates.self])

    struct Duplicates: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List songs whose title and artist give the same match key, with their play counts.",
            discussion: """
                RadioIngest never merges or rewrites songs. Where two songs share a key (made under an older key \
                version, or by another program), the oldest holds it and new plays link to it; the others are listed \
                here so that the catalog owner can decide. Keys are brought up to date by any writing run or `migrate`.
                """)
        @Option(parsing: .unconditional, help: "At most this many groups.") var limit = 100
        @Flag(help: "One JSON object.") var json = false
        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        }

        func run() async throws {
            let groups = try await database.withStore(
                readOnly: true, logger: logging.makeLogger(), config: try config.load(), announce: true
            ) { store in
                try await store.duplicateSongs(limit: limit)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                struct Report: Encodable {
                    var keyVersion: Int
                    var groups: [DuplicateGroup]
                    enum CodingKeys: String, CodingKey { case keyVersion = "key_version", groups }
                }
                print(String(decoding: try encoder.encode(Report(keyVersion: SongKey.version, groups: groups)), as: UTF8.self))
                return
            }
            guard !groups.isEmpty else {
                print("no duplicate songs (under match key version \(SongKey.version))")
                return
            }
            print("\(groups.count) group\(groups.count == 1 ? "" : "s") of songs sharing a match key (version \(SongKey.version)):")
            for group in groups {
                print("")
                for song in group.songs {
                    let role = song.canonical ? "canonical" : "duplicate"
                    print("  \(role)  \(song.id)  \(song.artist) – \(song.title)  (\(song.plays) play\(song.plays == 1 ? "" : "s"))")
                }
            }
        }
    }
}
