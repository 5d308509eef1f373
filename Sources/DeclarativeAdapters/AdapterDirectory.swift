import Foundation
import IngestCore

/// Where adapter files live and how a directory of them loads.
public enum AdapterDirectory {
    /// Every `*.yaml` / `*.yml` file of `directory`, sorted by name, read and checked. A name
    /// declared by two files is an error naming both.
    public static func load(_ directory: URL) throws -> [AdapterDefinition] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw IngestError.usage("the adapters directory \(directory.path) does not exist")
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        var definitions: [AdapterDefinition] = []
        for file in files {
            let definition = try DefinitionReader.load(path: directory.appendingPathComponent(file).path)
            if let other = definitions.first(where: { $0.name == definition.name }) {
                throw IngestError.usage("the adapter '\(definition.name)' is defined twice: in \(other.file) and in \(definition.file)")
            }
            definitions.append(definition)
        }
        return definitions
    }

    /// The shipped adapters' directory, `config/adapters`: found from the executable (a build
    /// under `.build/` of a checkout) or the working directory; `nil` when neither has it.
    public static func shipped(
        executable: URL = URL(fileURLWithPath: CommandLine.arguments[0]),
        workingDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    ) -> URL? {
        var candidates: [URL] = []
        var folder = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(folder.appendingPathComponent("config/adapters"))
            candidates.append(folder.appendingPathComponent("share/radio-ingest/adapters"))
            folder = folder.deletingLastPathComponent()
        }
        candidates.append(workingDirectory.appendingPathComponent("config/adapters"))
        return candidates.first { url in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }
}
