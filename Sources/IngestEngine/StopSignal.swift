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
            try? await Task.sleep(for: step)
        }
    }
}

/// Thrown inside a walk when a stop was requested; the run ends as `interrupted`.
struct StopRequested: Error {}
