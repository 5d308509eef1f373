import Foundation

/// One HTTP GET the engine should perform on an adapter's behalf.
///
/// Adapters never do I/O: they describe the request and the engine sends it, with retries,
/// deadlines, size caps and polite delays.
public struct PageRequest: Sendable, Hashable {
    /// The absolute URL to fetch, query included.
    public var url: URL
    /// Extra request headers, such as `Authorization` or `Accept`.
    public var headers: [String: String]
    /// Header names whose values are secret and must never be logged.
    public var secretHeaderNames: Set<String>

    public init(url: URL, headers: [String: String] = [:], secretHeaderNames: Set<String> = []) {
        self.url = url
        self.headers = headers
        self.secretHeaderNames = secretHeaderNames
    }

    /// The URL as it may appear in logs and errors: query values whose names look secret are masked.
    public var redactedURL: String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else {
            return url.absoluteString
        }
        components.user = nil
        components.password = nil
        components.queryItems = components.queryItems?.map { item in
            let name = item.name.lowercased()
            let secret = ["key", "token", "secret", "password", "api_key", "apikey", "access_token"]
            return secret.contains(name) ? URLQueryItem(name: item.name, value: "***") : item
        }
        return components.string ?? url.absoluteString
    }
}

extension URL {
    /// This URL with the given query items set, replacing any of the same name.
    public func settingQueryItems(_ items: [URLQueryItem]) -> URL {
        guard var components = URLComponents(url: self, resolvingAgainstBaseURL: false) else { return self }
        var existing = components.queryItems ?? []
        let names = Set(items.map(\.name))
        existing.removeAll { names.contains($0.name) }
        existing.append(contentsOf: items)
        components.queryItems = existing
        // `+` is legal in a query but many servers read it as a space; offsets need it literal.
        components.percentEncodedQuery = components.percentEncodedQuery?
            .replacingOccurrences(of: "+", with: "%2B")
        return components.url ?? self
    }
}
