import Foundation
import IngestCore

/// Spinitron v2 (`GET {base}/spins`), used by many college and community stations. Each station
/// has its own API key, sent as `Authorization: Bearer`.
///
/// Windows are `start`/`end`; paging is `page` with `count` up to 200, ending when
/// `_links.next` is absent. Times are station-local with colon-less offsets (`-0500`). There
/// are no airbreaks.
public struct SpinitronAdapter: StationAdapter {
    public static let defaultBaseURL = URL(string: "https://spinitron.com/api")!
    public static let maxPageSize = 200

    public let sourceName: String
    public let timeZone: TimeZone
    public let order = PlayOrder.newestFirst
    /// Spinitron DJs often enter a whole show's set after it ends; shows run up to 4 hours.
    public let lookback: Duration = .seconds(6 * 60 * 60)
    public var baseURL: URL
    public var pageSize: Int
    let apiKey: String

    public init(
        sourceName: String, apiKey: String, timeZone: TimeZone = .gmt,
        baseURL: URL = defaultBaseURL, pageSize: Int = maxPageSize
    ) {
        self.sourceName = sourceName
        self.apiKey = apiKey
        self.timeZone = timeZone
        self.baseURL = baseURL
        self.pageSize = min(max(pageSize, 1), Self.maxPageSize)
    }

    public func firstRequest(for window: TimeWindow) throws -> PageRequest {
        var items = [URLQueryItem(name: "count", value: String(pageSize)), URLQueryItem(name: "page", value: "1")]
        if let start = window.start { items.append(URLQueryItem(name: "start", value: Timestamp.format(start))) }
        if let end = window.end { items.append(URLQueryItem(name: "end", value: Timestamp.format(end))) }
        return PageRequest(
            url: baseURL.appendingPathComponent("spins").settingQueryItems(items),
            headers: ["Authorization": "Bearer \(apiKey)"], secretHeaderNames: ["Authorization"])
    }

    public func parse(_ body: Data, for request: PageRequest) throws -> ParsedPage {
        let page: SpinitronSpinsPage
        do {
            page = try JSONDecoder().decode(SpinitronSpinsPage.self, from: body)
        } catch {
            throw IngestError.malformedPage("Spinitron returned a body that is not a spins page (\(request.redactedURL)): \(error)")
        }
        // Follow `_links.next` by asking for the next page number of this same request, so
        // the window and count survive even when a link omits them.
        let current =
            URLComponents(url: request.url, resolvingAgainstBaseURL: false)?
            .queryItems?.first { $0.name == "page" }?.value.flatMap(Int.init) ?? 1
        let next =
            page.links?.next == nil || page.items.isEmpty
            ? nil
            : PageRequest(
                url: request.url.settingQueryItems([URLQueryItem(name: "page", value: String(current + 1))]),
                headers: request.headers, secretHeaderNames: request.secretHeaderNames)
        return ParsedPage(records: page.items.map(\.record), next: next)
    }
}
