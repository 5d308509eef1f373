import NIOCore
import PostgresNIO
import Synchronization

/// A transaction's statements sent without waiting for their answers.
///
/// A connection runs statements in the order they were sent, so a statement whose answer the
/// page does not need (its `BEGIN`, the play insert, the checkpoint, the `COMMIT`) can be sent
/// and the next one sent straight after it: the page waits for the server three times instead
/// of five. Their answers are checked later, in the order sent:
/// - an answer that decides whether the transaction may commit (the lease's renewal) carries a
///   check, run before `COMMIT` is sent (``checkBeforeCommit()``);
/// - any other answer only has to succeed. When one fails, PostgreSQL refuses every later
///   statement of the transaction ("current transaction is aborted") and turns its `COMMIT` into
///   a rollback, so nothing of it is kept; ``firstFailure()`` gives the real reason.
final class SentAhead: Sendable {
    private struct Answer {
        let result: EventLoopFuture<[PostgresRow]>
        let check: (@Sendable ([PostgresRow]) throws -> Void)?
    }

    private let answers = Mutex<[Answer]>([])

    /// Adds a statement's answer to come; `check` (if any) must pass before the transaction commits.
    func add(_ result: EventLoopFuture<PostgresQueryResult>, check: (@Sendable ([PostgresRow]) throws -> Void)? = nil) {
        add(result.map(\.rows), check: check)
    }

    /// Adds a prepared statement's answer to come (``PreparedStatements``).
    func add(_ result: EventLoopFuture<[PostgresRow]>, check: (@Sendable ([PostgresRow]) throws -> Void)? = nil) {
        answers.withLock { $0.append(Answer(result: result, check: check)) }
    }

    /// Waits for the answers that carry a check and runs their checks; throws the first failure
    /// among the statements sent before them. They were sent before the page's look-up, whose
    /// answer the page waited for, so they are in already.
    func checkBeforeCommit() async throws {
        let sent = answers.withLock { $0 }
        guard let last = sent.lastIndex(where: { $0.check != nil }) else { return }
        for answer in sent[...last] {
            let rows = try await answer.result.get()
            try answer.check?(rows)
        }
    }

    /// Waits for every answer; throws the first failure, in the order the statements were sent.
    func awaitAll() async throws {
        if let failure = await firstFailure() { throw failure }
    }

    /// The first statement sent ahead that failed, if any: the reason a later statement of the
    /// transaction was refused. Waits for every answer (all of them are in once a later
    /// statement has been answered).
    func firstFailure() async -> (any Error)? {
        for answer in answers.withLock({ $0 }) {
            do { _ = try await answer.result.get() } catch { return error }
        }
        return nil
    }
}
