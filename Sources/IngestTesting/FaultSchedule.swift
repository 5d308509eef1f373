import Foundation
import Synchronization

/// Faults to inject by request number (1-based), in front of a normal handler.
///
/// ```swift
/// let faults = FaultSchedule([2: .status(429, headers: ["Retry-After": "1"]), 3: .dropConnection])
/// let server = try await FakeStationServer.start { faults.respond(to: $0) { feed.respond(to: $0, baseURL: base) } }
/// ```
public final class FaultSchedule: Sendable {
    let faults: [Int: FakeResponse]
    let counter = Mutex(0)

    public init(_ faults: [Int: FakeResponse]) {
        self.faults = faults
    }

    /// The injected fault for this request, or `normal`'s answer.
    public func respond(to request: FakeRequest, normal: (FakeRequest) -> FakeResponse) -> FakeResponse {
        let number = counter.withLock { count -> Int in
            count += 1
            return count
        }
        return faults[number] ?? normal(request)
    }
}

/// Serves a generated feed, resolving its base URL once the server is up.
public final class FeedServer: Sendable {
    public let server: FakeStationServer
    public let feed: GeneratedKEXPFeed

    /// Starts a fake KEXP API serving `feed` under `/v2/plays/`, with optional faults.
    /// With `responseDelay`, every answer is held back that long (to interrupt a run mid-way).
    public static func start(
        _ feed: GeneratedKEXPFeed, faults: FaultSchedule = FaultSchedule([:]),
        responseDelay: Duration = .zero
    ) async throws -> FeedServer {
        let base = Mutex<URL?>(nil)
        let server = try await FakeStationServer.start { request in
            let response = faults.respond(to: request) { request in
                guard request.path.hasPrefix("/v2/plays") else { return .status(404) }
                return feed.respond(to: request, baseURL: base.withLock { $0 } ?? URL(string: "http://127.0.0.1")!)
            }
            return responseDelay > .zero ? .delayed(responseDelay, response) : response
        }
        base.withLock { $0 = server.baseURL }
        return FeedServer(server: server, feed: feed)
    }

    init(server: FakeStationServer, feed: GeneratedKEXPFeed) {
        self.server = server
        self.feed = feed
    }

    /// The `--base-url` for the KEXP adapter.
    public var apiRoot: URL { server.baseURL.appendingPathComponent("v2") }
}
