import Foundation
import IngestEngine
import PostgresNIO

/// Keeps PostgreSQL's planner statistics in step with the rows a run adds.
///
/// Autovacuum analyzes a table only after 10% of it changed and a minute passed. Until then the
/// planner plans a page's look-ups from statistics that have not seen the run's rows, and two
/// cases made page cost grow with the run:
/// - a backfill into an empty catalog: the statistics say the tables are empty;
/// - a new source's backfill into a catalog that holds other sources' plays: the statistics do
///   not know the new source, the planner expects one play of it, and each page's look-up of
///   stored plays read every play of the source so far through the `source` index, filtering
///   them by id, instead of probing the (source, play id) index. That was quadratic until
///   autovacuum caught up with 10% of the table: 16 ms a page rising to 44 ms within 150,000
///   plays over a catalog of 250,000 (docs/performance.md).
///
/// So the store counts the rows it inserts into each table and runs `ANALYZE` on a table once
/// the rows added since its last refresh reach the rows it had added before (at least
/// ``minimumGrowth``): after 1,000, 2,000, 4,000, ... rows, whatever the table held before. A run
/// of any length costs a logarithmic number of `ANALYZE`s, each sampling at most 30,000 rows.
///
/// `ANALYZE` changes statistics, never the schema or the data. PostgreSQL lets only a table's
/// owner run it (anyone else gets a warning and nothing happens): a store whose role does not
/// own the tables says so once and refreshes nothing.
struct PlannerStatistics: Sendable {
    /// A table whose statistics the store keeps.
    enum Table: String, CaseIterable, Sendable {
        case songs, plays

        /// The tables analyzed for it.
        var tables: [String] {
            switch self {
            case .songs: ["songs", "radio_ingest_song_keys"]
            case .plays: ["external_plays"]
            }
        }

        /// What to analyze, as `ANALYZE` takes it: only the columns a page's statements filter
        /// or sort on. An application's wide rows cost nothing then (Musicr's songs carry a
        /// 384-number embedding: `ANALYZE songs` took 3.5 s over 1,000,000 songs, the columns
        /// named here 0.3 s); their other statistics are autovacuum's to keep.
        func relations(in schema: CatalogSchema) -> [String] {
            switch self {
            case .songs:
                let columns = ["id"] + [.mbid, .isrc, .created].compactMap { schema.songs.columns[$0] }
                return ["songs (\(columns.map(SQLIdentifier.quote).joined(separator: ", ")))", "radio_ingest_song_keys"]
            case .plays:
                return ["external_plays (source, source_play_id)"]
            }
        }
    }

    /// Rows added below which statistics are not refreshed (small tables plan well anyway).
    static let minimumGrowth = 1_000

    /// Rows this store inserted that the last refresh saw.
    var analyzed: [Table: Int] = [:]
    /// Rows this store inserted since.
    var grown: [Table: Int] = [:]

    mutating func noteInserted(_ count: Int, into table: Table) {
        grown[table, default: 0] += count
    }

    /// Whether `table` has grown enough since its last refresh.
    func isDue(_ table: Table) -> Bool {
        grown[table, default: 0] >= max(Self.minimumGrowth, analyzed[table, default: 0])
    }

    /// Whether a refresh is due (never once this role is known not to be permitted).
    var anyDue: Bool { permitted != false && Table.allCases.contains(where: isDue) }

    /// Whether this role may analyze the catalog's tables (found out at the first refresh).
    var permitted: Bool?

    /// Whether the current role owns (or is a member of the owner of) every table analyzed.
    static var permittedSQL: PostgresQuery {
        let tables = Table.allCases.flatMap(\.tables)
        return """
            SELECT coalesce(bool_and(pg_has_role(c.relowner, 'USAGE')), false) FROM pg_class c
            WHERE c.oid IN (SELECT to_regclass(t) FROM unnest(\(tables)::text[]) AS t)
            """
    }

    /// The relations due for `ANALYZE` now, counting their rows as seen.
    mutating func takeDue(in schema: CatalogSchema) -> [String] {
        var due: [String] = []
        for table in Table.allCases where isDue(table) {
            due += table.relations(in: schema)
            analyzed[table, default: 0] += grown[table, default: 0]
            grown[table] = 0
        }
        return due
    }
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
            guard state.statisticsRefresh == nil, state.statistics.anyDue else { return }
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

    /// Analyzes the tables that are due, when this role may.
    private func refreshStatistics() async throws {
        let schema = try await catalogSchema()
        if state.withLock({ $0.statistics.permitted }) == nil {
            let permitted = try await withConnection { try await value(Bool.self, of: PlannerStatistics.permittedSQL, on: $0) } ?? false
            state.withLock { $0.statistics.permitted = permitted }
            if !permitted {
                logger.warning(
                    "this role does not own the catalog's tables, so PostgreSQL ignores its ANALYZE: the planner's statistics follow the run only when autovacuum analyzes them; a new station's backfill over other stations' plays slows down until then (run ANALYZE external_plays as the owner after its first few thousand plays; docs/runbook.md)"
                )
            }
        }
        let due = state.withLock { $0.statistics.takeDue(in: schema) }
        guard !due.isEmpty, state.withLock({ $0.statistics.permitted }) == true else { return }
        // Names from the fixed list above and the introspected schema (quoted), never from input.
        try await withConnection { try await execute(PostgresQuery(unsafeSQL: "ANALYZE " + due.joined(separator: ", ")), on: $0) }
    }
}
