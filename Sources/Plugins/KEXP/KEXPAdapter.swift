import Foundation
import IngestCore

/// KEXP 90.3 FM, Seattle: `GET {base}/plays/` of the public v2 API.
///
/// Paging follows the `next` URL. Windows go out as `airdate_after` / `airdate_before` with
/// explicit UTC offsets, because the API reads naive times as Pacific and silently ignores
/// parameters it does not know (such as `before`). Results come newest first.
public struct KEXPAdapter: StationAdapter {
    /// The public API root.
    public static let defaultBaseURL = URL(string: "https://api.kexp.org/v2")!
    /// The most plays the API returns per page.
    public static let maxPageSize = 200

    public let sourceName: String
    public let timeZone = TimeZone(identifier: "America/Los_Angeles") ?? .current
    public let order = PlayOrder.newestFirst
    /// KEXP's DJs log plays live and correct or add entries during the show: 30 minutes covers that.
    public let lookback: Duration = .seconds(30 * 60)
    /// The API root; a mirror or a test server can stand in.
    public var baseURL: URL
    /// Plays per page (`limit`), at most ``maxPageSize``.
    public var pageSize: Int

    public init(sourceName: String = "kexp", baseURL: URL = defaultBaseURL, pageSize: Int = maxPageSize) {
        self.sourceName = sourceName
        self.baseURL = baseURL
        self.pageSize = min(max(pageSize, 1), Self.maxPageSize)
    }

    public func firstRequest(for window: TimeWindow) throws -> PageRequest {
        var items = [
            URLQueryItem(name: "limit", value: String(pageSize)),
            URLQueryItem(name: "ordering", value: "-airdate"),
        ]
        if let end = window.end { items.append(URLQueryItem(name: "airdate_before", value: Timestamp.format(end))) }
        if let start = window.start { items.append(URLQueryItem(name: "airdate_after", value: Timestamp.format(start))) }
        let plays = baseURL.appendingPathComponent("plays").appendingPathComponent("")
        return PageRequest(url: plays.settingQueryItems(items))
    }

    public func parse(_ body: Data, for request: PageRequest) throws -> ParsedPage {
        let page: KEXPPlaysPage
        do {
            page = try JSONDecoder().decode(KEXPPlaysPage.self, from: body)
        } catch {
            throw IngestError.malformedPage(
                "KEXP returned a body that is not a plays page (\(request.redactedURL)): \(error.shortDescription)")
        }
        let next = try page.next.map { link -> PageRequest in
            guard let url = URL(string: link, relativeTo: request.url)?.absoluteURL else {
                throw IngestError.malformedPage("KEXP returned an unusable next link: \(link)")
            }
            return PageRequest(url: url, headers: request.headers, secretHeaderNames: request.secretHeaderNames)
        }
        return ParsedPage(records: page.results.map(\.record), next: next)
    }
}

extension Error {
    /// A one-line description of a decoding error, without the whole coding path dump.
    var shortDescription: String {
        switch self as? DecodingError {
        case .dataCorrupted(let context)?: return context.debugDescription
        case .keyNotFound(let key, _)?: return "missing key '\(key.stringValue)'"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?:
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        default: return "\(self)"
        }
    }
}
