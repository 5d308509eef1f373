import Foundation
import IngestCore

extension AdapterDefinition {
    /// The params as adapter options: `--station` flags and a config entry's `options:`.
    public var options: [AdapterOption] {
        params.map { param in
            var help = param.help.isEmpty ? param.name : param.help
            if param.required { help += " (required)" } else if let value = param.defaultValue { help += " (default: \(value))" }
            return AdapterOption(name: param.name, help: help)
        }
    }

    /// Checks a config entry's or the flags' options without the environment: unknown ones,
    /// missing required ones, values that do not match a param's pattern.
    public func validate(options: [String: String]) throws {
        let known = Set(params.map(\.name))
        if let unknown = options.keys.sorted().first(where: { !known.contains($0) }) {
            let list = known.isEmpty ? "it takes none" : "known: \(known.sorted().joined(separator: ", "))"
            throw IngestError.usage("the \(name) adapter has no option '\(unknown)' (\(list))")
        }
        for param in params {
            let value = options[param.name] ?? param.defaultValue
            guard let value, !value.isEmpty else {
                if param.required {
                    throw IngestError.usage(
                        "the \(name) adapter needs --\(param.name.replacingOccurrences(of: "_", with: "-")) (or options: { \(param.name): … }): \(param.help)"
                    )
                }
                continue
            }
            if let pattern = param.pattern, value.range(of: "^(?:\(pattern))$", options: .regularExpression) == nil {
                throw IngestError.usage("'\(value)' is not a valid \(param.name) for \(name) (it must match \(pattern))")
            }
        }
    }
}

extension DeclarativeAdapter {
    /// Builds the adapter from a config entry or the flags; a missing secret, a bad zone or a
    /// page size above the API's maximum is a usage error.
    public init(definition: AdapterDefinition, settings: AdapterSettings) throws {
        try definition.validate(options: settings.options)
        self.definition = definition
        var values: [String: String] = [:]
        for param in definition.params { values[param.name] = settings.options[param.name] ?? param.defaultValue ?? "" }
        sourceName = settings.sourceName(adapter: definition.name, perStation: definition.sourceName.fill(values))
        values["base_url"] = (settings.baseURL ?? definition.defaultBaseURL).absoluteString.trimmingSuffix("/")
        if let size = settings.pageSize {
            guard let limits = definition.pageSize else {
                throw IngestError.usage("\(definition.name) has no page size to set (its file declares no page_size)")
            }
            guard (1...limits.max).contains(size) else {
                throw IngestError.usage("\(definition.name) page size must be 1...\(limits.max), not \(size)")
            }
        }
        pageSize = settings.pageSize ?? definition.pageSize?.defaultValue
        values["page_size"] = pageSize.map(String.init) ?? ""
        self.values = values
        let zoneName = definition.timeZone.fill(values)
        guard let zone = TimeZone(identifier: zoneName) else {
            throw IngestError.usage("'\(zoneName)' is not a time zone (use an IANA name such as America/New_York)")
        }
        timeZone = zone
        secret = try Self.secret(definition.request.auth, values: values, environment: settings.environment, adapter: definition.name)
    }

    static func secret(_ auth: AdapterDefinition.Auth, values: [String: String], environment: [String: String], adapter: String) throws
        -> Secret?
    {
        func read(_ variable: Template) throws -> String {
            let name = variable.fill(values)
            guard let value = environment[name], !value.isEmpty else {
                throw IngestError.usage("the \(adapter) adapter needs its API key in $\(name)")
            }
            return value
        }
        switch auth {
        case .none: return nil
        case .bearer(let variable): return Secret(place: .header("Authorization"), value: "Bearer " + (try read(variable)))
        case .header(let name, let variable): return Secret(place: .header(name), value: try read(variable))
        case .query(let name, let variable): return Secret(place: .query(name), value: try read(variable))
        }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}
