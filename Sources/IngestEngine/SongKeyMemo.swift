import IngestCore
import Synchronization

/// Song keys already computed in this run, by title and artist.
///
/// Computing a key is the costliest step per play (about 13 µs), and a station plays the same
/// songs again and again. The walk computes each page's keys while fetching it, ahead of the
/// write (``PageStep``), and remembers them here; ``PageBatch`` then only looks them up. The memo
/// holds at most ``capacity`` keys (a few MB) and starts over when full.
public final class SongKeyMemo: Sendable {
    public static let capacity = 50_000
    let keys = Mutex<[String: String]>([:])

    public init() {}

    /// The key of a play with this title and artist (``PagePlan/key(for:)``), computed once.
    public func key(title: String, artist: String) -> String {
        let pair = title + "\u{1F}" + artist
        if let known = keys.withLock({ $0[pair] }) { return known }
        let key = PagePlan.key(title: title, artist: artist)
        keys.withLock { memo in
            if memo.count >= Self.capacity { memo.removeAll(keepingCapacity: true) }
            memo[pair] = key
        }
        return key
    }

    /// Computes (and remembers) the keys of a page's track plays.
    public func learn(_ records: [ParsedRecord]) {
        for case .track(let play) in records { _ = key(title: play.title, artist: play.artist) }
    }
}
