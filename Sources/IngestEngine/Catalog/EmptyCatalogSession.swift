import IngestCore

/// A read session over a catalog that does not exist yet (a dry run before the first real
/// run): nothing is stored, so every play would be new.
public struct EmptyCatalogSession: CatalogSession {
    public let schema: CatalogSchema
    /// Keys a preview computed for songs without one.
    let previewKeys: (any PreviewKeys)?

    public init(schema: CatalogSchema = .toolDefault, previewKeys: (any PreviewKeys)? = nil) {
        self.schema = schema
        self.previewKeys = previewKeys
    }

    public func storedPlays(source: String, among ids: [String]) async throws -> [String: StoredPlay] { [:] }
    public func findSongs(mbids: [String], isrcs: [String], keys: [String]) async throws -> [SongHit] {
        try await [].addingPreview(previewKeys, for: keys)
    }
    public func insertSongs(_ songs: [PagePlan.NewSong]) async throws -> [String: String] { throw Self.readOnly }
    public func songIDs(holdingKeys keys: [String]) async throws -> [String: String] { [:] }
    public func insertPlays(_ rows: [PagePlan.PlayRow], source: String, checkingConflicts: Bool) async throws -> Set<String> {
        throw Self.readOnly
    }
    public func saveCheckpoint(_ checkpoint: Checkpoint, run: RunProgress?) async throws { throw Self.readOnly }
    public func recordFailures(_ failures: [FailedPlay]) async throws { throw Self.readOnly }
    public func recordRevisions(_ revisions: [PlayRevision]) async throws -> Int { throw Self.readOnly }
    public func clearFailures(source: String, playIDs: [String]) async throws { throw Self.readOnly }
    public func withSavepoint<T>(_ body: () async throws -> T) async throws -> T { try await body() }

    static let readOnly = IngestError.storage("a read-only session cannot write")
}
