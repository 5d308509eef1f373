import Foundation
import IngestCore
import Logging

/// A page fetched and parsed, with how long the fetch took (its polite delay excluded).
struct FetchedPage: Sendable {
    var page: ParsedPage
    var fetchTime: Duration
}

/// The next page of a walk, fetched and parsed in its own task while the current page is
/// written: one page ahead, never more, so memory stays bounded and requests stay in order.
///
/// Nothing changes for what the walk decides: the page is only taken (``value()``) where the walk
/// would have fetched it, after checking limits and stops; a failure surfaces there, after the
/// page before it was committed. A walk that ends early cancels it (``cancel()``).
struct PageAhead: Sendable {
    let request: PageRequest
    let task: Task<FetchedPage, any Error>

    /// Starts fetching `request` (after the polite delay) in a task of its own.
    static func start(_ request: PageRequest, using step: PageStep) -> PageAhead {
        PageAhead(request: request, task: Task { try await step.fetch(request, afterDelay: true) })
    }

    /// The page, or the error its fetch or parse ended with. Cancelling the waiting task
    /// cancels the fetch.
    func value() async throws -> FetchedPage {
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    func cancel() { task.cancel() }
}

/// How a walk fetches and parses one page: what a ``PageAhead`` task needs, and no more.
struct PageStep: Sendable {
    let adapter: any StationAdapter
    let fetcher: PageFetcher
    let logger: Logger
    let stop: StopSignal
    let politeDelay: Duration
    /// The run's song keys: each page's are computed here, ahead of its write.
    let keys: SongKeyMemo

    /// Waits the polite delay (unless `afterDelay` is false), fetches and parses `request`, and
    /// computes its plays' song keys. A stop requested meanwhile ends it at once with
    /// ``StopRequested``.
    func fetch(_ request: PageRequest, afterDelay: Bool) async throws -> FetchedPage {
        if afterDelay && politeDelay > .zero {
            let (fetcher, delay) = (self.fetcher, politeDelay)
            try await stop.interrupting { try await fetcher.sleep(delay) }
        }
        let clock = ContinuousClock()
        let start = clock.now
        let (fetcher, logger) = (self.fetcher, self.logger)
        let body = try await stop.interrupting { try await fetcher.fetch(request, logger: logger, source: adapter.sourceName) }
        let page = try adapter.parse(body, for: request)
        keys.learn(page.records)
        return FetchedPage(page: page, fetchTime: clock.now - start)
    }
}
