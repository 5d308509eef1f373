import Logging
import Synchronization

/// A log handler that keeps messages, so tests can assert what an operator would read.
public struct CapturingLogHandler: LogHandler {
    public final class Store: Sendable {
        let lines = Mutex<[String]>([])
        public init() {}
        /// Every message with its metadata, as `level message key=value ...`.
        public var messages: [String] { lines.withLock { $0 } }
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace
    let store: Store

    public init(store: Store) {
        self.store = store
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let rendered = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        store.lines.withLock { $0.append("\(event.level) \(event.message) \(rendered)") }
    }
}
