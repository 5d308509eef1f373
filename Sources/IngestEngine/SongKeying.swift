import IngestCore

/// Assigns match keys to catalog songs that lack one (for instance songs another application
/// inserted with only an id, a title, an artist and an MBID).
///
/// Keys are unique in the catalog: when two unkeyed songs share a key, or a keyed song holds it
/// already, the first (oldest) keeps it and the others are marked keyed without one, so that
/// they are not examined again and matching stays deterministic.
public enum SongKeying {
    /// An unkeyed song as read from the catalog, oldest first.
    public struct Unkeyed: Sendable {
        public var id: String
        public var title: String
        public var artist: String
        public init(id: String, title: String, artist: String) {
            self.id = id
            self.title = title
            self.artist = artist
        }
    }

    /// One song's key: the one it computes to, and the one it holds (`nil` when another,
    /// older song holds it: the two are then duplicates for `radio-ingest songs duplicates`).
    public struct Assignment: Sendable, Encodable {
        public var id: String
        public var matchKey: String?
        public var computedKey: String?
    }

    /// Each song's computed key, in order (computing a key is the costly part: do it once).
    public static func keys(for songs: [Unkeyed]) -> [String?] {
        songs.map { SongKey.make(title: $0.title, artist: $0.artist) }
    }

    /// Keys for `songs` (their computed `keys`, in order), given the keys already taken.
    public static func assign(_ songs: [Unkeyed], keys: [String?], taken: Set<String>) -> [Assignment] {
        var used = taken
        return zip(songs, keys).map { song, key in
            guard let key, used.insert(key).inserted else { return Assignment(id: song.id, matchKey: nil, computedKey: key) }
            return Assignment(id: song.id, matchKey: key, computedKey: key)
        }
    }

    /// Keys for `songs`, given the keys already taken in the catalog.
    public static func assign(_ songs: [Unkeyed], taken: Set<String>) -> [Assignment] {
        assign(songs, keys: keys(for: songs), taken: taken)
    }

    /// How many songs to key per statement.
    public static let batchSize = 2_000
}

/// Keys a catalog's songs batch after batch, computing each batch's keys (the costly part)
/// while the batch before it is stored, so the two cores share the work. Batches are stored
/// one at a time and in order: whether a key is taken depends on the batches before.
public struct KeyingPipeline {
    /// Stores one batch: its songs, their computed keys in order, and the batch's number
    /// (from 1). Returns how many songs it keyed.
    public typealias Store = @Sendable ([SongKeying.Unkeyed], [String?], Int) async throws -> Int

    let store: Store
    var storing: Task<Int, any Error>?
    var total = 0
    var batches = 0

    public init(store: @escaping Store) {
        self.store = store
    }

    /// Computes `songs`' keys, waits for the batch before to be stored, then stores these in
    /// the background.
    public mutating func add(_ songs: [SongKeying.Unkeyed]) async throws {
        let keys = SongKeying.keys(for: songs)
        if let storing { total += try await storing.value }
        batches += 1
        let (store, number) = (self.store, batches)
        storing = Task { try await store(songs, keys, number) }
    }

    /// Waits for the last batch; returns how many songs were keyed in all.
    public mutating func finish() async throws -> Int {
        if let storing {
            self.storing = nil
            total += try await storing.value
        }
        return total
    }

    /// Stops a batch still being stored (when the pass failed or was stopped) and waits until
    /// it has ended, so nothing of the pass goes on writing after it returns (and a transaction
    /// the batch wrote into can be rolled back).
    public mutating func stop() async {
        guard let storing else { return }
        self.storing = nil
        storing.cancel()
        _ = try? await storing.value
    }
}
