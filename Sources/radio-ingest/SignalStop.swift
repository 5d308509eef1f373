import Dispatch
import Foundation
import IngestEngine
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT and SIGTERM for the one-off commands (`kexp`, `run`, ...), as the daemon handles them:
/// the first asks every walk to stop (the page in flight is committed or rolled back whole, a
/// fetch or a retry wait is abandoned), the run is recorded `interrupted` with its counters and
/// the summary printed; the command then exits 130 (SIGINT) or 143 (SIGTERM). A second signal
/// exits at once with the same code.
final class SignalStop {
    let stop = StopSignal()
    /// The first signal received, shared with the signal handlers.
    private let received = ReceivedSignal()
    private let sources: [any DispatchSourceSignal]

    init() {
        var sources: [any DispatchSourceSignal] = []
        let stop = self.stop
        let received = self.received
        // A source starts watching once dispatch has registered it, on a thread of its own and
        // a little later; meanwhile the signal is ignored. Waiting for both registrations (2 s
        // at most) keeps a signal sent once the run has begun from being lost, which a loaded
        // machine showed: a SIGTERM during the first fetch went unnoticed.
        let registered = DispatchSemaphore(value: 0)
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setRegistrationHandler { registered.signal() }
            source.setEventHandler {
                let first = received.record(number)
                if first {
                    Terminal.standardError.writeLine("radio-ingest: stopping after the page in flight (again to quit now)")
                    stop.request()
                } else {
                    exit(128 + number)
                }
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
        for _ in sources { _ = registered.wait(timeout: .now() + 2) }
    }

    /// The exit code for the signal received, if one was: 130 for SIGINT, 143 for SIGTERM.
    var exitCode: Int32? { received.first.map { 128 + $0 } }
}

/// The first signal a process received.
final class ReceivedSignal: Sendable {
    private let value = Mutex<Int32?>(nil)

    /// Records `number`; returns whether it is the first signal.
    func record(_ number: Int32) -> Bool {
        value.withLock { value in
            guard value == nil else { return false }
            value = number
            return true
        }
    }

    var first: Int32? { value.withLock { $0 } }
}
