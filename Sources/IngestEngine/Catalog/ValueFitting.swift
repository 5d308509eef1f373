import IngestCore

/// Makes a play's values fit the catalog's columns before they are written, so that a value
/// the catalog cannot hold costs that value (with a reason), never the play.
enum ValueFitting {
    /// An ISRC without dashes or spaces, upper case, or `nil` when it is not a valid
    /// 12-character code (two letters, three letters or digits, seven digits).
    static func isrc(_ raw: String?) -> String? {
        guard let raw else { return nil }
        let code = raw.uppercased().filter { $0 != "-" && $0 != " " && $0 != "\u{2010}" && $0 != "\u{2011}" }
        let chars = Array(code)
        guard chars.count == 12,
            chars[0..<2].allSatisfy({ $0.isASCII && $0.isLetter }),
            chars[2..<5].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }),
            chars[5..<12].allSatisfy({ $0.isASCII && $0.isNumber })
        else { return nil }
        return code
    }

    /// A play's values fitted to the columns' limits, with what was dropped and why; or the
    /// reason the play cannot be stored at all (a required value too long for its column).
    static func fit(_ play: Play, schema: CatalogSchema) -> (play: Play, dropped: [String], rejection: String?) {
        var fitted = play
        var dropped: [String] = []
        if let raw = play.isrc {
            fitted.isrc = isrc(raw)
            if fitted.isrc == nil { dropped.append("isrc '\(raw.prefix(40))' is not a valid ISRC") }
        }
        fitted.mbid = play.mbid?.lowercased()
        let limits = [(schema.plays.maxLengths, "external_plays"), (schema.songs.maxLengths, "songs")]
        for (lengths, table) in limits {
            for (name, keyPath) in [("title", \Play.title), ("artist", \Play.artist)] {
                if let limit = lengths[name], fitted[keyPath: keyPath].count > limit {
                    return (
                        fitted, dropped,
                        "\(name) is \(fitted[keyPath: keyPath].count) characters; \(table).\(name) holds at most \(limit)"
                    )
                }
            }
            for (name, keyPath) in [("album", \Play.album), ("mbid", \Play.mbid), ("isrc", \Play.isrc)] {
                if let limit = lengths[name], let value = fitted[keyPath: keyPath], value.count > limit {
                    fitted[keyPath: keyPath] = nil
                    dropped.append("\(name) is \(value.count) characters; \(table).\(name) holds at most \(limit)")
                }
            }
        }
        return (fitted, dropped, nil)
    }
}
