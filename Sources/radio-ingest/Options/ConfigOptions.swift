import ArgumentParser
import Foundation
import IngestCore
import IngestEngine

/// `--config`: the YAML file, else `$RADIO_INGEST_CONFIG`, else `radio-ingest.yaml` when it
/// exists in the working directory.
struct ConfigOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The YAML config (default: $RADIO_INGEST_CONFIG, else ./radio-ingest.yaml if present).", valueName: "file"))
    var config: String?

    var resolvedPath: String? {
        if let config { return config }
        if let env = ProcessInfo.processInfo.environment["RADIO_INGEST_CONFIG"], !env.isEmpty { return env }
        return FileManager.default.fileExists(atPath: "radio-ingest.yaml") ? "radio-ingest.yaml" : nil
    }

    /// The config, or `nil` when none is given or found; a broken one is a usage error.
    func load() throws -> IngestConfig? {
        guard let path = resolvedPath else { return nil }
        return try usage {
            try ConfigLoader(
                knownAdapters: Set(registeredAdapters.map { $0.name }),
                optionValidators: Dictionary(
                    uniqueKeysWithValues: registeredAdapters.map { factory in (factory.name, { try factory.validate(options: $0) }) })
            ).load(path: path)
        }
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

/// The adapter factory registered under `name`.
func adapterFactory(named name: String) -> (any StationAdapterFactory.Type)? {
    registeredAdapters.first { $0.name == name }
}
