import Foundation
import IngestCore
import YAMLReading
import Yams

/// Reads an adapter file strictly: an unknown key, a path or template that does not parse, an
/// unknown format or an undeclared placeholder is an error naming `file:line:column`, when the
/// file loads, never in the middle of a run.
public struct DefinitionReader {
    /// Names the CLI uses for its own commands; an adapter cannot take them.
    public static let reservedNames: Set<String> = [
        "run", "daemon", "status", "checkpoint", "failed", "songs", "match", "migrate", "embedding-queue", "runs",
        "adapters", "adapter", "help",
    ]
    /// Placeholders every adapter has.
    public static let builtInPlaceholders: Set<String> = ["base_url", "page_size"]

    let file: String
    /// Mappings and error positions.
    let nodes: NodeReader

    public init(file: String) {
        self.file = file
        nodes = NodeReader(path: file, environment: [:], document: "the adapter file")
    }

    /// Loads the adapter file at `path`.
    public static func load(path: String) throws -> AdapterDefinition {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw IngestError.usage("cannot read adapter file \(path)")
        }
        return try DefinitionReader(file: path).read(String(decoding: data, as: UTF8.self))
    }

    /// Reads YAML text; `file` only labels errors.
    public func read(_ yaml: String) throws -> AdapterDefinition {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw IngestError.usage("\(file): not YAML: \(error)")
        }
        guard let root else { throw IngestError.usage("\(file): the adapter file is empty") }
        let top = try mapping(
            root, key: "",
            allowed: [
                "adapter", "version", "summary", "source_name", "params", "defaults", "time_zone", "order", "lookback", "page_size",
                "request",
                "window", "paging", "records", "fields",
            ])
        let nameNode = try top.require("adapter", in: nodes, root)
        let name = try string(nameNode, key: "adapter")
        guard name.range(of: #"^[a-z][a-z0-9-]*$"#, options: .regularExpression) != nil else {
            throw error(nameNode, key: "adapter", "'\(name)' is not a plain name (lowercase letters, digits and '-')")
        }
        guard !Self.reservedNames.contains(name) else {
            throw error(nameNode, key: "adapter", "'\(name)' is the name of a radio-ingest command; choose another")
        }
        let versionNode = try top.require("version", in: nodes, root)
        guard try string(versionNode, key: "version") == "1" else { throw error(versionNode, key: "version", "must be 1") }

        let params = try top["params"].map { try readParams($0.value) } ?? []
        var placeholders = Self.builtInPlaceholders.union(params.map(\.name))
        let defaults = try top["defaults"].map { try mapping($0.value, key: "defaults", allowed: ["base_url"]) }
        guard let baseNode = defaults?["base_url"] else {
            throw error(
                top["defaults"]?.value ?? root, key: "defaults.base_url", "is missing: the API root, such as https://api.example.org/v1")
        }
        let baseText = try string(baseNode.value, key: "defaults.base_url")
        guard let baseURL = URL(string: baseText), ["http", "https"].contains(baseURL.scheme?.lowercased() ?? ""), baseURL.host != nil
        else { throw error(baseNode.value, key: "defaults.base_url", "'\(baseText)' is not an http(s) URL") }

        let window = try top["window"].map { try readWindow($0.value) } ?? AdapterDefinition.Window()
        if window.perDay != nil { placeholders.insert("day") }
        let requestNode = try top.require("request", in: nodes, root)
        let definition = AdapterDefinition(
            name: name,
            summary: try top["summary"].map { try string($0.value, key: "summary") } ?? "Ingest \(name) plays (declared in \(file)).",
            file: file,
            sourceName: try top["source_name"].map { try template($0.value, key: "source_name", placeholders: Set(params.map(\.name))) }
                ?? Template(name),
            params: params, defaultBaseURL: baseURL,
            timeZone: try top["time_zone"].map { try template($0.value, key: "time_zone", placeholders: placeholders) }
                ?? Template("UTC"),
            order: try top["order"].map { try readOrder($0.value) } ?? .newestFirst,
            lookback: try top["lookback"].map { try duration($0.value, key: "lookback") },
            pageSize: try top["page_size"].map { try readPageSize($0.value) },
            request: try readRequest(requestNode, placeholders: placeholders),
            window: window,
            paging: try top["paging"].map { try readPaging($0.value) } ?? .none,
            records: try readRecords(try top.require("records", in: nodes, root), placeholders: placeholders),
            fields: try readFields(try top.require("fields", in: nodes, root)))
        if window.perDay?.param == nil, window.perDay != nil, !definition.request.url.names.contains("day") {
            throw error(
                top["window"]!.value, key: "window.per_day",
                "has no param, so request.url must carry the day as {day} (or give per_day a param)")
        }
        if let zone = top["time_zone"], definition.timeZone.names.isEmpty, TimeZone(identifier: definition.timeZone.text) == nil {
            throw error(
                zone.value, key: "time_zone", "'\(definition.timeZone.text)' is not a time zone (an IANA name such as America/New_York)")
        }
        return definition
    }

    // MARK: Sections

    func readParams(_ node: Node) throws -> [AdapterDefinition.Param] {
        try mapping(node, key: "params", allowed: nil).ordered.map { name, entry in
            let key = "params.\(name)"
            guard name.range(of: #"^[a-z][a-z0-9_]*$"#, options: .regularExpression) != nil else {
                throw error(entry.key, key: key, "is not a plain name (lowercase letters, digits and '_')")
            }
            guard !Self.builtInPlaceholders.contains(name), name != "day" else {
                throw error(entry.key, key: key, "is built in; use another name")
            }
            let fields = try mapping(entry.value, key: key, allowed: ["help", "required", "default", "pattern"])
            let pattern = try fields["pattern"].map { try string($0.value, key: "\(key).pattern") }
            if let pattern, (try? NSRegularExpression(pattern: pattern)) == nil {
                throw error(fields["pattern"]!.value, key: "\(key).pattern", "is not a regular expression")
            }
            return AdapterDefinition.Param(
                name: name, help: try fields["help"].map { try string($0.value, key: "\(key).help") } ?? "",
                required: try fields["required"].map { try boolean($0.value, key: "\(key).required") } ?? false,
                defaultValue: try fields["default"].map { try string($0.value, key: "\(key).default") }, pattern: pattern)
        }
    }

    func readOrder(_ node: Node) throws -> PlayOrder {
        switch try string(node, key: "order") {
        case "newest_first": return .newestFirst
        case "oldest_first": return .oldestFirst
        case let other: throw error(node, key: "order", "'\(other)' is not an order (newest_first or oldest_first)")
        }
    }

    func readPageSize(_ node: Node) throws -> AdapterDefinition.PageSize {
        let fields = try mapping(node, key: "page_size", allowed: ["default", "max"])
        let max = try integer(try fields.require("max", in: nodes, node, key: "page_size"), key: "page_size.max", range: 1...100_000)
        let value = try fields["default"].map { try integer($0.value, key: "page_size.default", range: 1...max) } ?? max
        return .init(defaultValue: value, max: max)
    }

    func readRequest(_ node: Node, placeholders: Set<String>) throws -> AdapterDefinition.Request {
        let fields = try mapping(node, key: "request", allowed: ["url", "query", "headers", "auth"])
        let url = try template(try fields.require("url", in: nodes, node, key: "request"), key: "request.url", placeholders: placeholders)
        guard url.text.hasPrefix("{base_url}") || url.text.hasPrefix("http://") || url.text.hasPrefix("https://") else {
            throw error(fields["url"]!.value, key: "request.url", "must start with {base_url} or http(s)://")
        }
        func pairs(_ key: String) throws -> [(name: String, value: Template)] {
            guard let section = fields[key] else { return [] }
            return try mapping(section.value, key: "request.\(key)", allowed: nil).ordered.map { name, entry in
                (name, try template(entry.value, key: "request.\(key).\(name)", placeholders: placeholders))
            }
        }
        return .init(
            url: url, query: try pairs("query"), headers: try pairs("headers"),
            auth: try readAuth(fields["auth"]?.value, placeholders: placeholders))
    }

    func readAuth(_ node: Node?, placeholders: Set<String>) throws -> AdapterDefinition.Auth {
        guard let node else { return .none }
        if case .scalar = node, try string(node, key: "request.auth") == "none" { return .none }
        let fields = try mapping(node, key: "request.auth", allowed: ["bearer_env", "header", "query", "value_env"])
        func variable(_ key: String) throws -> Template {
            guard let entry = fields[key] else { throw error(node, key: "request.auth.\(key)", "is missing") }
            return try template(entry.value, key: "request.auth.\(key)", placeholders: placeholders)
        }
        if fields["bearer_env"] != nil { return .bearer(variable: try variable("bearer_env")) }
        if let header = fields["header"] {
            return .header(name: try string(header.value, key: "request.auth.header"), variable: try variable("value_env"))
        }
        if let query = fields["query"] {
            return .query(name: try string(query.value, key: "request.auth.query"), variable: try variable("value_env"))
        }
        throw error(
            node, key: "request.auth", "must be none, {bearer_env: VAR}, {header: NAME, value_env: VAR} or {query: NAME, value_env: VAR}")
    }

    func readWindow(_ node: Node) throws -> AdapterDefinition.Window {
        let fields = try mapping(node, key: "window", allowed: ["start", "end", "per_day"])
        func bound(_ key: String) throws -> AdapterDefinition.Bound? {
            guard let entry = fields[key] else { return nil }
            let parts = try mapping(entry.value, key: "window.\(key)", allowed: ["param", "format"])
            let param = try string(try parts.require("param", in: nodes, entry.value, key: "window.\(key)"), key: "window.\(key).param")
            let formatNode = try parts.require("format", in: nodes, entry.value, key: "window.\(key)")
            return .init(param: param, format: try timeFormat(formatNode, key: "window.\(key).format"))
        }
        var window = AdapterDefinition.Window(start: try bound("start"), end: try bound("end"))
        if let perDay = fields["per_day"] {
            let parts = try mapping(perDay.value, key: "window.per_day", allowed: ["param", "format", "max_empty_days"])
            window.perDay = .init(
                param: try parts["param"].map { try string($0.value, key: "window.per_day.param") },
                format: try parts["format"].map { try string($0.value, key: "window.per_day.format") } ?? "yyyy-MM-dd",
                maxEmptyDays: try parts["max_empty_days"].map {
                    try integer($0.value, key: "window.per_day.max_empty_days", range: 1...3660)
                } ?? 14)
        }
        return window
    }

    func readPaging(_ node: Node) throws -> AdapterDefinition.Paging {
        let fields = try mapping(
            node, key: "paging", allowed: ["kind", "path", "param", "start", "total_path", "has_more_path", "stop_on_short_page"])
        let kindNode = try fields.require("kind", in: nodes, node, key: "paging")
        func path(_ key: String) throws -> JSONPath? { try fields[key].map { try jsonPath($0.value, key: "paging.\(key)") } }
        func required(_ key: String) throws -> Node { try fields.require(key, in: nodes, node, key: "paging") }
        func allow(_ keys: Set<String>) throws {
            if let extra = fields.ordered.first(where: { $0.0 != "kind" && !keys.contains($0.0) }) {
                throw error(
                    extra.1.key, key: "paging.\(extra.0)", "does not apply to paging of kind \(try string(kindNode, key: "paging.kind"))")
            }
        }
        switch try string(kindNode, key: "paging.kind") {
        case "none":
            try allow([])
            return .none
        case "next_url":
            try allow(["path"])
            return .nextURL(path: try jsonPath(try required("path"), key: "paging.path"))
        case "offset":
            try allow(["param", "start", "total_path"])
            return .offset(
                param: try string(try required("param"), key: "paging.param"),
                start: try fields["start"].map { try integer($0.value, key: "paging.start", range: 0...Int(Int32.max)) } ?? 0,
                totalPath: try path("total_path"))
        case "page_number":
            try allow(["param", "start", "has_more_path", "stop_on_short_page"])
            return .pageNumber(
                param: try string(try required("param"), key: "paging.param"),
                start: try fields["start"].map { try integer($0.value, key: "paging.start", range: 0...Int(Int32.max)) } ?? 1,
                hasMorePath: try path("has_more_path"),
                stopOnShortPage: try fields["stop_on_short_page"].map { try boolean($0.value, key: "paging.stop_on_short_page") } ?? false)
        case "cursor":
            try allow(["path", "param"])
            return .cursor(
                path: try jsonPath(try required("path"), key: "paging.path"), param: try string(try required("param"), key: "paging.param"))
        case let other:
            throw error(kindNode, key: "paging.kind", "'\(other)' is not a paging kind (next_url, offset, page_number, cursor or none)")
        }
    }

    func readRecords(_ node: Node, placeholders: Set<String>) throws -> AdapterDefinition.Records {
        let fields = try mapping(node, key: "records", allowed: ["path", "track_if", "station_check"])
        let path = try jsonPath(try fields.require("path", in: nodes, node, key: "records"), key: "records.path")
        var records = AdapterDefinition.Records(path: path, trackIf: nil, stationCheck: nil)
        if let check = fields["station_check"] {
            let parts = try mapping(check.value, key: "records.station_check", allowed: ["path", "equals", "reason"])
            func required(_ name: String) throws -> Node { try parts.require(name, in: nodes, check.value, key: "records.station_check") }
            records.stationCheck = .init(
                path: try jsonPath(try required("path"), key: "records.station_check.path"),
                equals: try template(try required("equals"), key: "records.station_check.equals", placeholders: placeholders),
                reason: try parts["reason"].map {
                    try template($0.value, key: "records.station_check.reason", placeholders: placeholders.union(["value"]))
                }
                    ?? Template("a play of another station ({value})"))
        }
        guard let condition = fields["track_if"] else { return records }
        let parts = try mapping(condition.value, key: "records.track_if", allowed: ["path", "equals", "in", "not_in", "present"])
        let conditionPath = try jsonPath(
            try parts.require("path", in: nodes, condition.value, key: "records.track_if"), key: "records.track_if.path")
        let test: AdapterDefinition.Condition.Test
        if let equals = parts["equals"] {
            test = .equals(try string(equals.value, key: "records.track_if.equals"))
        } else if let list = parts["in"] {
            test = .oneOf(try strings(list.value, key: "records.track_if.in"))
        } else if let list = parts["not_in"] {
            test = .noneOf(try strings(list.value, key: "records.track_if.not_in"))
        } else if parts["present"] != nil {
            test = .present
        } else {
            throw error(condition.value, key: "records.track_if", "needs one test: equals, in, not_in or present")
        }
        records.trackIf = .init(path: conditionPath, test: test)
        return records
    }

    static let fieldKeys = ["source_play_id", "played_at", "title", "artist", "album", "mbid", "isrc", "year"]

    func readFields(_ node: Node) throws -> AdapterDefinition.Fields {
        let entries = try mapping(node, key: "fields", allowed: Set(Self.fieldKeys))
        var read: [String: AdapterDefinition.Field] = [:]
        let readOrder = ["source_play_id", "played_at", "artist", "title", "album", "mbid", "isrc", "year"]
        for key in readOrder {
            guard let entry = entries[key] else { continue }
            let field = try readField(entry.value, key: "fields.\(key)")
            for other in field.excluding + (field.prefix?.field.excluding ?? []) where read[other] == nil {
                throw error(
                    entry.value, key: "fields.\(key).excluding",
                    "names '\(other)', which is not a field read before \(key) (\(readOrder.joined(separator: ", ")))")
            }
            if let format = field.format {
                let isTime = key == "played_at"
                switch format {
                case .year where isTime, .iso8601 where !isTime, .epochSeconds where !isTime, .epochMilliseconds where !isTime,
                    .localPattern where !isTime:
                    throw error(entry.value, key: "fields.\(key).format", "does not apply to \(key)")
                default: break
                }
            }
            read[key] = field
        }
        func required(_ key: String) throws -> AdapterDefinition.Field {
            guard let field = read[key] else {
                throw error(node, key: "fields.\(key)", "is missing (required: source_play_id, played_at, title, artist)")
            }
            return field
        }
        var playedAt = try required("played_at")
        playedAt.format = playedAt.format ?? .iso8601
        return .init(
            sourcePlayID: try required("source_play_id"), playedAt: playedAt, title: try required("title"), artist: try required("artist"),
            album: read["album"], mbid: read["mbid"], isrc: read["isrc"], year: read["year"])
    }

    func readField(_ node: Node, key: String, extraKeys: Set<String> = []) throws -> AdapterDefinition.Field {
        if case .scalar = node {
            let path = try jsonPath(node, key: key)
            return .init(source: .path(path), join: ", ", format: nil, lowercase: false, ignore: [], excluding: [], label: path.lastKey)
        }
        let allowed: Set<String> = [
            "path", "first_of", "all_of", "join", "format", "lowercase", "ignore", "excluding", "name", "first_only", "prefix",
        ]
        let parts = try mapping(node, key: key, allowed: allowed.union(extraKeys))
        let sources = ["path", "first_of", "all_of"].filter { parts[$0] != nil }
        guard sources.count == 1 else { throw error(node, key: key, "needs exactly one of path, first_of or all_of") }
        let source: AdapterDefinition.Field.Source
        switch sources[0] {
        case "path": source = .path(try jsonPath(parts["path"]!.value, key: "\(key).path"))
        case "first_of": source = .firstOf(try paths(parts["first_of"]!.value, key: "\(key).first_of"))
        default: source = .allOf(try paths(parts["all_of"]!.value, key: "\(key).all_of"))
        }
        var field = AdapterDefinition.Field(
            source: source, join: try parts["join"].map { try string($0.value, key: "\(key).join", trim: false) } ?? ", ",
            format: try parts["format"].map { try fieldFormat($0.value, key: "\(key).format") },
            lowercase: try parts["lowercase"].map { try boolean($0.value, key: "\(key).lowercase") } ?? false,
            ignore: Set(try parts["ignore"].map { try strings($0.value, key: "\(key).ignore") } ?? []),
            excluding: try parts["excluding"].map { try strings($0.value, key: "\(key).excluding") } ?? [], label: "")
        field.label = try parts["name"].map { try string($0.value, key: "\(key).name") } ?? field.paths[0].lastKey
        field.firstOnly = try parts["first_only"].map { try boolean($0.value, key: "\(key).first_only") } ?? false
        if let prefix = parts["prefix"] {
            let prefixField = try readField(prefix.value, key: "\(key).prefix", extraKeys: ["separator"])
            let separator =
                try mapping(prefix.value, key: "\(key).prefix", allowed: nil)["separator"]
                .map { try string($0.value, key: "\(key).prefix.separator", trim: false) } ?? " "
            field.prefix = .init(field: prefixField, separator: separator)
        }
        return field
    }

    func paths(_ node: Node, key: String) throws -> [JSONPath] {
        guard case .sequence(let sequence) = node, !sequence.isEmpty else { throw error(node, key: key, "must be a list of paths") }
        return try sequence.map { try jsonPath($0, key: key) }
    }

    // MARK: Values

    func timeFormat(_ node: Node, key: String) throws -> AdapterDefinition.TimeFormat {
        switch try string(node, key: key) {
        case "iso8601_utc": return .iso8601UTC
        case "iso8601_offset": return .iso8601Offset
        case "epoch_s": return .epochSeconds
        case "epoch_ms": return .epochMilliseconds
        case "date": return .date
        case let pattern where pattern.contains("yy"): return .pattern(pattern)
        case let other:
            throw error(
                node, key: key,
                "'\(other)' is not a time format (iso8601_utc, iso8601_offset, epoch_s, epoch_ms, date, or a pattern such as yyyy-MM-dd HH:mm)"
            )
        }
    }

    func fieldFormat(_ node: Node, key: String) throws -> AdapterDefinition.FieldFormat {
        switch try string(node, key: key) {
        case "iso8601": return .iso8601
        case "epoch_s": return .epochSeconds
        case "epoch_ms": return .epochMilliseconds
        case "year": return .year
        case let pattern where pattern.contains("yy"): return .localPattern(pattern)
        case let other:
            throw error(
                node, key: key,
                "'\(other)' is not a field format (iso8601, epoch_s, epoch_ms, year, or a local time pattern such as MM-dd-yyyy HH:mm:ss)")
        }
    }

    func template(_ node: Node, key: String, placeholders: Set<String>) throws -> Template {
        let text = try string(node, key: key, trim: false)
        let template: Template
        do {
            template = try Template(text)
        } catch let problem as PathError {
            throw error(node, key: key, problem.message)
        }
        if let unknown = template.names.first(where: { !placeholders.contains($0) }) {
            throw error(node, key: key, "uses {\(unknown)}, which is not a param (known: \(placeholders.sorted().joined(separator: ", ")))")
        }
        return template
    }

    func jsonPath(_ node: Node, key: String) throws -> JSONPath {
        let text = try string(node, key: key)
        do {
            return try JSONPath(text)
        } catch let problem as PathError {
            throw error(node, key: key, "'\(text)' \(problem.message)")
        }
    }

    func duration(_ node: Node, key: String) throws -> Duration {
        let text = try string(node, key: key)
        guard let value = DurationParser.parse(text) else { throw error(node, key: key, "'\(text)' is not a duration (such as 30m or 6h)") }
        return value
    }
}

extension JSONPath {
    /// The last key the path names, for messages (`song` of `$.song`).
    var lastKey: String {
        for step in steps.reversed() { if case .key(let name) = step { return name } }
        return description
    }
}
