import Synchronization

/// Asks running walks to stop after the page in flight is committed (graceful shutdown).
public final class StopSignal: Sendable {
    let flag = Atomic<Bool>(false)

    public init() {}

    /// Requests the stop; walks notice it before their next page.
    public func request() { flag.store(true, ordering: .relaxed) }

    public var isRequested: Bool { flag.load(ordering: .relaxed) }

    /// Sleeps for `duration`, returning early once a stop is requested.
    public func sleep(for duration: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now + duration
        while !isRequested, clock.now < deadline {
            let step = min(.milliseconds(100), deadline - clock.now)
            // A cancelled task's sleep returns at once: stop waiting rather than spin.
            do { try await Task.sleep(for: step) } catch { return }
        }
    }
}

extension StopSignal {
    /// Runs `work` until it finishes or a stop is requested, whichever comes first. On a stop
    /// the work (a fetch, its retries and their waits) is cancelled and ``StopRequested`` thrown,
    /// so a stop is honoured within a fraction of a second whatever the walk is waiting for.
    func interrupting<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        if isRequested { throw StopRequested() }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                while !self.isRequested { try await Task.sleep(for: .milliseconds(50)) }
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw StopRequested() }
            return value
        }
    }
}

/// Thrown inside a walk when a stop was requested; the run ends as `interrupted`.
struct StopRequested: Error {}
