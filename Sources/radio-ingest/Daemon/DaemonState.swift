import Foundation
import IngestEngine
import Synchronization

/// What the daemon knows that the catalog does not: whether its scheduler is ticking, when
/// each source runs next, and the walks in progress. Read by the status page and `/readyz`.
final class DaemonState: Sendable {
    struct Snapshot: Sendable {
        var heartbeat: Date?
        var nextRuns: [String: Date] = [:]
        var walks: [String: WalkProgress] = [:]
    }

    private let state = Mutex(Snapshot())

    var snapshot: Snapshot { state.withLock { $0 } }

    /// The scheduler is alive.
    func tick(_ now: Date = Date()) { state.withLock { $0.heartbeat = now } }

    func scheduled(_ source: String, at date: Date) { state.withLock { $0.nextRuns[source] = date } }

    func progress(_ progress: WalkProgress) {
        state.withLock { state in
            if progress.finished { state.walks[progress.source] = nil } else { state.walks[progress.source] = progress }
        }
    }

    /// Whether the scheduler ticked within `seconds`.
    func isTicking(within seconds: TimeInterval = 5, now: Date = Date()) -> Bool {
        guard let heartbeat = snapshot.heartbeat else { return false }
        return now.timeIntervalSince(heartbeat) <= seconds
    }
}
