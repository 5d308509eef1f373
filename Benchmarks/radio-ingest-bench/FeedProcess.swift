import Foundation
import IngestTesting

/// The fake KEXP feed in a process of its own, as a real server would be: serving pages then
/// costs the ingester nothing but the HTTP round trip, and contention for the cores shows.
///
/// The bench starts itself as `radio-ingest-bench serve-feed --plays N`; that process prints
/// its API root on one line and serves until its standard input closes.
enum FeedProcess {
    static let command = "serve-feed"

    /// The feed the bench measures: `plays` generated rows, a new song in every four tracks
    /// all through the history.
    static func feed(plays: Int) -> GeneratedKEXPFeed {
        GeneratedKEXPFeed(count: plays, distinctSongs: max(500, plays / 4), steadySongs: true)
    }

    /// Runs as the feed process (never returns).
    static func serve(plays: Int) async throws -> Never {
        let server = try await FeedServer.start(feed(plays: plays))
        FileHandle.standardOutput.write(Data((server.apiRoot.absoluteString + "\n").utf8))
        // Serve until the bench closes our standard input (or exits).
        _ = FileHandle.standardInput.readDataToEndOfFile()
        try await server.server.shutdown()
        exit(0)
    }

    /// A running feed process and its API root.
    final class Handle {
        let process: Process
        let input: Pipe
        let apiRoot: URL

        init(plays: Int) throws {
            process = Process()
            process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
            process.arguments = [FeedProcess.command, "--plays", "\(plays)"]
            input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            var line = Data()
            while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
                line.append(byte)
            }
            guard let url = URL(string: String(decoding: line, as: UTF8.self)), url.scheme == "http" else {
                throw BenchError("the feed process did not start")
            }
            apiRoot = url
        }

        func stop() {
            try? input.fileHandleForWriting.close()
            process.waitUntilExit()
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
