import Foundation
import IngestCore

extension DeclarativeAdapter {
    /// The request after `request`: the paging rule's next page, else (day-addressed) the
    /// first page of the next day, else `nil`. Every rule also ends on an empty page.
    func nextRequest(after request: PageRequest, json: JSONTree, rowCount: Int) throws -> PageRequest? {
        if let next = try nextPage(after: request, json: json, rowCount: rowCount) { return next }
        guard definition.window.perDay != nil, let day = request.state[StateKey.day] else { return nil }
        return try nextDay(after: request, day: day, hadRecords: rowCount > 0 || request.state[StateKey.dayHadRecords] != nil)
    }

    /// The next page within the same window or day.
    func nextPage(after request: PageRequest, json: JSONTree, rowCount: Int) throws -> PageRequest? {
        guard rowCount > 0 else { return nil }
        // Only a day-addressed walk carries state from page to page (the day, where it stops).
        var state = definition.window.perDay == nil ? [:] : request.state
        if definition.window.perDay != nil {
            state[StateKey.first] = nil
            state[StateKey.dayHadRecords] = "1"
        }
        func following(_ url: URL) -> PageRequest {
            var next = request
            next.url = url
            next.state = state
            return next
        }
        func same(_ name: String, _ value: String) -> PageRequest {
            following(request.url.settingQueryItems([URLQueryItem(name: name, value: value)]))
        }
        func current(_ name: String, default value: Int) -> Int {
            URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.queryItems?.first { $0.name == name }?.value
                .flatMap(Int.init) ?? value
        }
        let shortPage = pageSize.map { rowCount < $0 } ?? false
        switch definition.paging {
        case .none:
            return nil
        case .nextURL(let path):
            guard let link = path.firstValue(in: json)?.scalarText, !link.isEmpty else { return nil }
            // The engine refuses a link that is not http(s), after storing this page.
            guard let url = URL(string: link, relativeTo: request.url)?.absoluteURL else {
                throw IngestError.malformedPage("\(definition.name) returned a next link that is not a URL: \(link.prefix(200))")
            }
            return following(url)
        case .offset(let param, let start, let totalPath):
            let next = current(param, default: start) + rowCount
            if let totalPath, let total = totalPath.firstValue(in: json)?.scalarText.flatMap(Int.init), next >= total {
                return nil
            }
            return same(param, String(next))
        case .pageNumber(let param, let start, let hasMorePath, let stopOnShortPage):
            if let hasMorePath {
                let more = hasMorePath.firstValue(in: json)
                if more == nil || more?.scalarText == "false" { return nil }
            }
            if stopOnShortPage && shortPage { return nil }
            return same(param, String(current(param, default: start) + 1))
        case .cursor(let path, let param):
            guard let cursor = path.firstValue(in: json)?.scalarText, !cursor.isEmpty else { return nil }
            return same(param, cursor)
        }
    }

    /// The first page of the day after `day` in the walk's direction, or `nil` at the window's
    /// far day, or (with no far day) after `maxEmptyDays` days in a row without a record.
    func nextDay(after request: PageRequest, day: String, hadRecords: Bool) throws -> PageRequest? {
        guard let perDay = definition.window.perDay else { return nil }
        if let stopDay = request.state[StateKey.stopDay], order == .newestFirst ? day <= stopDay : day >= stopDay { return nil }
        let emptyDays = hadRecords ? 0 : (request.state[StateKey.emptyDays].flatMap(Int.init) ?? 0) + 1
        if request.state[StateKey.stopDay] == nil, emptyDays >= perDay.maxEmptyDays { return nil }
        guard let following = DayCalendar(timeZone: timeZone).day(day, plus: order == .newestFirst ? -1 : 1) else { return nil }
        var state = [StateKey.day: following, StateKey.emptyDays: String(emptyDays)]
        state[StateKey.stopDay] = request.state[StateKey.stopDay]
        return try self.request(state: state, window: nil)
    }
}
