import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Standard error, shared by log lines and the progress line: on a terminal the progress line is
/// cleared before a log line and drawn again after it, so the two never mix.
final class Terminal: Sendable {
    static let standardError = Terminal(isTTY: isatty(STDERR_FILENO) == 1)

    let isTTY: Bool
    /// The progress line on screen, if any.
    private let progressLine = Mutex<String?>(nil)

    init(isTTY: Bool) {
        self.isTTY = isTTY
    }

    /// Writes one log line (a newline is added).
    func writeLine(_ line: String) {
        progressLine.withLock { current in
            var text = ""
            if current != nil { text += "\r\u{1B}[2K" }
            text += line + "\n"
            if let current { text += current }
            write(text)
        }
    }

    /// Draws (or, with `nil`, clears) the progress line in place. On a terminal only.
    func drawProgress(_ line: String?) {
        guard isTTY else { return }
        progressLine.withLock { current in
            current = line
            write("\r\u{1B}[2K" + (line ?? ""))
        }
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
