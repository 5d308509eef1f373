import Foundation

/// Settings an adapter is built from: the CLI's flags or a config entry.
public struct AdapterSettings: Sendable, Equatable {
    /// The source name to store plays under; defaults to the adapter's name.
    public var sourceName: String
    /// The source name was chosen (a config entry's name), not defaulted: an adapter that names
    /// its sources after a setting (`abc-triplej`) keeps it as it is.
    public var namesTheSource = false

    /// The source name, or `perStation` when the name is only the adapter's own (`adapter`):
    /// a config entry's name, or any name given, always stands.
    public func sourceName(adapter: String, perStation: @autoclosure () -> String) -> String {
        namesTheSource || sourceName != adapter ? sourceName : perStation()
    }
    /// The API root, when not the adapter's default.
    public var baseURL: URL?
    /// Plays per page, when not the adapter's default.
    public var pageSize: Int?
    /// Adapter-specific settings (an ABC station, a Spinitron key variable).
    public var options: [String: String]
    /// The environment, for secrets such as API keys.
    public var environment: [String: String]

    public init(
        sourceName: String, baseURL: URL? = nil, pageSize: Int? = nil, options: [String: String] = [:],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.sourceName = sourceName
        self.baseURL = baseURL
        self.pageSize = pageSize
        self.options = options
        self.environment = environment
    }
}

/// Describes an adapter to the registry and builds it from settings. One conformer per
/// adapter; the CLI derives its subcommand (`radio-ingest <name>`) from it.
public protocol StationAdapterFactory: SendableMetatype {
    /// The adapter's name: its subcommand and default source name (`kexp`).
    static var name: String { get }
    /// One line for `--help`.
    static var summary: String { get }
    /// The API root used when no base URL is given.
    static var defaultBaseURL: URL { get }
    /// Adapter-specific settings: `options:` keys in the config and `--name value` flags of the
    /// adapter's subcommand.
    static var options: [AdapterOption] { get }
    /// Builds the adapter, or throws ``IngestError`` (`.usage`) for bad settings.
    static func make(_ settings: AdapterSettings) throws -> any StationAdapter
    /// Checks a config entry's options when the config loads (unknown or missing options,
    /// malformed values), without the environment: so a broken entry fails with its file and
    /// line before anything runs. The default rejects options the adapter does not declare.
    static func validate(options: [String: String]) throws
}

extension StationAdapterFactory {
    public static var options: [AdapterOption] { [] }

    public static func validate(options: [String: String]) throws {
        try rejectUnknownOptions(AdapterSettings(sourceName: name, options: options))
    }

    /// Throws a usage error naming the first option this adapter does not know.
    public static func rejectUnknownOptions(_ settings: AdapterSettings) throws {
        let known = Set(options.map(\.name))
        if let unknown = settings.options.keys.sorted().first(where: { !known.contains($0) }) {
            let list = known.isEmpty ? "it takes none" : "known: \(known.sorted().joined(separator: ", "))"
            throw IngestError.usage("the \(name) adapter has no option '\(unknown)' (\(list))")
        }
    }
}

/// One adapter-specific setting.
public struct AdapterOption: Sendable, Equatable {
    /// The key, as in `options: { station: triplej }` or `--station triplej`.
    public var name: String
    /// One line for `--help`.
    public var help: String

    public init(name: String, help: String) {
        self.name = name
        self.help = help
    }
}
