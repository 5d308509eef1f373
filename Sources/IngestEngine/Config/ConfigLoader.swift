import Foundation
import IngestCore
import YAMLReading
import Yams

/// Reads a YAML config strictly: unknown keys, wrong types and bad durations are errors that
/// name the file, line, column and key, so a typo never passes silently.
public struct ConfigLoader {
    /// Adapter names a source may use.
    public var knownAdapters: Set<String>
    /// Values for `${VAR}` and `${VAR:-default}`.
    public var environment: [String: String]
    /// Checks an entry's adapter options, by adapter name (``StationAdapterFactory/validate(options:)``).
    public var optionValidators: [String: ([String: String]) throws -> Void]

    public init(
        knownAdapters: Set<String>, environment: [String: String] = ProcessInfo.processInfo.environment,
        optionValidators: [String: ([String: String]) throws -> Void] = [:]
    ) {
        self.knownAdapters = knownAdapters
        self.environment = environment
        self.optionValidators = optionValidators
    }

    /// Loads and validates the file at `path`.
    public func load(path: String) throws -> IngestConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IngestError.usage("cannot read config file \(path)")
        }
        return try parse(String(decoding: data, as: UTF8.self), path: path)
    }

    /// Validates YAML text; `path` only labels errors.
    public func parse(_ yaml: String, path: String) throws -> IngestConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw IngestError.usage("\(path): \(Self.describe(error))")
        }
        var reader = NodeReader(path: path, environment: environment)
        guard let root else { throw IngestError.usage("\(path): the config is empty; it needs at least a 'sources:' section") }
        let top = try reader.mapping(
            root, key: "", allowed: ["database", "catalog", "concurrency", "lease_ttl", "adapters_dir", "log_format", "http", "sources"])
        var config = IngestConfig(path: path, databaseURL: nil, concurrency: 2, leaseTTL: nil, sources: [])
        if let format = top["log_format"] {
            let text = try reader.string(format.value, key: "log_format")
            guard ["text", "json"].contains(text) else {
                throw reader.error(format.value, key: "log_format", "must be text or json, not '\(text)'")
            }
            config.logFormat = text
        }
        if let http = top["http"] {
            let fields = try reader.mapping(http.value, key: "http", allowed: ["listen"])
            if let listen = fields["listen"] {
                let text = try reader.string(listen.value, key: "http.listen")
                guard ListenAddress(text) != nil else {
                    throw reader.error(listen.value, key: "http.listen", "'\(text)' is not HOST:PORT (such as 127.0.0.1:9464)")
                }
                config.httpListen = text
            }
        }
        if let directory = top["adapters_dir"] {
            config.adaptersDirectory = try Self.adaptersDirectory(directory.value, configPath: path, reader: reader)
        }
        if let database = top["database"] {
            let fields = try reader.mapping(database.value, key: "database", allowed: ["url"])
            if let url = fields["url"] {
                config.databaseURL = try reader.string(url.value, key: "database.url")
                if case .scalar(let raw) = url.value, Self.writesPassword(raw.string) {
                    config.warnings.append(
                        reader.error(
                            url.value, key: "database.url",
                            "has a password written in the file; put it in the environment instead, such as url: ${DATABASE_URL}"
                        ).message)
                }
            }
        }
        if let catalog = top["catalog"] {
            let fields = try reader.mapping(catalog.value, key: "catalog", allowed: ["columns"])
            if let columns = fields["columns"] {
                let roles = CatalogSchema.SongField.allCases.map(\.rawValue)
                for (role, name) in try reader.mapping(columns.value, key: "catalog.columns", allowed: Set(roles)).ordered {
                    config.catalogColumns[role] = try reader.string(name.value, key: "catalog.columns.\(role)")
                }
            }
        }
        if let ttl = top["lease_ttl"] {
            let duration = try reader.duration(ttl.value, key: "lease_ttl")
            guard duration >= .seconds(1) else { throw reader.error(ttl.value, key: "lease_ttl", "must be at least 1s") }
            config.leaseTTL = duration
        }
        if let concurrency = top["concurrency"] {
            config.concurrency = try reader.integer(concurrency.value, key: "concurrency", range: 1...32)
        }
        guard let sources = top["sources"] else { throw reader.error(root, key: "sources", "is missing: list at least one source") }
        let entries = try reader.mapping(sources.value, key: "sources", allowed: nil)
        var stations: [String: String] = [:]
        for (name, entry) in entries.ordered {
            let source = try source(name: name, node: entry.value, keyNode: entry.key, reader: &reader)
            // Provenance and coverage are kept per entry name: two entries for one station
            // would store every play twice.
            if let first = stations.updateValue(name, forKey: source.stationIdentity) {
                throw reader.error(
                    entry.key, key: "sources.\(name)",
                    "is the same station as sources.\(first) (the same adapter, base URL and options): every play would be stored twice, under two names; keep one entry (for a one-off backfill use `radio-ingest \(source.adapter) --source \(first) --start-date …`)"
                )
            }
            config.sources.append(source)
        }
        if config.sources.isEmpty { throw reader.error(sources.value, key: "sources", "is empty: list at least one source") }
        return config
    }

    func source(name: String, node: Node, keyNode: Node, reader: inout NodeReader) throws -> SourceConfig {
        let key = "sources.\(name)"
        guard name.range(of: #"^[a-z0-9][a-z0-9_-]*$"#, options: .regularExpression) != nil else {
            throw reader.error(keyNode, key: key, "is not a valid source name (lowercase letters, digits, '-' and '_')")
        }
        let fields = try reader.mapping(
            node, key: key,
            allowed: [
                "adapter", "enabled", "base_url", "polite_delay", "page_size", "limits", "incremental", "lookback", "schedule",
                "options",
            ])
        guard let adapterField = fields["adapter"] else { throw reader.error(node, key: "\(key).adapter", "is missing") }
        let adapter = try reader.string(adapterField.value, key: "\(key).adapter")
        guard knownAdapters.contains(adapter) else {
            throw reader.error(
                adapterField.value, key: "\(key).adapter",
                "'\(adapter)' is not an adapter; known: \(knownAdapters.sorted().joined(separator: ", "))")
        }
        var source = SourceConfig(name: name, adapter: adapter)
        if let field = fields["enabled"] { source.enabled = try reader.boolean(field.value, key: "\(key).enabled") }
        if let field = fields["incremental"] { source.incremental = try reader.boolean(field.value, key: "\(key).incremental") }
        if let field = fields["base_url"] {
            let text = try reader.string(field.value, key: "\(key).base_url")
            guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                throw reader.error(field.value, key: "\(key).base_url", "'\(text)' is not an http(s) URL")
            }
            source.baseURL = url
        }
        if let field = fields["lookback"] { source.lookback = try reader.duration(field.value, key: "\(key).lookback") }
        if let field = fields["polite_delay"] { source.politeDelay = try reader.duration(field.value, key: "\(key).polite_delay") }
        if let field = fields["page_size"] { source.pageSize = try reader.integer(field.value, key: "\(key).page_size", range: 1...10_000) }
        if let field = fields["limits"] {
            let limits = try reader.mapping(field.value, key: "\(key).limits", allowed: ["limit", "page_limit"])
            source.limit = try limits["limit"].map { try reader.integer($0.value, key: "\(key).limits.limit", range: 1...Int.max) }
            source.pageLimit = try limits["page_limit"].map {
                try reader.integer($0.value, key: "\(key).limits.page_limit", range: 1...Int.max)
            }
        }
        if let field = fields["schedule"] {
            let schedule = try reader.mapping(field.value, key: "\(key).schedule", allowed: ["every", "jitter"])
            guard let every = schedule["every"] else { throw reader.error(field.value, key: "\(key).schedule.every", "is missing") }
            var parsed = SourceConfig.Schedule(every: try reader.duration(every.value, key: "\(key).schedule.every"))
            if parsed.every < .seconds(1) { throw reader.error(every.value, key: "\(key).schedule.every", "must be at least 1s") }
            if let jitter = schedule["jitter"] { parsed.jitter = try reader.duration(jitter.value, key: "\(key).schedule.jitter") }
            source.schedule = parsed
        }
        if let field = fields["options"] {
            for (option, value) in try reader.mapping(field.value, key: "\(key).options", allowed: nil).ordered {
                source.options[option] = try reader.string(value.value, key: "\(key).options.\(option)")
            }
        }
        if let validate = optionValidators[adapter] {
            do {
                try validate(source.options)
            } catch let error as IngestError {
                throw reader.error(fields["options"]?.value ?? keyNode, key: "\(key).options", "are invalid: " + error.message)
            }
        }
        return source
    }

    /// `adapters_dir`, read before the rest of the file: the adapters it holds decide which
    /// `adapter:` names the config may use. `nil` when the file does not set it; a directory that
    /// does not exist is an error with its position.
    public static func adaptersDirectory(
        configPath path: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> URL? {
        guard let data = FileManager.default.contents(atPath: path),
            case .mapping(let top)? = try? Yams.compose(yaml: String(decoding: data, as: UTF8.self)),
            let node = top.first(where: { $0.key.string == "adapters_dir" })?.value
        else { return nil }
        return try adaptersDirectory(node, configPath: path, reader: NodeReader(path: path, environment: environment))
    }

    /// Whether a database URL as written in the file (before `${VAR}`s are filled) holds a
    /// password of its own: `postgres://user:pw@host/db`, not `postgres://user:${PW}@host/db`.
    static func writesPassword(_ url: String) -> Bool {
        guard let scheme = url.range(of: "://") else { return false }
        let authority = url[scheme.upperBound...].prefix { !"/?#".contains($0) }
        guard let at = authority.lastIndex(of: "@") else { return false }
        let userInfo = authority[..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return false }
        let password = userInfo[userInfo.index(after: colon)...]
        return !password.isEmpty && !password.contains("${")
    }

    static func adaptersDirectory(_ node: Node, configPath: String, reader: NodeReader) throws -> URL {
        let text = try reader.string(node, key: "adapters_dir")
        let base = URL(fileURLWithPath: configPath).deletingLastPathComponent()
        let url = text.hasPrefix("/") ? URL(fileURLWithPath: text) : base.appendingPathComponent(text)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw reader.error(
                node, key: "adapters_dir", "'\(text)' is not a directory (relative paths start at the config file's directory)")
        }
        return url.standardizedFileURL
    }

    static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return "\(mark.line):\(mark.column): invalid YAML: \(problem)"
        default:
            return "invalid YAML: \(error)"
        }
    }
}
