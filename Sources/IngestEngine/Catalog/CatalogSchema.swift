import IngestCore

/// A column as the database describes it, read by a store at start.
public struct CatalogColumn: Sendable, Equatable {
    /// The column's name, exactly as the database spells it.
    public var name: String
    /// The type, lowercased: PostgreSQL's `data_type` (`uuid`, `text`, `character varying`,
    /// `bigint`, ...) or SQLite's declared type.
    public var type: String
    public var isNullable: Bool
    /// Whether the database fills it when an INSERT leaves it out (a default, a sequence, a rowid).
    public var hasDefault: Bool
    /// The declared maximum length in characters (`varchar(12)`), when there is one.
    public var maxLength: Int?

    public init(name: String, type: String, isNullable: Bool, hasDefault: Bool, maxLength: Int? = nil) {
        self.name = name
        self.type = type.lowercased()
        self.isNullable = isNullable
        self.hasDefault = hasDefault
        self.maxLength = maxLength
    }

    /// Required on insert: NOT NULL and nothing fills it.
    var isRequired: Bool { !isNullable && !hasDefault }
}

/// The catalog's tables as found at start: which columns exist under which names, what type
/// the ids are, and how long text may be. The engine adapts every write to it, so RadioIngest
/// works on a catalog another application owns (Musicr's `"createdAt"`/`"updatedAt"`, uuid ids)
/// without altering it.
public struct CatalogSchema: Sendable, Equatable {
    /// How new ids for a table are made.
    public enum IDKind: String, Sendable {
        /// A UUID made by RadioIngest, stored in a `uuid` column.
        case uuid
        /// A UUID made by RadioIngest, stored as text.
        case text
        /// A number the database assigns (a sequence, an identity column, SQLite's rowid).
        case integer
    }

    /// The `songs` columns RadioIngest knows how to fill, by their role.
    public enum SongField: String, Sendable, CaseIterable {
        case album, year, mbid, isrc, source
        case isPlaceholder = "is_placeholder"
        case embeddingVersion = "embedding_version"
        /// When the row was created (`created_at` or `"createdAt"`).
        case created
        /// When the row was last changed (`updated_at` or `"updatedAt"`).
        case updated
    }

    /// The `external_plays` columns beyond the required ones.
    public enum PlayField: String, Sendable, CaseIterable {
        case album, airdate, mbid, isrc, year, created
    }

    /// What RadioIngest writes into `songs`.
    public struct Songs: Sendable, Equatable {
        public var idKind: IDKind
        /// The id column's type, for casts (`uuid`, `text`, `bigint`).
        public var idType: String
        /// Optional columns present, by role → actual name.
        public var columns: [SongField: String]
        /// Text columns with a maximum length, by name.
        public var maxLengths: [String: Int]
        /// Whether the created column fills itself (then RadioIngest leaves it out).
        public var createdHasDefault: Bool
    }

    /// What RadioIngest writes into `external_plays`.
    public struct Plays: Sendable, Equatable {
        /// The type of `song_id`, for casts.
        public var songIDType: String
        public var columns: [PlayField: String]
        public var maxLengths: [String: Int]
        /// How to make `external_plays.id` when nothing fills it; `nil` when the database does.
        public var idToGenerate: IDKind?
        public var createdHasDefault: Bool
    }

    public var songs: Songs
    public var plays: Plays

    /// The schema RadioIngest creates itself in an empty database.
    public static let toolDefault = CatalogSchema(
        songs: Songs(
            idKind: .text, idType: "text",
            columns: Dictionary(uniqueKeysWithValues: SongField.allCases.filter { $0 != .updated }.map { ($0, $0.defaultName) }),
            maxLengths: [:], createdHasDefault: true),
        plays: Plays(
            songIDType: "text",
            columns: Dictionary(uniqueKeysWithValues: PlayField.allCases.map { ($0, $0.rawValue + ($0 == .created ? "_at" : "")) }),
            maxLengths: [:], idToGenerate: nil, createdHasDefault: true))

    /// Reads the layout from the columns of `songs` and `external_plays`.
    ///
    /// - Parameter names: explicit column names by role (`created`, `updated`, ...) for a
    ///   catalog whose names detection does not recognise; they win over detection.
    /// - Throws: a storage error naming the column when a required column cannot be filled or
    ///   an id type cannot be generated.
    public static func detect(songs: [CatalogColumn], plays: [CatalogColumn], names: [String: String] = [:]) throws -> CatalogSchema {
        guard !songs.isEmpty else { throw IngestError.storage("the catalog has no songs table") }
        guard !plays.isEmpty else { throw IngestError.storage("the catalog has no external_plays table") }
        let songTable = try detectSongs(songs, names: names)
        let playTable = try detectPlays(plays)
        return CatalogSchema(songs: songTable, plays: playTable)
    }

    static func detectSongs(_ columns: [CatalogColumn], names: [String: String]) throws -> Songs {
        let byName = Dictionary(columns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for required in ["id", "title", "artist"] where byName[required] == nil {
            throw IngestError.storage("songs has no column \(required); RadioIngest needs id, title and artist")
        }
        var found: [SongField: String] = [:]
        for field in SongField.allCases {
            if let explicit = names[field.rawValue] {
                guard byName[explicit] != nil else {
                    throw IngestError.storage(
                        "the catalog mapping names songs.\(explicit) for \(field.rawValue), but songs has no such column")
                }
                found[field] = explicit
            } else if let name = columns.first(where: { field.matches($0.name) })?.name {
                found[field] = name
            }
        }
        // `id` is checked above, so the force-free lookup below always succeeds.
        let id = byName["id"] ?? CatalogColumn(name: "id", type: "text", isNullable: false, hasDefault: false)
        let idKind = try idKind(of: id, table: "songs")
        let filled = Set(["id", "title", "artist"] + found.values)
        try refuseUnfillable(columns, filled: filled, table: "songs")
        return Songs(
            idKind: idKind, idType: castType(id.type), columns: found,
            maxLengths: maxLengths(columns),
            createdHasDefault: found[.created].flatMap { byName[$0]?.hasDefault } ?? true)
    }

    static func detectPlays(_ columns: [CatalogColumn]) throws -> Plays {
        let byName = Dictionary(columns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for required in ["source", "source_play_id", "title", "artist", "song_id"] where byName[required] == nil {
            throw IngestError.storage("external_plays has no column \(required)")
        }
        var found: [PlayField: String] = [:]
        for field in PlayField.allCases {
            if let name = columns.first(where: { field.matches($0.name) })?.name { found[field] = name }
        }
        var idToGenerate: IDKind?
        if let id = byName["id"], id.isRequired {
            idToGenerate = try idKind(of: id, table: "external_plays")
            if idToGenerate == .integer {
                throw IngestError.storage("external_plays.id is a number without a default; give it a sequence (bigserial)")
            }
        }
        var filled = Set(["id", "source", "source_play_id", "title", "artist", "song_id"] + found.values)
        if idToGenerate == nil { filled.remove("id") }
        try refuseUnfillable(columns.filter { $0.name != "id" || idToGenerate == nil }, filled: filled, table: "external_plays")
        let songID = byName["song_id"] ?? CatalogColumn(name: "song_id", type: "text", isNullable: true, hasDefault: false)
        return Plays(
            songIDType: castType(songID.type), columns: found, maxLengths: maxLengths(columns), idToGenerate: idToGenerate,
            createdHasDefault: found[.created].flatMap { byName[$0]?.hasDefault } ?? true)
    }

    /// How ids of `column` are made, or a refusal naming it.
    static func idKind(of column: CatalogColumn, table: String) throws -> IDKind {
        let type = column.type
        if type == "uuid" { return .uuid }
        if type.contains("int") {
            guard column.hasDefault else {
                throw IngestError.storage(
                    "\(table).\(column.name) is a number without a default (a sequence or identity); RadioIngest cannot choose ids for it")
            }
            return .integer
        }
        if type.isEmpty || type.contains("char") || type.contains("text") || type.contains("clob") { return .text }
        throw IngestError.storage("\(table).\(column.name) has type \(type), for which RadioIngest cannot make ids")
    }

    /// Refuses a table with a NOT NULL column that nothing fills.
    static func refuseUnfillable(_ columns: [CatalogColumn], filled: Set<String>, table: String) throws {
        if let column = columns.first(where: { $0.isRequired && !filled.contains($0.name) }) {
            throw IngestError.storage(
                "\(table).\(column.name) is NOT NULL without a default, and RadioIngest does not know how to fill it; give it a default or map it in the config's catalog section"
            )
        }
    }

    static func maxLengths(_ columns: [CatalogColumn]) -> [String: Int] {
        Dictionary(columns.compactMap { c in c.maxLength.map { (c.name, $0) } }, uniquingKeysWith: { first, _ in first })
    }

    /// The type to cast a text value to when writing an id (`varchar(36)` → `text`).
    static func castType(_ type: String) -> String {
        switch type {
        case "uuid": return "uuid"
        case "bigint", "integer", "smallint": return type
        default: return type.contains("int") ? "bigint" : "text"
        }
    }

    /// One line per fact, for `migrate` and `status`.
    public var summary: [String] {
        func list<F: RawRepresentable>(_ columns: [F: String]) -> String where F.RawValue == String {
            columns.sorted { $0.key.rawValue < $1.key.rawValue }.map {
                $0.key.rawValue == $0.value ? $0.value : "\($0.key.rawValue)=\($0.value)"
            }
            .joined(separator: ", ")
        }
        var lines = [
            "songs: ids \(songs.idKind.rawValue) (\(songs.idType)); columns written: id, title, artist, \(list(songs.columns))",
            "external_plays: song_id \(plays.songIDType); columns written: source, source_play_id, title, artist, song_id, \(list(plays.columns))",
        ]
        let limits =
            (songs.maxLengths.map { "songs.\($0.key) ≤ \($0.value)" } + plays.maxLengths.map { "external_plays.\($0.key) ≤ \($0.value)" })
            .sorted()
        if !limits.isEmpty { lines.append("length limits: " + limits.joined(separator: ", ")) }
        return lines
    }
}

extension CatalogSchema.SongField {
    /// The name RadioIngest gives the column in a catalog it creates.
    var defaultName: String {
        switch self {
        case .created: return "created_at"
        case .updated: return "updated_at"
        default: return rawValue
        }
    }

    /// Whether `name` is this role's column in either naming style (`created_at`, `createdAt`).
    func matches(_ name: String) -> Bool {
        let folded = name.lowercased().replacingOccurrences(of: "_", with: "")
        switch self {
        case .created: return folded == "createdat"
        case .updated: return folded == "updatedat"
        default: return folded == rawValue.replacingOccurrences(of: "_", with: "")
        }
    }
}

extension CatalogSchema.PlayField {
    func matches(_ name: String) -> Bool {
        let folded = name.lowercased().replacingOccurrences(of: "_", with: "")
        return self == .created ? folded == "createdat" : folded == rawValue
    }
}

/// SQL identifiers (table and column names) for statements built from an introspected schema.
public enum SQLIdentifier {
    /// `name` in double quotes, inner quotes doubled: safe in PostgreSQL and SQLite alike.
    public static func quote(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
