import ArgumentParser
import DeclarativeAdapters
import Foundation
import IngestCore

/// `radio-ingest adapters`: every adapter this invocation offers.
struct AdaptersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapters",
        abstract: "List every adapter: name, kind (swift or yaml), file, summary and params.",
        discussion: """
            YAML adapters come from config/adapters/ (shipped), the config's adapters_dir and --adapters DIR; \
            each is a subcommand (radio-ingest NAME) and an `adapter:` a config entry can use.
            """)

    @Option(help: ArgumentHelp("The YAML config, for its adapters_dir.", valueName: "file")) var config: String?
    @Option(help: ArgumentHelp("Another directory of YAML adapters.", valueName: "dir")) var adapters: String?
    @Flag(help: "One JSON document instead of text.") var json = false

    func run() throws {
        let catalog = AdapterCatalog.current
        if json {
            let list = catalog.entries.map { entry -> [String: Any] in
                [
                    "name": entry.name, "kind": entry.kind.rawValue, "file": entry.file ?? NSNull(), "summary": entry.summary,
                    "default_base_url": entry.defaultBaseURL.absoluteString,
                    "params": entry.options.map { ["name": $0.name, "help": $0.help] },
                ]
            }
            let document: [String: Any] = ["adapters": list, "directories": catalog.directories.map(\.path)]
            let data = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for entry in catalog.entries {
            let params = entry.options.map { "--\($0.name.replacingOccurrences(of: "_", with: "-"))" }.joined(separator: " ")
            print(
                "\(entry.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(entry.kind.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0)) \(entry.summary)"
            )
            if let file = entry.file { print("             file: \(file)") }
            if !params.isEmpty { print("             params: \(params)") }
        }
        let directories = catalog.directories.map(\.path)
        print(
            directories.isEmpty
                ? "\nno adapter directory found (config/adapters is looked for next to the build and in the working directory)"
                : "\nYAML adapters read from: \(directories.joined(separator: ", "))")
    }
}

/// `radio-ingest adapter check FILE --fixtures DIR`.
struct AdapterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapter", abstract: "Work on one YAML adapter file.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a YAML adapter and run the adapter test kit on recorded pages, without Swift.",
            discussion: """
                Checks that the file loads, that every fixture (*.json in DIR, as `radio-ingest NAME --record DIR` saves \
                them) parses with at least one track, unique play ids and times in the declared order, that an empty page \
                ends the walk, that window bounds are sent with explicit offsets, and that malformed bodies are refused. \
                Prints what each page held. Exit codes: 0 no problems, 1 problems found, 64 the file does not load.
                """)

        @Argument(help: ArgumentHelp("The adapter's YAML file.", valueName: "file")) var file: String
        @Option(help: ArgumentHelp("A directory of recorded pages (*.json).", valueName: "dir")) var fixtures: String
        @Option(
            name: .customLong("param"),
            help: ArgumentHelp(
                "A param value, as station=wwfm (repeatable); required params without one get a placeholder.", valueName: "name=value"))
        var params: [String] = []
        @Option(help: ArgumentHelp("The body of an empty page (default: derived from records.path).", valueName: "file"))
        var emptyPage: String?

        func run() throws {
            let definition = try usage { try DefinitionReader.load(path: file) }
            var options: [String: String] = [:]
            for pair in params {
                guard let equals = pair.firstIndex(of: "=") else { throw ValidationError("--param needs name=value, not '\(pair)'") }
                options[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            for param in definition.params where param.required && options[param.name] == nil && param.defaultValue == nil {
                options[param.name] = Self.placeholder(matching: param.pattern)
            }
            // Nothing is sent: a secret the file reads from the environment gets a stand-in when unset.
            let environment = ProcessInfo.processInfo.environment
            let adapter = try usage {
                try DeclarativeAdapter(
                    definition: definition, settings: Self.settings(definition, options: options, environment: environment))
            }
            let loaded = try usage {
                do {
                    return try AdapterFixture.load(directory: URL(fileURLWithPath: fixtures))
                } catch {
                    throw IngestError.usage("cannot read the fixtures directory \(fixtures)")
                }
            }
            let empty = try emptyPage.map { try Data(contentsOf: URL(fileURLWithPath: $0)) } ?? definition.records.path.emptyDocument
            let request = try adapter.firstRequest(for: .unbounded)
            print("\(definition.name) (\(definition.file)): \(loaded.count) recorded page(s)")
            // Each recorded page parsed once; one that does not parse is the kit's to report.
            let pages = loaded.map { fixture in (fixture.name, try? adapter.parse(fixture.body, for: request)) }
            for case let (name, page?) in pages {
                var tracks = 0, other = 0
                var reasons: [String: Int] = [:]
                for record in page.records {
                    switch record {
                    case .track: tracks += 1
                    case .nonTrack: other += 1
                    case .invalid(let reason): reasons[reason.detail, default: 0] += 1
                    }
                }
                let invalid = reasons.values.reduce(0, +)
                print(
                    "  \(name): \(tracks) tracks, \(other) not tracks, \(invalid) invalid\(page.next == nil ? "" : ", asks for a next page")"
                )
                for (reason, count) in reasons.sorted(by: { $0.key < $1.key }) { print("    \(count) x \(reason)") }
            }
            // An optional field no recorded row has a value for is probably a misspelled path.
            let plays = pages.compactMap(\.1).flatMap {
                $0.records.compactMap { record -> Play? in if case .track(let play) = record { play } else { nil } }
            }
            let optional: [(String, KeyPath<Play, String?>?)] = [
                ("album", \Play.album), ("mbid", \Play.mbid), ("isrc", \Play.isrc), ("year", nil),
            ]
            for (key, path) in optional where definition.fields.all.contains(where: { $0.key == key }) {
                let anyValue = plays.contains { play in path.map { play[keyPath: $0] != nil } ?? (play.year != nil) }
                if !anyValue, !plays.isEmpty { print("note: fields.\(key) has no value in any recorded play; check its path") }
            }
            let problems = AdapterConformance.check(
                adapter, fixtures: loaded, emptyPage: empty, windowBounds: definition.window.perDay == nil
            )
            .filter { definition.window.perDay == nil || !$0.hasPrefix("the empty page asks for another page") }
            if problems.isEmpty {
                print("no problems")
                return
            }
            for problem in problems { print("problem: \(problem)") }
            throw ExitCode.failure
        }

        static func settings(_ definition: AdapterDefinition, options: [String: String], environment: [String: String]) -> AdapterSettings {
            var environment = environment
            let values = Dictionary(uniqueKeysWithValues: definition.params.map { ($0.name, options[$0.name] ?? $0.defaultValue ?? "") })
            switch definition.request.auth {
            case .bearer(let variable), .header(_, let variable), .query(_, let variable):
                let name = variable.fill(values)
                if (environment[name] ?? "").isEmpty { environment[name] = "stand-in-secret" }
            case .none: break
            }
            return AdapterSettings(sourceName: definition.name, options: options, environment: environment)
        }

        /// A value for a required param the check was not given: `check`, or one that matches
        /// simple hex or digit patterns.
        static func placeholder(matching pattern: String?) -> String {
            guard let pattern else { return "check" }
            for candidate in ["check", "0", String(repeating: "0", count: 24), "a"] {
                if candidate.range(of: "^(?:\(pattern))$", options: .regularExpression) != nil { return candidate }
            }
            return "check"
        }
    }
}
