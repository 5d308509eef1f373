/// A source's row type that knows what record it is.
public protocol SourceRow: Decodable {
    /// The row as a track, a non-track or an invalid record.
    var record: ParsedRecord { get }
}

/// Decodes one row leniently: a row that fails to decode (a wrong type, a missing key) becomes
/// an `.invalid` record instead of failing its whole page. Decode a page's rows as
/// `[LenientRecord<MyRow>]`.
public struct LenientRecord<Row: SourceRow>: Decodable {
    public var record: ParsedRecord
    /// The decoded row, when it decoded.
    public var row: Row?

    public init(from decoder: Decoder) throws {
        do {
            let row = try Row(from: decoder)
            self.row = row
            record = row.record
        } catch {
            record = .invalid(SkipReason(.unreadableRow, "unreadable row: \(Self.plainWords(error))"))
        }
    }

    /// A decoding error in a few words naming the field, never a decoder dump.
    static func plainWords(_ error: Error) -> String {
        guard let error = error as? DecodingError else { return "not the expected shape" }
        func path(_ context: DecodingError.Context, _ last: CodingKey? = nil) -> String {
            let keys = context.codingPath + (last.map { [$0] } ?? [])
            let text = keys.reduce(into: "") { text, key in
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text.isEmpty ? "the row" : "'\(text)'"
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context, key)) is missing"
        case .valueNotFound(_, let context): return "\(path(context)) is null"
        case .typeMismatch(let type, let context): return "\(path(context)) is not \(type == String.self ? "text" : "a \(type)")"
        case .dataCorrupted(let context): return "\(path(context)) is unreadable"
        @unknown default: return "not the expected shape"
        }
    }
}
