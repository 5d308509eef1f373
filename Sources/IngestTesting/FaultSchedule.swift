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

/// Serves a generated feed, resolving its base URL once the server is up. The feed can be
/// replaced while the server runs (``publish(_:afterRequests:)``), as a station publishes plays
/// after they aired or edits and withdraws them.
public final class FeedServer: Sendable {
    public let server: FakeStationServer
    let state: Shared

    /// The served feed, shared between the server's handler and the tests.
    final class Shared: Sendable {
        let mutex: Mutex<State>
        init(_ state: State) { mutex = Mutex(state) }
        func withLock<T>(_ body: (inout State) -> T) -> T { mutex.withLock { body(&$0) } }
    }

    struct State {
        var feed: GeneratedKEXPFeed
        var requests = 0
        /// A feed to serve once this many requests have been answered.
        var scheduled: (afterRequests: Int, feed: GeneratedKEXPFeed)?
    }

    /// Starts a fake KEXP API serving `feed` under `/v2/plays/`, with optional faults.
    /// With `responseDelay`, every answer is held back that long (to interrupt a run mid-way).
    public static func start(
        _ feed: GeneratedKEXPFeed, faults: FaultSchedule = FaultSchedule([:]),
        responseDelay: Duration = .zero
    ) async throws -> FeedServer {
        let base = Mutex<URL?>(nil)
        let state = Shared(State(feed: feed))
        let server = try await FakeStationServer.start { request in
            let response = faults.respond(to: request) { request in
                guard request.path.hasPrefix("/v2/plays") else { return .status(404) }
                let current = state.withLock { state -> GeneratedKEXPFeed in
                    if let scheduled = state.scheduled, state.requests >= scheduled.afterRequests {
                        state.feed = scheduled.feed
                        state.scheduled = nil
                    }
                    state.requests += 1
                    return state.feed
                }
                return current.respond(to: request, baseURL: base.withLock { $0 } ?? URL(string: "http://127.0.0.1")!)
            }
            return responseDelay > .zero ? .delayed(responseDelay, response) : response
        }
        base.withLock { $0 = server.baseURL }
        return FeedServer(server: server, state: state)
    }

    init(server: FakeStationServer, state: Shared) {
        self.server = server
        self.state = state
    }

    /// The feed being served.
    public var feed: GeneratedKEXPFeed { state.withLock { $0.feed } }

    /// Serves `feed` from now on, or once `afterRequests` plays requests have been answered
    /// (a play published in the middle of a run).
    public func publish(_ feed: GeneratedKEXPFeed, afterRequests: Int = 0) {
        state.withLock { state in
            if afterRequests <= state.requests {
                state.feed = feed
            } else {
                state.scheduled = (afterRequests, feed)
            }
        }
    }

    /// The `--base-url` for the KEXP adapter.
    public var apiRoot: URL { server.baseURL.appendingPathComponent("v2") }
}
