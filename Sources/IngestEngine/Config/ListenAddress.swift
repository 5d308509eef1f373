import Foundation

/// `HOST:PORT` where the daemon listens (`127.0.0.1:9464`, `[::1]:9464`, `0.0.0.0:9464`); a
/// bare port (`9464` or `:9464`) means loopback.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init?(_ text: String) {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let port = Int(text.hasPrefix(":") ? String(text.dropFirst()) : text) {
            guard (1...65535).contains(port) else { return nil }
            self.host = "127.0.0.1"
            self.port = port
            return
        }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(" ") else { return nil }
        self.host = host
        self.port = port
    }

    /// Whether only this machine can connect.
    public var isLoopback: Bool { host == "localhost" || host.hasPrefix("127.") || host == "::1" }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
