import Foundation
import IngestCore
import Yams

/// Typed, position-aware access to a YAML node tree: every error names the file, line, column
/// and key. The config reads it with `${VAR}` interpolation in scalars; adapter files read their
/// mappings with it and their scalars their own way (no interpolation: secrets only by `*_env`).
public struct NodeReader: Sendable {
    public let path: String
    public let environment: [String: String]
    /// What the whole file is called in errors (`the config`, `the adapter file`).
    public let document: String

    public init(path: String, environment: [String: String], document: String = "the config") {
        self.path = path
        self.environment = environment
        self.document = document
    }

    /// A mapping's entries by key, keeping file order and the key nodes for error positions.
    public struct Entries {
        public var ordered: [(String, (key: Node, value: Node))] = []
        public subscript(_ key: String) -> (key: Node, value: Node)? { ordered.first { $0.0 == key }?.1 }

        /// The value of `name`, or an error saying it is missing from `parent` (under `key`).
        public func require(_ name: String, in reader: NodeReader, _ parent: Node, key: String = "") throws -> Node {
            guard let entry = self[name] else {
                throw reader.error(parent, key: key.isEmpty ? name : "\(key).\(name)", "is missing")
            }
            return entry.value
        }
    }

    public func error(_ node: Node, key: String, _ problem: String) -> IngestError {
        let position = node.mark.map { "\($0.line):\($0.column): " } ?? ""
        return IngestError.usage("\(path):\(position)\(key.isEmpty ? "" : key + " ")\(problem)")
    }

    /// A mapping; with `allowed`, any other key is an error naming it.
    public func mapping(_ node: Node, key: String, allowed: Set<String>?) throws -> Entries {
        guard case .mapping(let mapping) = node else {
            throw error(node, key: key.isEmpty ? document : key, "must be a mapping of keys to values")
        }
        var entries = Entries()
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else { throw error(keyNode, key: key, "has a key that is not a plain name") }
            let name = scalar.string
            let full = key.isEmpty ? name : "\(key).\(name)"
            if let allowed, !allowed.contains(name) {
                let hint = allowed.sorted().joined(separator: ", ")
                throw error(keyNode, key: full, "is not a known key (expected one of: \(hint))")
            }
            if entries[name] != nil { throw error(keyNode, key: full, "appears twice") }
            entries.ordered.append((name, (keyNode, value)))
        }
        return entries
    }

    public func string(_ node: Node, key: String) throws -> String {
        guard case .scalar(let scalar) = node else { throw error(node, key: key, "must be a single value, not a list or mapping") }
        return try interpolate(scalar.string, node: node, key: key)
    }

    public func integer(_ node: Node, key: String, range: ClosedRange<Int>) throws -> Int {
        let text = try string(node, key: key)
        guard let value = Int(text) else { throw error(node, key: key, "must be a whole number, not '\(text)'") }
        guard range.contains(value) else {
            throw error(node, key: key, "must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
        }
        return value
    }

    public func boolean(_ node: Node, key: String) throws -> Bool {
        switch try string(node, key: key).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let text: throw error(node, key: key, "must be true or false, not '\(text)'")
        }
    }

    public func duration(_ node: Node, key: String) throws -> Duration {
        let text = try string(node, key: key)
        guard let duration = DurationParser.parse(text) else {
            throw error(node, key: key, "'\(text)' is not a duration (use 0, 250ms, 1s, 15m or 2h)")
        }
        return duration
    }

    /// Replaces `${VAR}` and `${VAR:-default}`; an unset variable without a default is an error.
    public func interpolate(_ text: String, node: Node, key: String) throws -> String {
        guard text.contains("${") else { return text }
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                throw error(node, key: key, "has an unclosed '${'")
            }
            let inner = rest[open.upperBound..<close]
            let (name, fallback) =
                inner.range(of: ":-").map { (String(inner[..<$0.lowerBound]), String(inner[$0.upperBound...])) } ?? (String(inner), nil)
            guard name.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil else {
                throw error(node, key: key, "has an invalid variable name '\(name)'")
            }
            if let value = environment[name], !value.isEmpty {
                result += value
            } else if let fallback {
                result += fallback
            } else {
                throw error(node, key: key, "uses ${\(name)}, which is not set (give a default with ${\(name):-value})")
            }
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}
