import Foundation

/// Settings an adapter is built from: the CLI's flags or a config entry.
public struct AdapterSettings: Sendable, Equatable {
    /// The source name to store plays under; defaults to the adapter's name.
    public var sourceName: String
    /// The API root, when not the adapter's default.
    public var baseURL: URL?
    /// Plays per page, when not the adapter's default.
    public var pageSize: Int?
    /// Adapter-specific settings (an ABC station, a Spinitron key variable).
    public var options: [String: String]
    /// The environment, for secrets such as API keys.
    public var environment: [String: String]

    public init(sourceName: String, baseURL: URL? = nil, pageSize: Int? = nil, options: [String: String] = [:],
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.sourceName = sourceName
        self.baseURL = baseURL
        self.pageSize = pageSize
        self.options = options
        self.environment = environment
    }
}

/// Describes an adapter to the registry and builds it from settings. One conformer per
/// adapter; the CLI derives its subcommand (`radio-ingest <name>`) from it.
public protocol StationAdapterFactory {
    /// The adapter's name: its subcommand and default source name (`kexp`).
    static var name: String { get }
    /// One line for `--help`.
    static var summary: String { get }
    /// The API root used when no base URL is given.
    static var defaultBaseURL: URL { get }
    /// Builds the adapter, or throws ``IngestError`` (`.usage`) for bad settings.
    static func make(_ settings: AdapterSettings) throws -> any StationAdapter
}
