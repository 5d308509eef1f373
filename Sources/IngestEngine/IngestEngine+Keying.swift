import Logging

extension IngestEngine {
    /// How long a keying pass runs before the log says so, unless an engine says otherwise
    /// (``keyingNoticeAfter``; `radio-ingest migrate` uses it too).
    public static let keyingNoticeDelay: Duration = .seconds(2)

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

    /// Gives the catalog's songs match keys before the walk, saying so when it takes a while
    /// (``CatalogStore/prepareForMatching(readOnly:noticeAfter:logger:notice:)``), cancelled by a stop.
    func prepareMatching(in store: any CatalogStore, dryRun: Bool, stop: StopSignal, logger: Logger) async throws -> Int {
        try await stop.interrupting { [keyingNoticeAfter] in
            try await store.prepareForMatching(
                readOnly: dryRun, noticeAfter: keyingNoticeAfter, logger: logger,
                notice: dryRun ? Self.previewKeyingNotice : Self.keyingNotice)
        }
    }

    /// What the log says when a stop ended the run while it keyed the catalog.
    static func interruptedWhileKeying(dryRun: Bool) -> Logger.Message {
        Logger.Message(stringLiteral: dryRun ? previewInterruptedWhileKeying : interruptedWhileKeying)
    }
}

extension CatalogStore {
    /// ``prepareForMatching(readOnly:)``, logging `notice` when the pass is still going after
    /// `delay`. The first pass over a catalog another program filled reads every song, which
    /// takes seconds per 100,000 songs and logs nothing on its own, so the caller does not look
    /// hung; a keyed catalog (every later pass) answers at once and logs nothing.
    public func prepareForMatching(readOnly: Bool, noticeAfter delay: Duration, logger: Logger, notice: String) async throws -> Int {
        let announcement = Task {
            try await Task.sleep(for: delay)
            logger.notice(Logger.Message(stringLiteral: notice))
        }
        defer { announcement.cancel() }
        return try await prepareForMatching(readOnly: readOnly)
    }
}
