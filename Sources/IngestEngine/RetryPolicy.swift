import Foundation

/// How the engine retries a page fetch: 429 waits `Retry-After` when given, else exponential
/// back-off (1 s, 2 s, 4 s); 5xx and network errors are retried the same number of times.
public struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first attempt.
    public var maxRetries: Int
    /// The first back-off; each retry doubles it.
    public var baseDelay: Duration
    /// The longest `Retry-After` honoured; longer requests are capped to this.
    public var maxRetryAfter: Duration

    public init(maxRetries: Int = 3, baseDelay: Duration = .seconds(1), maxRetryAfter: Duration = .seconds(120)) {
        self.maxRetries = maxRetries
        self.baseDelay = baseDelay
        self.maxRetryAfter = maxRetryAfter
    }

    /// The back-off before retry number `retry` (1-based).
    public func backoff(retry: Int) -> Duration {
        baseDelay * (1 << max(0, retry - 1))
    }

    /// The wait a `Retry-After` header asks for: delta-seconds or an HTTP date.
    public func retryAfter(_ header: String?, now: Date = Date()) -> Duration? {
        guard let text = header?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if let seconds = Double(text), seconds >= 0 {
            return min(.milliseconds(Int64(seconds * 1000)), maxRetryAfter)
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        let seconds = max(0, date.timeIntervalSince(now))
        return min(.milliseconds(Int64(seconds * 1000)), maxRetryAfter)
    }
}
