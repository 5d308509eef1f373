import Foundation
import IngestCore

/// Reads one record's fields into a play, or says in plain words why it cannot.
struct RowReader {
    let definition: AdapterDefinition
    let timeZone: TimeZone
    /// One formatter per page, for a `played_at` read with a local pattern.
    let localTimes: DateFormatter?

    init(definition: AdapterDefinition, timeZone: TimeZone) {
        self.definition = definition
        self.timeZone = timeZone
        if case .localPattern(let pattern)? = definition.fields.playedAt.format {
            localTimes = DayCalendar.formatter(pattern, timeZone: timeZone)
        } else {
            localTimes = nil
        }
    }

    func record(_ row: JSONTree) -> ParsedRecord {
        let fields = definition.fields
        var read: [String: String] = [:]
        func text(_ key: String, _ field: AdapterDefinition.Field?) -> String? {
            guard let field else { return nil }
            var value = Self.text(of: field, in: row, excluding: field.excluding.compactMap { read[$0] })
            if let prefix = field.prefix, let main = value,
                let before = Self.text(of: prefix.field, in: row, excluding: prefix.field.excluding.compactMap { read[$0] })
            {
                value = before + prefix.separator + main
            }
            read[key] = value
            return value
        }
        let id = text("source_play_id", fields.sourcePlayID)
        let rawTime = text("played_at", fields.playedAt)
        let artist = text("artist", fields.artist)
        let title = text("title", fields.title)
        guard let rawTime, let airdate = time(rawTime) else {
            return .invalid(.unparseableTime(fields.playedAt.label, rawTime ?? ""))
        }
        guard let title else { return .invalid(.missing(fields.title.label)) }
        guard let artist else { return .invalid(.missing(fields.artist.label)) }
        guard let id else { return .invalid(SkipReason(.badID, "missing \(fields.sourcePlayID.label)")) }
        return .track(
            Play(
                sourcePlayID: id, title: title, artist: artist, album: text("album", fields.album), airdate: airdate,
                mbid: text("mbid", fields.mbid), isrc: text("isrc", fields.isrc),
                year: text("year", fields.year).flatMap(Self.year)))
    }

    /// The field's text: its paths' values trimmed, empty and ignored ones dropped, joined;
    /// `nil` when nothing is left.
    static func text(of field: AdapterDefinition.Field, in row: JSONTree, excluding: [String]) -> String? {
        // The common case, one key path read as it is: no lists built.
        if case .path(let path) = field.source, path.plainKeys != nil, excluding.isEmpty {
            guard let raw = path.firstValue(in: row)?.scalarText else { return nil }
            let text = raw.trimmedFast
            guard !text.isEmpty, field.ignore.isEmpty || !field.ignore.contains(text) else { return nil }
            return field.lowercase ? text.lowercased() : text
        }
        func strings(_ path: JSONPath) -> [String] {
            path.values(in: row).compactMap { value in
                guard let text = value.scalarText?.trimmedFast, !text.isEmpty,
                    !field.ignore.contains(text)
                else { return nil }
                return text
            }
        }
        var parts: [String]
        switch field.source {
        case .path(let path): parts = strings(path)
        case .firstOf(let paths): parts = paths.lazy.map(strings).first { !$0.isEmpty } ?? []
        case .allOf(let paths):
            parts = []
            for value in paths.flatMap(strings) where !parts.contains(value) { parts.append(value) }
        }
        if !excluding.isEmpty {
            let others = Set(excluding.map { $0.lowercased() })
            parts.removeAll { others.contains($0.lowercased()) }
        }
        guard !parts.isEmpty else { return nil }
        if field.firstOnly { parts = [parts[0]] }
        let joined = parts.count == 1 ? parts[0] : parts.joined(separator: field.join)
        return field.lowercase ? joined.lowercased() : joined
    }

    func time(_ text: String) -> Date? {
        switch definition.fields.playedAt.format ?? .iso8601 {
        case .iso8601: return Timestamp.parse(text)
        case .epochSeconds: return Double(text).map { Date(timeIntervalSince1970: $0) }
        case .epochMilliseconds: return Double(text).map { Date(timeIntervalSince1970: $0 / 1000) }
        case .localPattern: return localTimes?.date(from: text)
        case .year: return nil
        }
    }

    /// The year of `2015`, `2015-06-01` or `2015.0`; `nil` when the text does not start with
    /// four digits.
    static func year(_ text: String) -> Int? {
        let digits = text.prefix(4)
        guard digits.count == 4, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int(digits)
    }
}

/// Station-local days and times as text.
struct DayCalendar {
    let timeZone: TimeZone

    static func formatter(_ pattern: String, timeZone: TimeZone) -> DateFormatter {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.calendar = Calendar(identifier: .gregorian)
        formatter.timeZone = timeZone
        formatter.dateFormat = pattern
        return formatter
    }

    /// The local day of `date` as `yyyy-MM-dd`.
    /// (Calendar arithmetic, not a formatter: a formatter rounds 23:59:59.9999 up to the next day.)
    func isoDay(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let (year, month, day) = (parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        return String(format: "%04d-%02d-%02d", year, month, day)
    }

    /// Local midnight of a `yyyy-MM-dd` day.
    func midnight(_ day: String) -> Date? { Self.formatter("yyyy-MM-dd", timeZone: timeZone).date(from: day) }

    /// The day before or after a `yyyy-MM-dd` day.
    func day(_ day: String, plus offset: Int) -> String? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        guard let midnight = midnight(day), let moved = calendar.date(byAdding: .day, value: offset, to: midnight) else { return nil }
        return isoDay(moved)
    }

    /// A `yyyy-MM-dd` day written with `pattern` (`yyyy/MM/dd`).
    func format(day: String, pattern: String) -> String {
        guard pattern != "yyyy-MM-dd", let midnight = midnight(day) else { return day }
        return Self.formatter(pattern, timeZone: timeZone).string(from: midnight)
    }
}

/// Window bounds as the API wants them.
struct TimeWriter {
    let timeZone: TimeZone

    func write(_ date: Date, _ format: AdapterDefinition.TimeFormat) -> String {
        switch format {
        case .iso8601UTC: return Timestamp.format(date)
        case .iso8601Offset: return DayCalendar.formatter("yyyy-MM-dd'T'HH:mm:ssxxx", timeZone: timeZone).string(from: date)
        case .epochSeconds: return String(Int64(date.timeIntervalSince1970.rounded(.down)))
        case .epochMilliseconds: return String(Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
        case .date: return DayCalendar(timeZone: timeZone).isoDay(date)
        case .pattern(let pattern): return DayCalendar.formatter(pattern, timeZone: timeZone).string(from: date)
        }
    }
}

