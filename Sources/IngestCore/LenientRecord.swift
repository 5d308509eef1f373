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

    public init(from decoder: Decoder) throws {
        do {
            record = try Row(from: decoder).record
        } catch {
            record = .invalid(reason: "undecodable \(Row.self) row: \(error)")
        }
    }
}
