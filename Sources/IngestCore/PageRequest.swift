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
    /// Query parameter names whose values are secret (an API key sent in the URL), masked in logs
    /// like the usual names (`key`, `token`, `api_key`, ...).
    public var secretQueryNames: Set<String> = []
    /// What the adapter needs to remember for the pages after this one (the day a day-addressed
    /// walk has reached, where it stops); never sent.
    public var state: [String: String]

    public init(url: URL, headers: [String: String] = [:], secretHeaderNames: Set<String> = [], state: [String: String] = [:]) {
        self.url = url
        self.headers = headers
        self.secretHeaderNames = secretHeaderNames
        self.state = state
    }

    /// The URL as it may appear in logs and errors: query values whose names look secret are masked.
    public var redactedURL: String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else {
            return url.absoluteString
        }
        components.user = nil
        components.password = nil
        components.queryItems = components.queryItems?.map { item in
            isSecret(queryName: item.name) ? URLQueryItem(name: item.name, value: "***") : item
        }
        return components.string ?? url.absoluteString
    }

    /// Query names whose values are secret whatever the adapter says.
    static let usualSecretQueryNames: Set<String> = ["key", "token", "secret", "password", "api_key", "apikey", "access_token"]

    /// Whether a query parameter's value is secret: a usual name, or one the adapter declared.
    func isSecret(queryName name: String) -> Bool {
        Self.usualSecretQueryNames.contains(name.lowercased()) || secretQueryNames.contains(name)
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

extension PageRequest {
    /// This request as it may be sent to a host other than the one its secrets were configured
    /// for: secret headers removed, secret query values dropped.
    public func withoutSecrets() -> PageRequest {
        var copy = self
        for name in secretHeaderNames { copy.headers[name] = nil }
        copy.secretHeaderNames = []
        if var components = URLComponents(url: url, resolvingAgainstBaseURL: false), let items = components.queryItems {
            components.queryItems = items.filter { !isSecret(queryName: $0.name) }
            if let stripped = components.url { copy.url = stripped }
        }
        copy.secretQueryNames = []
        return copy
    }

    /// Whether `other` goes to the same scheme, host and port.
    public func sameOrigin(as other: PageRequest) -> Bool {
        url.scheme?.lowercased() == other.url.scheme?.lowercased() && url.host?.lowercased() == other.url.host?.lowercased()
            && url.port == other.url.port
    }
}
