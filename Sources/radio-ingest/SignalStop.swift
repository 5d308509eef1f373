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
    /// The first signal received, shared with the signal thread.
    private let received = ReceivedSignal()

    init() {
        let stop = self.stop
        let received = self.received
        SignalPipe.shared.deliver(to: { number in
            if received.record(number) {
                Terminal.standardError.writeLine("radio-ingest: stopping after the page in flight (again to quit now)")
                stop.request()
            } else {
                exit(128 + number)
            }
        })
    }

    /// The exit code for the signal received, if one was: 130 for SIGINT, 143 for SIGTERM.
    var exitCode: Int32? { received.first.map { 128 + $0 } }
}

/// The write end of ``SignalPipe``'s pipe, for the signal handler (a C function cannot capture).
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// Receives SIGINT and SIGTERM through a pipe (the self-pipe pattern): the handler, whichever
/// thread the kernel runs it on, writes the signal's number to the pipe (`write` is safe in a
/// handler), and a thread of its own reads it and calls the receiver.
///
/// Dispatch's signal sources lost signals on Linux: libdispatch catches a signal on whichever
/// thread did not block it and sends it again to the thread that registered the source, which
/// need not be the one waiting for it; a clean-clone CI run lost a SIGTERM that way
/// (`sigtermDuringARetryWaitStopsAtOnceInsteadOfRetrying` ran out its retries), twice. Here the
/// handlers are installed before `init` returns, so no signal sent after it is lost.
final class SignalPipe: Sendable {
    static let shared = SignalPipe()
    private let receiver = Mutex<(@Sendable (Int32) -> Void)?>(nil)

    private init() {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { fatalError("radio-ingest: cannot create the signal pipe (errno \(errno))") }
        signalPipeWriteEnd = ends[1]
        let readEnd = ends[0]
        let thread = Thread { [self] in
            var number: UInt8 = 0
            while true {
                let count = read(readEnd, &number, 1)
                if count == 1 {
                    receiver.withLock { $0 }?(Int32(number))
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
        thread.name = "radio-ingest signals"
        thread.start()
        for number in [SIGINT, SIGTERM] {
            signal(number) { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(signalPipeWriteEnd, &byte, 1)
            }
        }
    }

    /// Calls `receiver` (on the signal thread) for each SIGINT or SIGTERM from now on.
    func deliver(to receiver: @escaping @Sendable (Int32) -> Void) {
        self.receiver.withLock { $0 = receiver }
    }
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
