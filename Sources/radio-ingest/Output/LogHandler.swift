import Foundation
import IngestCore
import Logging

/// How log lines look: `text` for people (the default), `json` for machines.
enum LogFormat: String, CaseIterable, Sendable {
    case text, json
}

/// Writes log events to standard error, one line each.
///
/// - text: `2026-12-01T15:19:11Z info  kexp#12 page 3 done: reached="2023-11-14 09:00 PST" plays=168`,
///   with the `ingest.` prefix of the engine's keys dropped and the source and run up front;
/// - json: one object per line with stable keys: `time`, `level`, `message`, `source`, `run_id`,
///   then the event's own fields, without the `ingest.` prefix.
struct RadioLogHandler: LogHandler {
    let format: LogFormat
    let terminal: Terminal
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = metadata
        if let extra = event.metadata { fields.merge(extra) { $1 } }
        var plain: [(String, String)] = fields.map { (Self.shortKey($0.key), "\($0.value)") }
        plain.sort { $0.0 < $1.0 }
        let source = plain.first { $0.0 == "source" }?.1
        let runID = plain.first { $0.0 == "run_id" }?.1
        plain.removeAll { $0.0 == "source" || $0.0 == "run_id" }
        let time = Self.timestamp(Date())
        switch format {
        case .json:
            var object: [String: Any] = ["time": time, "level": event.level.rawValue, "message": "\(event.message)"]
            object["source"] = source ?? NSNull()
            object["run_id"] = runID.flatMap { Int64($0) }.map { $0 as Any } ?? NSNull()
            for (key, value) in plain where object[key] == nil { object[key] = Self.jsonValue(value) }
            guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            else { return }
            terminal.writeLine(String(decoding: data, as: UTF8.self))
        case .text:
            var line = "\(time) \(event.level.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0))"
            if let source { line += " " + source + (runID.map { "#\($0)" } ?? "") }
            line += " \(event.message)"
            if !plain.isEmpty { line += ": " + plain.map { "\($0.0)=\(Self.quoted($0.1))" }.joined(separator: " ") }
            terminal.writeLine(line)
        }
    }

    /// A whole number or a boolean as itself, anything else as text.
    static func jsonValue(_ text: String) -> Any {
        if text == "true" { return true }
        if text == "false" { return false }
        if let number = Int64(text), text == String(number) { return number }
        return text
    }

    /// `ingest.track_plays_total` → `track_plays_total`.
    static func shortKey(_ key: String) -> String { key.hasPrefix("ingest.") ? String(key.dropFirst(7)) : key }

    /// A value with spaces in quotes, so `key=value` pairs stay readable.
    static func quoted(_ value: String) -> String { value.contains(" ") && !value.hasPrefix("[") ? "\"\(value)\"" : value }

    /// `2026-12-01T15:28:49Z`: ``Timestamp/format(_:)`` to the second.
    static func timestamp(_ date: Date) -> String { String(Timestamp.format(date).prefix(19)) + "Z" }
}
