import ArgumentParser
import Foundation
import IngestCore
import IngestEngine

/// `--config`: the YAML file, else `$RADIO_INGEST_CONFIG`, else `radio-ingest.yaml` when it
/// exists in the working directory.
struct ConfigOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The YAML config (default: $RADIO_INGEST_CONFIG, else ./radio-ingest.yaml if present).", valueName: "file"))
    var config: String?
    @Option(
        help: ArgumentHelp(
            "A directory of YAML adapters to offer besides the shipped ones (each NAME.yaml is an adapter).", valueName: "dir"))
    var adapters: String?

    var resolvedPath: String? { Self.resolve(flag: config) }

    /// The config file `--config FILE` (or its absence) means: the flag, else
    /// `$RADIO_INGEST_CONFIG`, else `./radio-ingest.yaml` when it exists.
    static func resolve(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let flag { return flag }
        if let env = environment["RADIO_INGEST_CONFIG"], !env.isEmpty { return env }
        return FileManager.default.fileExists(atPath: "radio-ingest.yaml") ? "radio-ingest.yaml" : nil
    }

    /// The config, or `nil` when none is given or found; a broken one is a usage error.
    func load() throws -> IngestConfig? {
        guard let path = resolvedPath else { return nil }
        let config = try usage {
            let catalog = AdapterCatalog.current
            return try ConfigLoader(
                knownAdapters: Set(catalog.entries.map(\.name)),
                optionValidators: Dictionary(
                    uniqueKeysWithValues: catalog.entries.map { entry in (entry.name, { try entry.validate($0) }) })
            ).load(path: path)
        }
        for warning in config.warnings { FileHandleOutput.standardError("radio-ingest: warning: \(warning)") }
        return config
    }

    /// The config, required.
    func require() throws -> IngestConfig {
        guard let config = try load() else {
            FileHandleOutput.standardError("radio-ingest: no config: pass --config FILE (see config/radio-ingest.yaml)")
            throw ExitCode.validationFailure
        }
        return config
    }
}
