import IngestEngine
import PostgresNIO

extension PostgresCatalog {
    /// How long a wait for a pooled connection lasts before the server is checked again.
    static let leaseCheckInterval: Duration = .seconds(5)

    /// What the wait for a pooled connection hears.
    private enum LeaseEvent: Sendable {
        case leased(PostgresConnection)
        case failed(any Error)
        case stillWaiting
    }

    /// Runs `body` on a connection from the pool, checking the server while the wait lasts.
    ///
    /// The pool waits for a connection for ever: when the server goes away while no statement
    /// is running (between two pages, say), its connections are dropped quietly and every
    /// later request waits while the pool retries in the background. So each
    /// ``leaseCheckInterval`` of waiting, the server is checked as at start
    /// (``ensureReachable()``): gone, the wait ends with the reason; there, it goes on (every
    /// connection busy is a wait, not a failure).
    ///
    /// A failure of the server or the connection (not a refused row) makes the next connection
    /// check the server first as well.
    func withPooledConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await leasing(body)
        } catch let error where PostgresFailure.isDatabaseFailure(error) && rejectionReason(error) == nil {
            checkServerAgain()
            throw error
        }
    }

    private func leasing<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let events = AsyncStream.makeStream(of: LeaseEvent.self)
        let release = AsyncStream.makeStream(of: Never.self)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            // The lease lives in a child task, which holds it until `release` finishes.
            group.addTask { [client] in
                do {
                    try await client.withConnection { connection in
                        events.continuation.yield(.leased(connection))
                        for await _ in release.stream {}
                    }
                } catch {
                    events.continuation.yield(.failed(error))
                    throw error
                }
            }
            defer { release.continuation.finish() }
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.leaseCheckInterval)
                    events.continuation.yield(.stillWaiting)
                }
            }
            defer { ticker.cancel() }
            var leased: PostgresConnection?
            for await event in events.stream {
                switch event {
                case .leased(let connection): leased = connection
                case .failed(let error): throw error
                case .stillWaiting:
                    checkServerAgain()
                    try await ensureReachable()  // throws when the server is gone; the group then cancels the lease
                }
                if leased != nil { break }
            }
            ticker.cancel()  // now, not at the end: nothing reads its events while `body` runs
            guard let connection = leased else { throw CancellationError() }
            let value = try await body(connection)
            release.continuation.finish()
            try await group.waitForAll()
            return value
        }
    }
}
