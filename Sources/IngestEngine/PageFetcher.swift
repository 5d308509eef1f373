import AsyncHTTPClient
import Foundation
import IngestCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Performs an adapter's ``PageRequest``s: a deadline and a body cap on every request, retries
/// with back-off for 429, 5xx and network errors, and a clear error when they run out.
public struct PageFetcher: Sendable {
    /// Waits for a duration; tests substitute one that records instead of sleeping.
    public typealias Sleeper = @Sendable (Duration) async throws -> Void

    public var client: HTTPClient
    public var retry: RetryPolicy
    /// The deadline of one attempt, from connect to the last body byte.
    public var timeout: Duration
    /// The largest response body accepted.
    public var maxBodyBytes: Int
    public var sleep: Sleeper
    public var userAgent: String
    /// Receives every page body fetched (record mode).
    public var recorder: FixtureRecorder?

    public init(
        client: HTTPClient = PageFetcher.sharedClient, retry: RetryPolicy = .init(), timeout: Duration = .seconds(30),
        maxBodyBytes: Int = 16 << 20, userAgent: String = "radio-ingest/0.1",
        sleep: @escaping Sleeper = { try await Task.sleep(for: $0) }
    ) {
        self.client = client
        self.retry = retry
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
        self.userAgent = userAgent
        self.sleep = sleep
    }

    /// The process's HTTP client: a connection attempt gives up after 10 s, and a failed one is
    /// reported to the fetcher at once (which retries with its own back-off, or not at all for
    /// a name that does not resolve) instead of being retried quietly until the deadline.
    public static let sharedClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(10)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Fetches `request`'s body, retrying what is worth retrying.
    public func fetch(_ request: PageRequest, logger: Logger, source: String = "") async throws -> Data {
        var attempt = 0
        while true {
            attempt += 1
            let outcome = await attemptFetch(request, source: source)
            let wait: Duration
            switch outcome {
            case .body(let data):
                try recorder?.record(data, for: request)
                return data
            case .fatal(let error):
                throw error
            case .retryable(let reason, let retryAfter):
                // A cancelled fetch (the walk ended, or a page fetched ahead is no longer
                // wanted) is not a failure to retry.
                try Task.checkCancellation()
                guard attempt <= retry.maxRetries else {
                    throw IngestError.network(
                        "giving up on \(request.redactedURL) after \(attempt) attempts: \(reason). "
                            + "The checkpoint is intact; run again later to resume.")
                }
                wait = retryAfter ?? retry.backoff(retry: attempt)
                IngestMetrics.retry(source: source, reason: Self.retryReason(reason))
                logger.warning(
                    "retrying page fetch",
                    metadata: [
                        "ingest.url": "\(request.redactedURL)", "ingest.reason": "\(reason)",
                        "ingest.attempt": "\(attempt)", "ingest.wait": "\(wait)",
                    ])
            }
            try await sleep(wait)
        }
    }

    enum Outcome {
        case body(Data)
        case retryable(String, retryAfter: Duration?)
        case fatal(IngestError)
    }

    /// A retry's reason as a metric label.
    static func retryReason(_ reason: String) -> String {
        if reason.hasPrefix("HTTP 429") { return "rate_limited" }
        if reason.hasPrefix("HTTP ") { return "server_error" }
        return "network"
    }

    /// One attempt, counted in `radio_ingest_http_requests_total` by host and status.
    func attemptFetch(_ request: PageRequest, source: String = "") async -> Outcome {
        let (outcome, status) = await send(request)
        IngestMetrics.httpRequest(source: source, host: request.url.host ?? "", status: status)
        return outcome
    }

    /// What one request came to, and its status for metrics (the code, or `error`).
    func send(_ request: PageRequest) async -> (Outcome, String) {
        var http = HTTPClientRequest(url: request.url.absoluteString)
        http.headers.add(name: "User-Agent", value: userAgent)
        http.headers.add(name: "Accept", value: "application/json")
        for (name, value) in request.headers { http.headers.replaceOrAdd(name: name, value: value) }
        var status = "error"
        do {
            let response = try await client.execute(http, timeout: .init(timeout))
            let code = Int(response.status.code)
            status = String(code)
            if code == 429 {
                return (
                    .retryable("HTTP 429 Too Many Requests", retryAfter: retry.retryAfter(response.headers.first(name: "Retry-After"))),
                    status
                )
            }
            if code >= 500 { return (.retryable("HTTP \(code)", retryAfter: nil), status) }
            if !(200..<300).contains(code) {
                return (.fatal(.rejected(Self.rejection(code: code, url: request.redactedURL))), status)
            }
            let body = try await response.body.collect(upTo: maxBodyBytes)
            return (.body(Data(body.readableBytesView)), status)
        } catch is NIOTooManyBytesError {
            return (.fatal(.malformedPage("the response from \(request.redactedURL) exceeds \(maxBodyBytes) bytes")), status)
        } catch let error where Self.unresolvedHost(error) != nil {
            // A name that does not resolve will not resolve in a second either: say so at once.
            let (host, cause) = Self.unresolvedHost(error) ?? ("", "")
            return (
                .fatal(.network("cannot resolve the host \(host) (\(cause)); check the base URL and this machine's network and DNS")),
                status
            )
        } catch {
            return (.retryable(Self.describe(error), retryAfter: nil), status)
        }
    }

    static func rejection(code: Int, url: String) -> String {
        switch code {
        case 401, 403: return "HTTP \(code) from \(url): the API key is missing or was rejected; check the source's key variable"
        case 404: return "HTTP 404 from \(url): check the source's base URL"
        default: return "HTTP \(code) from \(url): the request was refused"
        }
    }

    /// The host and the resolver's words when `error` is a name that does not resolve.
    static func unresolvedHost(_ error: Error) -> (host: String, cause: String)? {
        if let unknown = error as? SocketAddressError.UnknownHost { return (unknown.host, unknown.errorDescription) }
        if let connection = error as? NIOConnectionError, connection.connectionErrors.isEmpty,
            let dns = (connection.dnsAError ?? connection.dnsAAAAError) as? SocketAddressError.UnknownHost
        {
            return (connection.host, dns.errorDescription)
        }
        return nil
    }

    static func describe(_ error: Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "timed out"
            case .remoteConnectionClosed: return "connection closed by the server"
            default: return "\(error)"
            }
        }
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first {
            return "\(describe(first.error)) (\(connection.host):\(connection.port))"
        }
        // NIO's own words read "connection reset (error set): Connection refused) (errno: 111)".
        if let io = error as? IOError, let words = describe(errno: io.errnoCode) { return words }
        return "\(error)"
    }

    /// A socket error in the operator's words, for the errors a fetch meets.
    static func describe(errno code: CInt) -> String? {
        switch code {
        case ECONNREFUSED: "connection refused: nothing listens there (is the server up, and is the port right?)"
        case ECONNRESET: "connection reset by the server"
        case ETIMEDOUT: "timed out"
        case EHOSTUNREACH: "host unreachable"
        case ENETUNREACH: "network unreachable"
        default: nil
        }
    }
}
