import Foundation
import IngestCore
import Yams

/// Typed access to the YAML nodes of an adapter file, each error with its position.
extension DefinitionReader {
    /// A mapping's entries in file order, with their key nodes for error positions.
    struct Entries {
        var ordered: [(String, (key: Node, value: Node))] = []
        subscript(_ key: String) -> (key: Node, value: Node)? { ordered.first { $0.0 == key }?.1 }

        /// The value of `name`, or an error saying it is missing from `parent`.
        func require(_ name: String, in reader: DefinitionReader, _ parent: Node, key: String = "") throws -> Node {
            guard let entry = self[name] else {
                throw reader.error(parent, key: key.isEmpty ? name : "\(key).\(name)", "is missing")
            }
            return entry.value
        }
    }

    func error(_ node: Node, key: String, _ problem: String) -> IngestError {
        let position = node.mark.map { "\($0.line):\($0.column): " } ?? ""
        return IngestError.usage("\(file):\(position)\(key.isEmpty ? "" : key + " ")\(problem)")
    }

    /// A mapping; with `allowed`, any other key is an error naming it and the keys allowed.
    func mapping(_ node: Node, key: String, allowed: Set<String>?) throws -> Entries {
        guard case .mapping(let mapping) = node else {
            throw error(node, key: key.isEmpty ? "the adapter file" : key, "must be a mapping of keys to values")
        }
        var entries = Entries()
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else { throw error(keyNode, key: key, "has a key that is not a plain name") }
            let name = scalar.string
            let full = key.isEmpty ? name : "\(key).\(name)"
            if let allowed, !allowed.contains(name) {
                throw error(keyNode, key: full, "is not a known key (expected one of: \(allowed.sorted().joined(separator: ", ")))")
            }
            if entries[name] != nil { throw error(keyNode, key: full, "appears twice") }
            entries.ordered.append((name, (keyNode, value)))
        }
        return entries
    }

    func string(_ node: Node, key: String, trim: Bool = true) throws -> String {
        guard case .scalar(let scalar) = node else { throw error(node, key: key, "must be a single value, not a list or mapping") }
        return trim ? scalar.string.trimmingCharacters(in: .whitespaces) : scalar.string
    }

    func strings(_ node: Node, key: String) throws -> [String] {
        guard case .sequence(let sequence) = node else { throw error(node, key: key, "must be a list, as in [a, b]") }
        return try sequence.map { try string($0, key: key, trim: false) }
    }

    func integer(_ node: Node, key: String, range: ClosedRange<Int>) throws -> Int {
        let text = try string(node, key: key)
        guard let value = Int(text), range.contains(value) else {
            throw error(node, key: key, "must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    func boolean(_ node: Node, key: String) throws -> Bool {
        switch try string(node, key: key).lowercased() {
        case "true", "yes": return true
        case "false", "no": return false
        case let text: throw error(node, key: key, "must be true or false, not '\(text)'")
        }
    }
}
