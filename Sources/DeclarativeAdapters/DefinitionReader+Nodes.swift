import Foundation
import IngestCore
import YAMLReading
import Yams

/// Typed access to the scalars of an adapter file, each error with its position (mappings and
/// positions come from ``NodeReader``). Scalars are trimmed and never interpolated.
extension DefinitionReader {
    func error(_ node: Node, key: String, _ problem: String) -> IngestError { nodes.error(node, key: key, problem) }

    func mapping(_ node: Node, key: String, allowed: Set<String>?) throws -> NodeReader.Entries {
        try nodes.mapping(node, key: key, allowed: allowed)
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
