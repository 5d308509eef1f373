import Foundation

/// A half-open span of air time, `[start, end)`; a missing bound is open.
public struct TimeWindow: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The earliest airdate included, or `nil` for "since the beginning".
    public var start: Date?
    /// The first airdate excluded, or `nil` for "until now".
    public var end: Date?

    public init(start: Date? = nil, end: Date? = nil) {
        self.start = start
        self.end = end
    }

    /// The window with no bounds.
    public static let unbounded = TimeWindow()

    /// Whether `date` falls inside the window.
    public func contains(_ date: Date) -> Bool {
        if let start, date < start { return false }
        if let end, date >= end { return false }
        return true
    }

    /// The smallest window containing both.
    public func union(_ other: TimeWindow) -> TimeWindow {
        TimeWindow(
            start: start.flatMap { a in other.start.map { min(a, $0) } },
            end: end.flatMap { a in other.end.map { max(a, $0) } })
    }

    /// The bounds as text for JSON: RFC 3339, `-infinity` for an open start, `now` for an open end.
    public var boundsText: [String] {
        [start.map(Timestamp.format) ?? "-infinity", end.map(Timestamp.format) ?? "now"]
    }

    public var description: String {
        "[\(start.map(Timestamp.format) ?? "-inf"), \(end.map(Timestamp.format) ?? "now"))"
    }
}
