/// Why a record was skipped (counted under `skipped_invalid`), typed so that summaries can
/// count each reason in plain words and tests can check the kind rather than the wording.
public struct SkipReason: Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem, in the words summaries use.
    public enum Kind: String, Sendable, Hashable, CaseIterable, Codable {
        case missingTitleOrArtist = "missing title or artist"
        case unparseableTime = "unparseable time"
        case badID = "bad id"
        case tooLong = "too long"
        case otherStation = "another station's play"
        case unreadableRow = "unreadable row"
        case other = "other"
    }

    public var kind: Kind
    /// The specifics, for debug logs (`missing artist`, `unreadable airdate '2025-13-01'`).
    public var detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { detail }

    /// A missing title or artist (`what` names the source's field).
    public static func missing(_ what: String) -> SkipReason { .init(.missingTitleOrArtist, "missing \(what)") }
    /// A time that does not parse (`field` and the raw value, shortened).
    public static func unparseableTime(_ field: String, _ raw: String) -> SkipReason {
        .init(.unparseableTime, "unreadable \(field) '\(raw.prefix(40))'")
    }
}

extension ParsedRecord {
    /// An invalid record with a reason in words only (kind `other`).
    public static func invalid(reason: String) -> ParsedRecord { .invalid(SkipReason(.other, reason)) }
}
