import Foundation
import IngestCore

/// A station adapter described by a YAML file (see docs/adding-an-adapter.md): what to request,
/// how to page, where the records are and how each field is read. Built by
/// ``DefinitionReader``, which checks everything when the file loads.
public struct AdapterDefinition: Sendable {
    /// The adapter's name: its subcommand and a config entry's `adapter:`.
    public var name: String
    /// One line for `--help` and `radio-ingest adapters`.
    public var summary: String
    /// The file it was read from.
    public var file: String
    /// The source name plays are stored under when a run does not name one (`npr-{station}`).
    public var sourceName: Template
    /// Settings a config entry or a flag supplies (`--station`).
    public var params: [Param]
    /// The API root when no `base_url` is given.
    public var defaultBaseURL: URL
    /// The station's zone: an IANA name or a `{param}`.
    public var timeZone: Template
    public var order: PlayOrder
    public var lookback: Duration?
    public var pageSize: PageSize?
    public var request: Request
    public var window: Window
    public var paging: Paging
    public var records: Records
    public var fields: Fields

    public struct Param: Sendable {
        public var name: String
        public var help: String
        public var required: Bool
        public var defaultValue: String?
        /// A regular expression the whole value must match.
        public var pattern: String?
    }

    public struct PageSize: Sendable {
        public var defaultValue: Int
        public var max: Int
    }

    public struct Request: Sendable {
        public var url: Template
        public var query: [(name: String, value: Template)]
        public var headers: [(name: String, value: Template)]
        public var auth: Auth
    }

    /// Where a secret goes; its value is read from the environment variable named, never from the file.
    public enum Auth: Sendable {
        case none
        case bearer(variable: Template)
        case header(name: String, variable: Template)
        case query(name: String, variable: Template)
    }

    public struct Window: Sendable {
        public var start: Bound?
        public var end: Bound?
        public var perDay: PerDay?
    }

    /// A window bound sent as a query parameter.
    public struct Bound: Sendable {
        public var param: String
        public var format: TimeFormat
    }

    /// A day-addressed API: the window is walked one station-local day at a time, newest day
    /// first, each day's records sorted into the walk's order.
    public struct PerDay: Sendable {
        /// The query parameter carrying the day; without one the URL's `{day}` does.
        public var param: String?
        /// How the day is written (`yyyy-MM-dd`, `yyyy/MM/dd`).
        public var format: String
        /// With no start date (a backfill to the beginning) the walk stops after this many days
        /// in a row without a record.
        public var maxEmptyDays: Int
    }

    public enum Paging: Sendable {
        case none
        case nextURL(path: JSONPath)
        case offset(param: String, start: Int, totalPath: JSONPath?)
        case pageNumber(param: String, start: Int, hasMorePath: JSONPath?, stopOnShortPage: Bool)
        case cursor(path: JSONPath, param: String)
    }

    public struct Records: Sendable {
        public var path: JSONPath
        /// Rows that fail it are not tracks (an airbreak), never invalid.
        public var trackIf: Condition?
        /// For an API that can answer with other stations' rows: a row whose value at `path`
        /// differs from `equals` is skipped as another station's play, with `reason`.
        public var stationCheck: StationCheck?
    }

    public struct StationCheck: Sendable {
        public var path: JSONPath
        public var equals: Template
        /// The skip reason; `{value}` is the row's value.
        public var reason: Template
    }

    public struct Condition: Sendable {
        public var path: JSONPath
        public enum Test: Sendable {
            case equals(String)
            case oneOf([String])
            case noneOf([String])
            case present
        }
        public var test: Test

        func holds(for row: JSONTree) -> Bool {
            let value = path.firstValue(in: row)?.scalarText
            switch test {
            case .equals(let wanted): return value == wanted
            case .oneOf(let values): return value.map(values.contains) ?? false
            case .noneOf(let values): return !(value.map(values.contains) ?? false)
            case .present: return !(value ?? "").isEmpty
            }
        }
    }

    public struct Fields: Sendable {
        public var sourcePlayID: Field
        public var playedAt: Field
        public var title: Field
        public var artist: Field
        public var album: Field?
        public var mbid: Field?
        public var isrc: Field?
        public var year: Field?

        /// Every field with its key, in the order rows are read.
        public var all: [(key: String, field: Field)] {
            [("source_play_id", sourcePlayID), ("played_at", playedAt), ("artist", artist), ("title", title)]
                + [("album", album), ("mbid", mbid), ("isrc", isrc), ("year", year)].compactMap { key, field in
                    field.map { (key, $0) }
                }
        }
    }

    /// How one value of a play is read from a row.
    public struct Field: Sendable {
        public enum Source: Sendable {
            /// Every value the path reaches, joined.
            case path(JSONPath)
            /// The values of the first path that reaches any.
            case firstOf([JSONPath])
            /// The values of every path, in order, repeats dropped, joined.
            case allOf([JSONPath])
        }
        public var source: Source
        public var join: String
        public var format: FieldFormat?
        public var lowercase: Bool
        /// Values that mean "unknown" (`1950-01-01`).
        public var ignore: Set<String>
        /// Values equal to these fields' values (read before this one) are left out.
        public var excluding: [String]
        /// The field's name in skip reasons (`missing song`); defaults to the path's last key.
        public var label: String
        /// Only the first value the paths reach, not all of them joined.
        public var firstOnly = false
        /// Text put before the value, with a separator, when there is any (a composer before a work).
        public var prefix: Prefix?

        public final class Prefix: Sendable {
            public let field: Field
            public let separator: String
            init(field: Field, separator: String) {
                self.field = field
                self.separator = separator
            }
        }

        var paths: [JSONPath] {
            switch source {
            case .path(let path): [path]
            case .firstOf(let paths), .allOf(let paths): paths
            }
        }
    }

    /// How a field's text becomes a value.
    public enum FieldFormat: Sendable {
        /// RFC 3339 with an offset.
        case iso8601
        case epochSeconds
        case epochMilliseconds
        /// A date pattern read in the station's zone (`MM-dd-yyyy HH:mm:ss`).
        case localPattern(String)
        /// The first four digits as a year.
        case year
    }

    /// How a window bound is written.
    public enum TimeFormat: Sendable {
        /// RFC 3339 in UTC with microseconds (`2024-01-01T08:00:00.000000+00:00`).
        case iso8601UTC
        /// RFC 3339 in the station's zone, with its offset.
        case iso8601Offset
        case epochSeconds
        case epochMilliseconds
        /// The station-local date, `yyyy-MM-dd`.
        case date
        /// A date pattern in the station's zone.
        case pattern(String)
    }
}

/// Text with `{name}` placeholders, filled from the adapter's params and built-ins
/// (`base_url`, `page_size`, `day`). Nothing else is special: no expressions, no escaping rules.
public struct Template: Sendable, Hashable, CustomStringConvertible {
    public let text: String
    /// The placeholder names, in order.
    public let names: [String]

    public init(_ text: String) throws {
        self.text = text
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { throw PathError("has a '{' without its '}'") }
            let name = String(rest[rest.index(after: open)..<close])
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw PathError("has '{\(name)}'; a placeholder is a param name such as {station}")
            }
            names.append(name)
            rest = rest[rest.index(after: close)...]
        }
        self.names = names
    }

    /// The text with each placeholder replaced; `encode` escapes a value by its name (for URL
    /// paths, where `{base_url}` stays as it is and a param is percent-encoded).
    public func fill(_ values: [String: String], encode: (_ name: String, _ value: String) -> String = { $1 }) -> String {
        var result = text
        for name in Set(names) { result = result.replacingOccurrences(of: "{\(name)}", with: encode(name, values[name] ?? "")) }
        return result
    }

    public var description: String { text }
}
