import Foundation

/// An error that ends a run or rejects input, with a message that tells the operator what to do.
///
/// A struct with a ``Category`` and a message, so that new categories can be added without
/// breaking callers that match on the message or the category they know.
public struct IngestError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The broad category, for exit codes and tests.
    public enum Category: String, Sendable {
        /// The operator's input (a flag, a config, a URL) is wrong.
        case usage
        /// The source sent something that is not a page.
        case malformedPage
        /// The source could not be reached or kept failing after retries.
        case network
        /// The source refused us (401, 403, 404 and other non-retryable statuses).
        case rejected
        /// The catalog database failed or is not a catalog.
        case storage
    }

    public let category: Category
    /// The message shown to the operator; never contains credentials.
    public let message: String

    public init(_ category: Category, _ message: String) {
        self.category = category
        self.message = message
    }

    public static func usage(_ message: String) -> IngestError { .init(.usage, message) }
    public static func malformedPage(_ message: String) -> IngestError { .init(.malformedPage, message) }
    public static func network(_ message: String) -> IngestError { .init(.network, message) }
    public static func rejected(_ message: String) -> IngestError { .init(.rejected, message) }
    public static func storage(_ message: String) -> IngestError { .init(.storage, message) }
    /// A run's page found the source's lease taken over by another process: the page was rolled back.
    public static func lostLease(_ source: String) -> IngestError {
        .storage(
            "lost the lease on \(source) to another process (this one was paused or cut off past its lease); the page was rolled back and nothing of it was kept"
        )
    }

    public var description: String { message }
}
