import Foundation

extension String {
    /// Without leading and trailing whitespace and newlines (see ``trimmedFast(_:)``).
    public var trimmedFast: String { trimmedFast(.whitespacesAndNewlines) }

    /// Without leading and trailing characters of `set`, a set of whitespace. Text that starts
    /// and ends with a printable ASCII character (nearly every title and name) is returned as
    /// it is, without Foundation's trimming, which bridges to `NSString` on Linux.
    public func trimmedFast(_ set: CharacterSet) -> String {
        guard let first = utf8.first, let last = utf8.last else { return self }
        func plain(_ byte: UInt8) -> Bool { byte > 0x20 && byte < 0x80 }
        if plain(first) && plain(last) { return self }
        return trimmingCharacters(in: set)
    }

    /// Whether the text has more than `limit` characters, counting them only when its UTF-8
    /// length could exceed the limit (a character is at least one byte).
    public func exceeds(characters limit: Int) -> Bool {
        utf8.count > limit && count > limit
    }

    /// Whether the text's UTF-8 bytes contain `needle`'s: a literal, case-sensitive search.
    /// Foundation's `contains` goes through `NSString`, and the standard library's
    /// `utf8.firstRange(of:)` is generic over any collection: for the key rules' triggers on
    /// 200,000 titles, 0.13 s here against 2.4 s and 19.8 s.
    public func containsBytes(of needle: String) -> Bool {
        var found = false
        withUTF8Bytes { haystack in
            needle.withUTF8Bytes { needle in
                guard !needle.isEmpty else {
                    found = true
                    return
                }
                guard needle.count <= haystack.count else { return }
                let first = needle[0]
                var start = 0
                let lastStart = haystack.count - needle.count
                while start <= lastStart {
                    if haystack[start] == first && needle.indices.allSatisfy({ haystack[start + $0] == needle[$0] }) {
                        found = true
                        return
                    }
                    start += 1
                }
            }
        }
        return found
    }

    private func withUTF8Bytes(_ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        var copy = self
        copy.withUTF8(body)
    }
}
