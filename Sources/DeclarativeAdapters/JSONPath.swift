import Foundation

/// The small path syntax of declarative adapters: `$`, `.name`, `['name']`, `[n]`, `[*]` and
/// one filter, `[?(@.key=='value')]`. Nothing else, so a path means the same thing to every
/// reader and a typo is caught when the file loads.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    enum Step: Sendable, Hashable {
        case key(String)
        case index(Int)
        case all
        /// Elements of a list whose `key` (a dotted path of keys) equals `value`.
        case filter(keys: [String], value: String)
    }

    let steps: [Step]
    public let description: String
    /// The keys of a path made only of keys (`$.recording.title`): read without building lists.
    let plainKeys: [String]?

    /// Parses `text`, or throws a message saying what is wrong and where.
    public init(_ text: String) throws {
        description = text
        var scanner = Substring(text.trimmingCharacters(in: .whitespaces))
        guard scanner.first == "$" else { throw PathError("must start with '$', as in $.results[*]") }
        scanner = scanner.dropFirst()
        var steps: [Step] = []
        while let first = scanner.first {
            if first == "." {
                scanner = scanner.dropFirst()
                let name = scanner.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
                guard !name.isEmpty else { throw PathError("has a '.' not followed by a key name") }
                steps.append(.key(String(name)))
                scanner = scanner.dropFirst(name.count)
            } else if first == "[" {
                guard let close = Self.closingBracket(in: scanner) else { throw PathError("has a '[' without its ']'") }
                let inner = scanner[scanner.index(after: scanner.startIndex)..<close]
                steps.append(try Self.bracket(inner))
                scanner = scanner[scanner.index(after: close)...]
            } else {
                throw PathError("has '\(first)' where '.' or '[' was expected")
            }
        }
        self.steps = steps
        plainKeys = Self.plainKeys(steps)
    }

    static func plainKeys(_ steps: [Step]) -> [String]? {
        var keys: [String] = []
        for step in steps {
            guard case .key(let name) = step else { return nil }
            keys.append(name)
        }
        return keys
    }

    /// The one value a path of keys reaches, or `nil`; for other paths, the first value.
    @inline(__always)
    func firstValue(in json: JSONTree) -> JSONTree? {
        guard let keys = plainKeys else { return values(in: json).first }
        var current = json
        for key in keys {
            guard let child = current[key], !child.isNull else { return nil }
            current = child
        }
        return current
    }

    /// Every value the path reaches in `json` (several through `[*]` or a filter; none when a
    /// key is absent or null).
    public func values(in json: JSONTree) -> [JSONTree] {
        if plainKeys != nil { return firstValue(in: json).map { [$0] } ?? [] }
        var current: [JSONTree] = [json]
        for step in steps {
            var next: [JSONTree] = []
            for value in current {
                switch step {
                case .key(let name):
                    if let child = value[name], !child.isNull { next.append(child) }
                case .index(let index):
                    if case .array(let list) = value, list.indices.contains(index), !list[index].isNull { next.append(list[index]) }
                case .all:
                    if case .array(let list) = value { next += list.filter { !$0.isNull } }
                case .filter(let keys, let wanted):
                    guard case .array(let list) = value else { continue }
                    next += list.filter { element in
                        keys.reduce(Optional(element)) { value, key in value?[key] }?.scalarText == wanted
                    }
                }
            }
            current = next
        }
        return current
    }

    /// Whether the path's last key exists in `json` (even when null): tells a renamed or
    /// misspelled key apart from a value that is simply missing today.
    public func isPresent(in json: JSONTree) -> Bool {
        guard case .key(let last)? = steps.last else { return !values(in: json).isEmpty }
        let parentPath = JSONPath(steps: Array(steps.dropLast()), description: description)
        return parentPath.values(in: json).contains { $0[last] != nil }
    }

    /// The smallest page whose records are where this path looks and empty: `{"results": []}`
    /// for `$.results[*]`, `[]` for `$[*]` (the adapter test kit's empty page).
    public var emptyDocument: Data {
        guard case .key(let first)? = steps.first, let key = try? JSONSerialization.data(withJSONObject: first, options: .fragmentsAllowed)
        else { return Data("[]".utf8) }
        return Data("{".utf8) + key + Data(": []}".utf8)
    }

    init(steps: [Step], description: String) {
        self.steps = steps
        self.description = description
        plainKeys = Self.plainKeys(steps)
    }

    static func closingBracket(in text: Substring) -> Substring.Index? {
        var quote: Character?
        for index in text.indices.dropFirst() {
            let character = text[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "]" {
                return index
            }
        }
        return nil
    }

    static func bracket(_ inner: Substring) throws -> Step {
        if inner == "*" { return .all }
        if let index = Int(inner), index >= 0 { return .index(index) }
        if let name = quoted(inner) { return .key(name) }
        // [?(@.key=='value')] or [?(@.a.b=="value")]
        guard inner.hasPrefix("?(@."), inner.hasSuffix(")"), let equals = inner.range(of: "==") else {
            throw PathError("has '[\(inner)]'; a bracket holds *, an index, a quoted key or a filter like [?(@.type=='primary')]")
        }
        let keys = inner[inner.index(inner.startIndex, offsetBy: 4)..<equals.lowerBound].split(separator: ".").map(String.init)
        guard !keys.isEmpty, keys.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } })
        else { throw PathError("has a filter whose key is not a plain name: [\(inner)]") }
        guard let value = quoted(inner[equals.upperBound..<inner.index(before: inner.endIndex)]) else {
            throw PathError("has a filter whose value is not quoted: [\(inner)]")
        }
        return .filter(keys: keys, value: value)
    }

    static func quoted(_ text: Substring) -> String? {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard text.count >= 2, let first = text.first, first == text.last, first == "'" || first == "\"" else { return nil }
        return String(text.dropFirst().dropLast())
    }
}

/// A path that does not parse; the loader adds the file position.
struct PathError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
