import Foundation
import IngestCore

/// The ABC (Australian Broadcasting Corporation) music API: triple j, Double J, ABC Jazz and
/// the other services, one ``station`` per adapter.
///
/// `GET {base}/plays/search.json?station=…&from=…&to=…&order=desc&limit=…&offset=…`. Windows are
/// UTC `from`/`to`; paging is `offset` + `limit` against the response's `total`.
public struct ABCAdapter: StationAdapter {
    public static let defaultBaseURL = URL(string: "https://music.abcradio.net.au/api/v1")!
    public static let maxPageSize = 100

    public let sourceName: String
    public let timeZone = TimeZone(identifier: "Australia/Sydney") ?? .current
    public let order = PlayOrder.newestFirst
    /// The ABC's plays come from an automated now-playing feed, occasionally back-filled within the hour.
    public let lookback: Duration = .seconds(60 * 60)
    /// The service id: `triplej`, `doublej`, `jazz`, `unearthed`, `classic2`, `country`, …
    public var station: String
    public var baseURL: URL
    public var pageSize: Int

    public init(station: String, sourceName: String? = nil, baseURL: URL = defaultBaseURL, pageSize: Int = maxPageSize) {
        self.station = station
        self.sourceName = sourceName ?? "abc-\(station)"
        self.baseURL = baseURL
        self.pageSize = min(max(pageSize, 1), Self.maxPageSize)
    }

    public func firstRequest(for window: TimeWindow) throws -> PageRequest {
        var items = [
            URLQueryItem(name: "station", value: station), URLQueryItem(name: "order", value: "desc"),
            URLQueryItem(name: "limit", value: String(pageSize)), URLQueryItem(name: "offset", value: "0"),
        ]
        if let start = window.start { items.append(URLQueryItem(name: "from", value: Timestamp.format(start))) }
        if let end = window.end { items.append(URLQueryItem(name: "to", value: Timestamp.format(end))) }
        return PageRequest(url: baseURL.appendingPathComponent("plays/search.json").settingQueryItems(items))
    }

    public func parse(_ body: Data, for request: PageRequest) throws -> ParsedPage {
        let page: ABCSearchPage
        do {
            page = try JSONDecoder().decode(ABCSearchPage.self, from: body)
        } catch {
            throw IngestError.malformedPage("ABC returned a body that is not a plays search page (\(request.redactedURL)): \(error)")
        }
        let nextOffset = page.offset + page.items.count
        let next =
            page.items.isEmpty || nextOffset >= page.total
            ? nil
            : PageRequest(
                url: request.url.settingQueryItems([URLQueryItem(name: "offset", value: String(nextOffset))]),
                headers: request.headers, secretHeaderNames: request.secretHeaderNames)
        // The API can answer with plays of several services (a station it does not know is
        // ignored): keep only the requested one's, and say so when none is.
        let services = page.items.compactMap { $0.row?.serviceID }
        if !services.isEmpty, !services.contains(station) {
            throw IngestError.rejected(
                "ABC returned no plays of '\(station)', only of \(Set(services).sorted().joined(separator: ", ")): the API does not know that station; check --station"
            )
        }
        let records = page.items.map { item -> ParsedRecord in
            guard let service = item.row?.serviceID, service != station else { return item.record }
            return .invalid(SkipReason(.otherStation, "a play of another ABC service (\(service)), not \(station)"))
        }
        return ParsedPage(records: records, next: next)
    }
}
