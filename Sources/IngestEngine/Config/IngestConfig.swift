import Foundation
import IngestCore

/// A YAML config: the catalog and the sources to run, each with its own limits and schedule.
/// `docs/configuration.md` documents every key; ``ConfigLoader`` reads and validates it.
public struct IngestConfig: Sendable, Equatable {
    /// The file it was read from.
    public var path: String
    /// `database.url`, after environment interpolation.
    public var databaseURL: String?
    /// `concurrency`: how many sources `run` and `daemon` ingest at once (default 2).
    public var concurrency: Int
    /// `lease_ttl`: how long a source stays claimed by a process that stopped renewing its
    /// lease (crashed, paused, cut off) before another may take it (default 5 minutes).
    public var leaseTTL: Duration?
    /// `log_format`: `text` or `json`.
    public var logFormat: String?
    /// `http.listen`: where the daemon serves health, metrics and the status page (`127.0.0.1:9464`).
    public var httpListen: String?
    /// `adapters_dir`: a directory of YAML adapters (relative to the config file).
    public var adaptersDirectory: URL?
    /// `sources`, in file order.
    public var sources: [SourceConfig]
    /// `catalog.columns`: the catalog's `songs` columns by role (`created`, `updated`, `mbid`,
    /// ...) where detection does not recognise their names.
    public var catalogColumns: [String: String] = [:]
    /// What the file does that works but should not (a password written in it), each naming
    /// file, line and column; the CLI prints them.
    public var warnings: [String] = []

    /// The entry named `name`.
    public func source(named name: String) -> SourceConfig? {
        sources.first { $0.name == name }
    }
}

/// One entry under `sources:`.
public struct SourceConfig: Sendable, Equatable {
    /// The entry's name: its checkpoint, lease and play rows are stored under it.
    public var name: String
    /// The adapter (`kexp`); several entries may share one.
    public var adapter: String
    public var enabled = true
    public var baseURL: URL?
    public var politeDelay: Duration?
    public var pageSize: Int?
    public var limit: Int?
    public var pageLimit: Int?
    /// `lookback`: how much covered history runs read again for late plays (default: the adapter's).
    public var lookback: Duration?
    /// Scheduled and config-driven runs are incremental unless this is `false` (a backfill).
    public var incremental = true
    public var schedule: Schedule?
    /// Adapter-specific settings (`station`, `api_key_env`).
    public var options: [String: String] = [:]

    /// `schedule: { every: 15m, jitter: 1m }`.
    public struct Schedule: Sendable, Equatable {
        public var every: Duration
        public var jitter: Duration = .zero

        public init(every: Duration, jitter: Duration = .zero) {
            self.every = every
            self.jitter = jitter
        }
    }

    /// What makes two entries the same station: the adapter, its API root and its options.
    var stationIdentity: String {
        ([adapter, baseURL?.absoluteString ?? "(default)"] + options.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
            .joined(separator: "\u{1F}")
    }

    /// The adapter settings this entry describes.
    public func adapterSettings(environment: [String: String] = ProcessInfo.processInfo.environment) -> AdapterSettings {
        var settings = AdapterSettings(sourceName: name, baseURL: baseURL, pageSize: pageSize, options: options, environment: environment)
        settings.namesTheSource = true
        return settings
    }

    /// The run options this entry describes.
    public var runOptions: RunOptions {
        RunOptions(
            limit: limit, pageLimit: pageLimit, incremental: incremental,
            politeDelay: politeDelay ?? .milliseconds(250), lookback: lookback)
    }
}
