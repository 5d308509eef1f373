import Foundation
import IngestCore
import Synchronization

/// Record mode: writes each fetched page body to `page-001.json`, `page-002.json`, … in a
/// directory, with a `manifest.json` of redacted request URLs and times, so adapter tests can
/// replay real responses. Secrets never reach the files: only bodies and redacted URLs.
public final class FixtureRecorder: Sendable {
    public let directory: URL
    let entries = Mutex<[[String: String]]>([])

    /// Creates `directory` if needed and clears the pages and manifest of an earlier recording
    /// there (so a replay never mixes two recordings); throws a usage error naming it on failure.
    public init(directory: URL) throws {
        self.directory = directory
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.path)
            where name == "manifest.json" || (name.hasPrefix("page-") && name.hasSuffix(".json")) {
                try FileManager.default.removeItem(at: directory.appendingPathComponent(name))
            }
        } catch {
            throw IngestError.usage("cannot create the record directory \(directory.path): \(error.localizedDescription)")
        }
    }

    func record(_ body: Data, for request: PageRequest) throws {
        let (name, manifest) = entries.withLock { entries -> (String, [[String: String]]) in
            let name = String(format: "page-%03d.json", entries.count + 1)
            entries.append(["file": name, "url": request.redactedURL, "fetched_at": Timestamp.format(Date())])
            return (name, entries)
        }
        try body.write(to: directory.appendingPathComponent(name))
        let data = try JSONSerialization.data(withJSONObject: ["pages": manifest], options: [.prettyPrinted, .sortedKeys])
        try data.write(to: directory.appendingPathComponent("manifest.json"))
    }

    /// How many pages were recorded.
    public var count: Int { entries.withLock { $0.count } }
}
