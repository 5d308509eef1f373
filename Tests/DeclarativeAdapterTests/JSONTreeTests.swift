import DeclarativeAdapters
import Foundation
import Testing

/// The JSON reader of declarative adapters agrees with Foundation's on what JSON is.
@Suite struct JSONTreeTests {
    func parse(_ text: String) throws -> JSONTree { try JSONTree.parse(Data(text.utf8)) }

    @Test func readsObjectsListsAndScalarsAsWritten() throws {
        let tree = try parse(#" { "a": [1, -2.5e3, true, false, null, "x"], "b": {"c": "d"}, "e": {} } "#)
        guard case .array(let list)? = tree["a"] else { Issue.record("a is not a list"); return }
        #expect(list.map(\.scalarText) == ["1", "-2.5e3", "true", "false", nil, "x"])
        #expect(tree["b"]?["c"]?.scalarText == "d")
        #expect(tree["missing"] == nil)
        #expect(try JSONPath("$.b.c").values(in: tree).compactMap(\.scalarText) == ["d"])
        #expect(try JSONPath("$.a[5]").values(in: tree).compactMap(\.scalarText) == ["x"])
    }

    @Test func decodesEscapesAndUnicodeLikeFoundation() throws {
        let text = #"{"s": "tab\tquote\" slash\/ back\\ \u00e9 \ud83c\udfb5 Björk"}"#
        let foundation = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(try parse(text)["s"]?.scalarText == foundation["s"] as? String)
    }

    @Test(arguments: [
        "", "{", "[1,]", #"{"a" 1}"#, #"{"a": 1} x"#, "tru", #"{"a": "unterminated}"#, #"{"a": "\q"}"#, "\"\u{01}\"",
        "<html>maintenance</html>", String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
    ])
    func refusesWhatIsNotJSON(text: String) {
        #expect(throws: JSONTree.SyntaxError.self) { try JSONTree.parse(Data(text.utf8)) }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONTree.SyntaxError.self) { try JSONTree.parse(Data([0x22, 0xFF, 0xFE, 0x22])) }
    }
}
