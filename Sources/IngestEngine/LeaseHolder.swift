import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Who holds a lease: `host:pid:boot`, where `boot` is the first 8 characters of the kernel's
/// boot id, so that a process can be recognised as "this machine, this boot" and, if it is gone,
/// its lease taken over at once instead of after it expires.
public struct LeaseHolder: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var pid: Int32
    public var boot: String

    public static let current = LeaseHolder(
        host: ProcessInfo.processInfo.hostName, pid: ProcessInfo.processInfo.processIdentifier, boot: currentBoot)

    static let currentBoot: String = {
        let text = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)) ?? "unknown"
        return String(text.trimmingCharacters(in: .whitespacesAndNewlines).prefix(8))
    }()

    public init(host: String, pid: Int32, boot: String) {
        self.host = host
        self.pid = pid
        self.boot = boot
    }

    /// Parses `host:pid:boot`; `nil` for anything else (a holder from another tool).
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]) else { return nil }
        self.init(host: parts.dropLast(2).joined(separator: ":"), pid: pid, boot: String(parts[parts.count - 1]))
    }

    public var description: String { "\(host):\(pid):\(boot)" }

    /// Whether this holder ran on this machine since its last boot and its process is gone.
    public var isDeadProcessOnThisMachine: Bool {
        guard host == Self.current.host, boot == Self.current.boot, boot != "unknown", pid != Self.current.pid else { return false }
        return kill(pid, 0) == -1 && errno == ESRCH
    }
}
