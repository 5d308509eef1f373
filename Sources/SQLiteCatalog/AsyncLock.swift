import Synchronization

/// A lock that async code holds across suspension points, first come first served; the code
/// under it runs in the caller's own context.
///
/// The SQLite store keeps a page's transaction open across several calls to GRDB's writer, so
/// every other write of this process waits until that transaction ends.
final class AsyncLock: Sendable {
    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    /// Runs `body` while holding the lock.
    func withLock<T>(_ body: () async throws -> T) async rethrows -> T {
        await lock()
        defer { unlock() }
        return try await body()
    }

    /// Takes the lock, waiting for earlier holders; pair it with ``unlock()``, which may be
    /// called from another task (a transaction spanning several tasks holds it throughout).
    func lock() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { state -> Bool in
                if state.held {
                    state.waiters.append(continuation)
                    return false
                }
                state.held = true
                return true
            }
            if acquired { continuation.resume() }
        }
    }

    /// Lets the next waiter in.
    func unlock() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.held = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
