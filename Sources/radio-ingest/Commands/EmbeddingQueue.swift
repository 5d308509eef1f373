import ArgumentParser
import Foundation
import IngestCore
import IngestEngine

extension RadioIngest {
    /// `radio-ingest embedding-queue`: the new songs awaiting an embedding, for the backfill.
    struct EmbeddingQueue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "embedding-queue", abstract: "List songs inserted by radio-ingest that await an embedding.")

        @Option(parsing: .unconditional, help: "At most this many songs.") var limit = 100
        @Flag(help: "One JSON object per line.") var json = false
        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        }

        func run() async throws {
            let logger = logging.makeLogger()
            let (songs, total) = try await database.withStore(readOnly: true, logger: logger, config: try config.load(), announce: true) {
                store in
                (try await store.songsAwaitingEmbedding(limit: limit), try await store.countSongsAwaitingEmbedding())
            }
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = .sortedKeys
            encoder.keyEncodingStrategy = .convertToSnakeCase
            for song in songs {
                if json {
                    print(String(decoding: try encoder.encode(song), as: UTF8.self))
                } else {
                    print("\(song.id)\t\(song.artist) — \(song.title)\t\(song.source ?? "")")
                }
            }
            if !json { FileHandleOutput.standardError("\(total) song(s) await an embedding") }
        }
    }
}
