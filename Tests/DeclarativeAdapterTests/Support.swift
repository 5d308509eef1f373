import DeclarativeAdapters
import Foundation
import IngestCore

/// Paths of the repository, the shipped adapter files and this target's recorded fixtures.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let adapters = root.appendingPathComponent("config/adapters")
    static let twins = adapters.appendingPathComponent("twins")
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ path: String) throws -> Data { try Data(contentsOf: fixtures.appendingPathComponent(path)) }

    static func definition(_ file: URL) throws -> AdapterDefinition { try DefinitionReader.load(path: file.path) }

    /// A declarative adapter from a shipped or twin file.
    static func adapter(
        _ file: URL, options: [String: String] = [:], baseURL: URL? = nil, pageSize: Int? = nil, environment: [String: String] = [:]
    ) throws -> DeclarativeAdapter {
        let definition = try definition(file)
        return try DeclarativeAdapter(
            definition: definition,
            settings: AdapterSettings(
                sourceName: definition.name, baseURL: baseURL, pageSize: pageSize, options: options, environment: environment))
    }
}

extension ParsedPage {
    var plays: [Play] { records.compactMap { if case .track(let play) = $0 { play } else { nil } } }
}
