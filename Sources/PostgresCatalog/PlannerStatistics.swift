import Foundation
import PostgresNIO

/// Keeps PostgreSQL's planner statistics in step with tables a run grows.
///
/// Autovacuum analyzes a table only after 10% of it changed and a minute passed, so during a
/// backfill into an empty (or small) catalog the planner goes on believing `songs`, their keys
/// and `external_plays` are nearly empty, and plans each page's look-ups as sequential scans:
/// per-page cost then grows with the table and the run becomes quadratic. The store counts the
/// rows its pages insert and runs `ANALYZE` on a table once the rows added since its last
/// statistics reach the size those statistics saw (at least ``minimumGrowth``): once per
/// doubling, so a run of any length costs a logarithmic number of `ANALYZE`s, each sampling at
/// most 30,000 rows.
///
/// `ANALYZE` changes statistics, never the schema or the data. A role that does not own the
/// table gets a warning from the server, not an error, and the page writes are unaffected.
struct PlannerStatistics: Sendable {
    /// A table whose statistics the store keeps, and the tables analyzed with it.
    enum Table: String, CaseIterable, Sendable {
        case songs, plays

        var relations: [String] {
            switch self {
            case .songs: ["songs", "radio_ingest_song_keys"]
            case .plays: ["external_plays"]
            }
        }
    }

    /// Rows added below which statistics are not refreshed (small tables plan well anyway).
    static let minimumGrowth = 1_000

    /// Row counts the current statistics saw, read once from `pg_class`.
    var analyzedRows: [Table: Int]?
    /// Rows inserted since the statistics were last refreshed.
    var grown: [Table: Int] = [:]

    mutating func noteInserted(_ count: Int, into table: Table) {
        grown[table, default: 0] += count
    }

    /// Whether the known statistics are read yet.
    var needsBaseline: Bool { analyzedRows == nil }

    /// The relations due for `ANALYZE` now, resetting their counts.
    mutating func takeDue() -> [String] {
        guard var analyzed = analyzedRows else { return [] }
        var due: [String] = []
        for table in Table.allCases {
            let added = grown[table, default: 0]
            let seen = analyzed[table, default: 0]
            guard added >= max(Self.minimumGrowth, seen) else { continue }
            due += table.relations
            analyzed[table] = seen + added
            grown[table] = 0
        }
        analyzedRows = analyzed
        return due
    }

    /// `reltuples` of `songs` and `external_plays` (`-1`, never analyzed, counts as 0).
    static let baselineSQL: PostgresQuery = """
        SELECT CASE WHEN c.relname = 'songs' THEN 'songs' ELSE 'plays' END, greatest(c.reltuples, 0)::bigint
        FROM pg_class c WHERE c.oid IN (to_regclass('songs'), to_regclass('external_plays'))
        """
}

extension PostgresCatalog {
    /// Counts rows a page inserted, for ``refreshStatisticsIfGrown()``.
    func noteInserted(_ count: Int, into table: PlannerStatistics.Table) {
        guard count > 0 else { return }
        state.withLock { $0.statistics.noteInserted(count, into: table) }
    }

    /// Starts `ANALYZE` on the tables that grew past their statistics (after a page commits),
    /// on a connection of its own, and returns at once: the next page is written meanwhile
    /// (`ANALYZE` takes a lock that inserts do not wait for). One refresh at a time; ``close()``
    /// waits for the one in flight. A failed refresh is logged: statistics only steer plans.
    func refreshStatisticsIfGrown() {
        state.withLock { state in
            guard state.statisticsRefresh == nil,
                state.statistics.grown.values.contains(where: { $0 >= PlannerStatistics.minimumGrowth })
            else { return }
            state.statisticsRefresh = Task { [self] in
                do {
                    try await refreshStatistics()
                } catch {
                    logger.warning("could not refresh the planner's statistics", metadata: ["ingest.error": "\(error)"])
                }
                self.state.withLock { $0.statisticsRefresh = nil }
            }
        }
    }

    /// Reads the known statistics once, then analyzes the tables that are due.
    private func refreshStatistics() async throws {
        if state.withLock({ $0.statistics.needsBaseline }) {
            var baseline: [PlannerStatistics.Table: Int] = [:]
            try await withConnection { connection in
                for try await (name, rows) in try await execute(PlannerStatistics.baselineSQL, on: connection).decode((String, Int).self) {
                    baseline[PlannerStatistics.Table(rawValue: name) ?? .plays] = rows
                }
            }
            state.withLock { $0.statistics.analyzedRows = baseline }
        }
        let due = state.withLock { $0.statistics.takeDue() }
        guard !due.isEmpty else { return }
        // Names from the fixed list above, never from input.
        try await withConnection { try await execute(PostgresQuery(unsafeSQL: "ANALYZE " + due.joined(separator: ", ")), on: $0) }
    }
}
