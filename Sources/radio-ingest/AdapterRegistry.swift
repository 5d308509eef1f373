import ABC
import DeclarativeAdapters
import Foundation
import IngestCore
import IngestEngine
import KEXP
import Spinitron

/// The Swift adapters, alphabetised. Adding a Swift station is one line here; a YAML station
/// needs none (config/adapters/NAME.yaml, `adapters_dir`, or `--adapters DIR`).
let swiftAdapters: [any StationAdapterFactory.Type] = [
    ABCFactory.self,
    KEXPFactory.self,
    SpinitronFactory.self,
]

/// One adapter the CLI offers, Swift or YAML: what its subcommand, `radio-ingest adapters` and a
/// config entry's `adapter:` need.
struct AdapterEntry: Sendable {
    enum Kind: String, Sendable { case swift, yaml }

    let name: String
    let kind: Kind
    let summary: String
    /// The YAML file, for a declarative adapter.
    let file: String?
    let options: [AdapterOption]
    let defaultBaseURL: URL
    let validate: @Sendable ([String: String]) throws -> Void
    let make: @Sendable (AdapterSettings) throws -> any StationAdapter

    static func swift(_ factory: any StationAdapterFactory.Type) -> AdapterEntry {
        AdapterEntry(
            name: factory.name, kind: .swift, summary: factory.summary, file: nil, options: factory.options,
            defaultBaseURL: factory.defaultBaseURL, validate: { try factory.validate(options: $0) }, make: { try factory.make($0) })
    }

    static func yaml(_ definition: AdapterDefinition) -> AdapterEntry {
        AdapterEntry(
            name: definition.name, kind: .yaml, summary: definition.summary, file: definition.file, options: definition.options,
            defaultBaseURL: definition.defaultBaseURL, validate: { try definition.validate(options: $0) },
            make: { try DeclarativeAdapter(definition: definition, settings: $0) })
    }
}

/// Every adapter of this invocation: the Swift ones and the YAML files of the shipped
/// directory, the config's `adapters_dir` and `--adapters DIR`. A name defined twice is an error.
struct AdapterCatalog: Sendable {
    /// All adapters, by name.
    var entries: [AdapterEntry]
    /// The YAML ones, in the order of their subcommand slots.
    var declared: [AdapterEntry]
    /// The directories read.
    var directories: [URL]

    /// The catalog the commands see; set once by `main` before arguments are parsed.
    nonisolated(unsafe) static var current = AdapterCatalog(entries: swiftAdapters.map(AdapterEntry.swift), declared: [], directories: [])

    func entry(named name: String) -> AdapterEntry? { entries.first { $0.name == name } }

    static func load(directories: [URL]) throws -> AdapterCatalog {
        var entries = swiftAdapters.map(AdapterEntry.swift)
        var declared: [AdapterEntry] = []
        for directory in directories {
            for definition in try AdapterDirectory.load(directory) {
                if let other = entries.first(where: { $0.name == definition.name }) {
                    let where_ = other.file.map { "in \($0)" } ?? "as a Swift adapter"
                    throw IngestError.usage("the adapter '\(definition.name)' is defined twice: \(where_) and in \(definition.file)")
                }
                let entry = AdapterEntry.yaml(definition)
                entries.append(entry)
                declared.append(entry)
            }
        }
        guard declared.count <= declaredSlots.count else {
            throw IngestError.usage("at most \(declaredSlots.count) YAML adapters can be loaded at once, not \(declared.count)")
        }
        return AdapterCatalog(entries: entries.sorted { $0.name < $1.name }, declared: declared, directories: directories)
    }

    /// The directories this command line asks for: the shipped one, the config's
    /// `adapters_dir`, and `--adapters DIR` (read here, before the arguments are parsed, because
    /// the adapters decide which subcommands exist).
    static func directories(arguments: [String], environment: [String: String]) throws -> [URL] {
        var directories: [URL] = []
        if let shipped = AdapterDirectory.shipped() { directories.append(shipped.standardizedFileURL) }
        if let path = ConfigOptions.resolve(flag: value(of: "--config", in: arguments), environment: environment),
            let directory = try ConfigLoader.adaptersDirectory(configPath: path, environment: environment)
        {
            directories.append(directory)
        }
        if let path = value(of: "--adapters", in: arguments) {
            directories.append(URL(fileURLWithPath: path).standardizedFileURL)
        }
        var seen = Set<String>()
        return directories.filter { seen.insert($0.path).inserted }
    }

    /// The value of `--name VALUE` or `--name=VALUE`.
    static func value(of flag: String, in arguments: [String]) -> String? {
        for (index, argument) in arguments.enumerated() {
            if argument == flag, index + 1 < arguments.count { return arguments[index + 1] }
            if argument.hasPrefix(flag + "=") { return String(argument.dropFirst(flag.count + 1)) }
        }
        return nil
    }
}
