import Logging

extension IngestEngine {
    /// What the log says when a run's keying pass is still going after ``keyingNoticeAfter``.
    public static let keyingNotice =
        "giving the catalog's songs match keys before the first page: a catalog another program filled is keyed once, reading every song (about 10 to 20 s per million songs); Ctrl-C stops it, and the next run goes on from there"

    /// The same for a dry run, which works the keys out for its preview and stores none.
    public static let previewKeyingNotice =
        "working out the catalog's songs' match keys for this preview before the first page, reading every song (a dry run stores none: the first real run keys the catalog once); Ctrl-C stops it"

    /// What the log says when a stop ends the run during that pass.
    public static let interruptedWhileKeying =
        "run interrupted while giving the catalog's songs match keys; the next run goes on with the songs still without one"

    /// The same for a dry run.
    public static let previewInterruptedWhileKeying = "dry run interrupted while working out the catalog's songs' match keys"

    /// Gives the catalog's songs match keys before the walk (``CatalogStore/prepareForMatching(readOnly:)``),
    /// cancelled by a stop. The first run on a catalog another program filled reads every song,
    /// which takes seconds per 100,000 songs and logs nothing on its own: when the pass is still
    /// going after ``keyingNoticeAfter``, the log says what the run is doing, so it does not look
    /// hung. A keyed catalog (every later run) answers at once and logs nothing.
    func prepareMatching(in store: any CatalogStore, dryRun: Bool, stop: StopSignal, logger: Logger) async throws -> Int {
        let notice = Task { [keyingNoticeAfter] in
            try await Task.sleep(for: keyingNoticeAfter)
            logger.notice(Logger.Message(stringLiteral: dryRun ? Self.previewKeyingNotice : Self.keyingNotice))
        }
        defer { notice.cancel() }
        return try await stop.interrupting { try await store.prepareForMatching(readOnly: dryRun) }
    }

    /// What the log says when a stop ended the run while it keyed the catalog.
    static func interruptedWhileKeying(dryRun: Bool) -> Logger.Message {
        Logger.Message(stringLiteral: dryRun ? previewInterruptedWhileKeying : interruptedWhileKeying)
    }
}
