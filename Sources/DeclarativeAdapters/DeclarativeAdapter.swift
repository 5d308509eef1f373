import Foundation
import IngestCore

/// A ``StationAdapter`` run from an ``AdapterDefinition``: the engine, stores, checkpoints,
/// limits, retries, record mode and the adapter test kit treat it like any Swift adapter.
public struct DeclarativeAdapter: StationAdapter {
    public let definition: AdapterDefinition
    public let sourceName: String
    public let timeZone: TimeZone
    public var order: PlayOrder { definition.order }
    public var lookback: Duration { definition.lookback ?? .seconds(3600) }
    /// Placeholder values: the params, `base_url` and `page_size`.
    let values: [String: String]
    let pageSize: Int?
    /// The secret and where it goes, read from the environment when the adapter was made.
    let secret: Secret?

    struct Secret: Sendable {
        enum Place: Sendable { case header(String), query(String) }
        var place: Place
        var value: String
    }

    /// State keys carried from page to page.
    enum StateKey {
        static let first = "first"
        static let day = "day"
        static let stopDay = "stop_day"
        static let emptyDays = "empty_days"
        static let dayHadRecords = "day_had_records"
    }

    public func firstRequest(for window: TimeWindow) throws -> PageRequest {
        var state = [StateKey.first: "1"]
        if definition.window.perDay != nil {
            let calendar = DayCalendar(timeZone: timeZone)
            let edge = order == .newestFirst ? (window.end ?? Date()).addingTimeInterval(-0.000_001) : (window.start ?? Date())
            state[StateKey.day] = calendar.isoDay(edge)
            if let far = order == .newestFirst ? window.start : window.end.map({ $0.addingTimeInterval(-0.000_001) }) {
                state[StateKey.stopDay] = calendar.isoDay(far)
            }
        }
        return try request(state: state, window: window)
    }

    /// The first request of a page sequence (a window, or one day of it).
    func request(state: [String: String], window: TimeWindow?) throws -> PageRequest {
        var values = self.values
        var items: [URLQueryItem] = []
        if let day = state[StateKey.day], let perDay = definition.window.perDay {
            let text = DayCalendar(timeZone: timeZone).format(day: day, pattern: perDay.format)
            values["day"] = text
            if let param = perDay.param { items.append(URLQueryItem(name: param, value: text)) }
        }
        let urlText = definition.request.url.fill(values) { name, value in
            name == "base_url" ? value : (value.addingPercentEncoding(withAllowedCharacters: Self.pathCharacters) ?? value)
        }
        guard let url = URL(string: urlText), url.host != nil else {
            throw IngestError.usage("\(definition.name): the request URL '\(urlText)' is not a URL; check base_url and the params")
        }
        for (name, template) in definition.request.query {
            let value = template.fill(values)
            if !value.isEmpty { items.append(URLQueryItem(name: name, value: value)) }
        }
        if let window, definition.window.perDay == nil {
            let writer = TimeWriter(timeZone: timeZone)
            if let bound = definition.window.start, let start = window.start {
                items.append(URLQueryItem(name: bound.param, value: writer.write(start, bound.format)))
            }
            if let bound = definition.window.end, let end = window.end {
                items.append(URLQueryItem(name: bound.param, value: writer.write(end, bound.format)))
            }
        }
        switch definition.paging {
        case .offset(let param, let start, _): items.append(URLQueryItem(name: param, value: String(start)))
        case .pageNumber(let param, let start, _, _): items.append(URLQueryItem(name: param, value: String(start)))
        case .none, .nextURL, .cursor: break
        }
        var headers: [String: String] = [:]
        for (name, template) in definition.request.headers { headers[name] = template.fill(values) }
        var request = PageRequest(url: url, headers: headers, state: state)
        switch secret?.place {
        case .header(let name)?:
            request.headers[name] = secret?.value
            request.secretHeaderNames = [name]
        case .query(let name)?:
            items.append(URLQueryItem(name: name, value: secret?.value))
            request.secretQueryNames = [name]
        case nil: break
        }
        request.url = url.settingQueryItems(items)
        return request
    }

    public func parse(_ body: Data, for request: PageRequest) throws -> ParsedPage {
        let json: JSONTree
        do {
            json = try JSONTree.parse(body)
        } catch {
            throw IngestError.malformedPage("\(definition.name) returned a body that is not JSON (\(request.redactedURL))")
        }
        guard definition.records.path.rootMatches(json) else {
            throw IngestError.malformedPage(
                "\(definition.name) returned a page without \(definition.records.path) (\(request.redactedURL)): not a plays page, or the API changed"
            )
        }
        let rows = definition.records.path.values(in: json)
        let reader = RowReader(definition: definition, timeZone: timeZone)
        var records: [ParsedRecord] = []
        records.reserveCapacity(rows.count)
        var trackRows: [JSONTree] = []
        let station = definition.records.stationCheck.map { ($0, $0.equals.fill(values)) }
        for row in rows {
            if let (check, wanted) = station, let value = check.path.firstValue(in: row)?.scalarText, value != wanted {
                var filled = values
                filled["value"] = value
                records.append(.invalid(SkipReason(.otherStation, check.reason.fill(filled))))
                continue
            }
            if let condition = definition.records.trackIf, !condition.holds(for: row) {
                records.append(.nonTrack)
                continue
            }
            trackRows.append(row)
            records.append(reader.record(row))
        }
        if request.state[StateKey.first] != nil, !trackRows.isEmpty {
            try checkPathsPresent(in: trackRows, request: request)
        }
        if definition.window.perDay != nil { records = Self.sorted(records, order: order) }
        let next = try nextRequest(after: request, json: json, rowCount: rows.count)
        return ParsedPage(records: records, next: next, continuesWhenEmpty: definition.window.perDay != nil)
    }

    /// A required field's path that no track row of the first page has is a renamed or
    /// misspelled key: say so, instead of reading a whole history of invalid rows. (Optional
    /// fields are not checked: many APIs leave a key out when it has no value.)
    func checkPathsPresent(in rows: [JSONTree], request: PageRequest) throws {
        for (key, field) in definition.fields.all.prefix(4) {
            let present = rows.contains { row in field.paths.contains { $0.isPresent(in: row) } }
            if !present {
                let paths = field.paths.map(\.description).joined(separator: ", ")
                throw IngestError.malformedPage(
                    "\(definition.name): fields.\(key) (\(paths)) is absent from every record of the first page (\(request.redactedURL)); check the path in \(definition.file)"
                )
            }
        }
    }

    /// Tracks in the walk's order (a day's page lists its plays in air order), other rows after.
    static func sorted(_ records: [ParsedRecord], order: PlayOrder) -> [ParsedRecord] {
        var tracks: [(Int, Play)] = []
        var others: [ParsedRecord] = []
        for (index, record) in records.enumerated() {
            if case .track(let play) = record { tracks.append((index, play)) } else { others.append(record) }
        }
        tracks.sort { a, b in
            if a.1.airdate != b.1.airdate { return order == .newestFirst ? a.1.airdate > b.1.airdate : a.1.airdate < b.1.airdate }
            return a.0 < b.0
        }
        return tracks.map { .track($0.1) } + others
    }

    /// Characters a `{param}` value may keep in a URL path (`/` of `{day}` as `yyyy/MM/dd` included).
    static let pathCharacters: CharacterSet = {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#;")
        return allowed
    }()
}

extension JSONPath {
    /// Whether `json` has the shape the path starts with: an object holding its first key, or a
    /// list for `$[*]`. An HTML error page or a bare `[]` where an object belongs does not.
    func rootMatches(_ json: JSONTree) -> Bool {
        switch steps.first {
        case .key(let name)?: return json[name] != nil
        case .all?, .index?, .filter?: if case .array = json { return true } else { return false }
        case nil: return true
        }
    }
}
