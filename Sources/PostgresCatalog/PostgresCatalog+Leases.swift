import Foundation
import IngestCore
import IngestEngine
import PostgresNIO

extension PostgresCatalog {
    public func acquireLease(source: String, holder: String, ttl: Duration, replacing: String?) async throws -> LeaseOutcome {
        let milliseconds = Self.milliseconds(ttl)
        return try await withConnection { connection in
            let taken = try await execute(
                """
                INSERT INTO ingestion_leases (source, holder, acquired_at, expires_at)
                VALUES (\(source), \(holder), now(), now() + \(milliseconds) * interval '1 millisecond')
                ON CONFLICT (source) DO UPDATE SET holder = EXCLUDED.holder, acquired_at = EXCLUDED.acquired_at,
                    expires_at = EXCLUDED.expires_at
                WHERE ingestion_leases.expires_at < now() OR ingestion_leases.holder = EXCLUDED.holder
                    OR ingestion_leases.holder = \(replacing)
                RETURNING holder
                """, on: connection)
            for try await _ in taken.decode(String.self) { return .acquired }
            for try await (other, until) in try await execute(
                "SELECT holder, expires_at FROM ingestion_leases WHERE source = \(source)", on: connection
            ).decode((String, Date).self) {
                return .heldBy(holder: other, until: until)
            }
            return .heldBy(holder: "unknown", until: Date())
        }
    }

    public func renewLease(source: String, holder: String, ttl: Duration) async throws -> Bool {
        try await withConnection { connection in
            try await value(String.self, of: try Self.renewal(of: LeaseRenewal(source: source, holder: holder, ttl: ttl)), on: connection)
                == "true"
        }
    }

    /// Extends a lease only while its holder still holds it; the statement's last column says
    /// whether it did, as text (`true` or `false`): PostgresNIO's older API labels a prepared
    /// statement's answers as text while the server sends them in binary, which only text
    /// columns survive. `columns` (each followed by a comma) are selected before it. Its values
    /// are ``renewalBinds(_:)``.
    static func renewalSQL(selecting columns: String = "") -> String {
        """
        WITH lease AS (
            UPDATE ingestion_leases SET expires_at = now() + $1::bigint * interval '1 millisecond'
            WHERE source = $2::text AND holder = $3::text RETURNING 1
        )
        SELECT \(columns)EXISTS (SELECT 1 FROM lease)::text
        """
    }

    /// The values of a ``renewalSQL(selecting:)``.
    static func renewalBinds(_ lease: LeaseRenewal) throws -> PreparedBinds {
        var binds = PreparedBinds()
        try binds.append(milliseconds(lease.ttl))
        try binds.append(lease.source)
        try binds.append(lease.holder)
        return binds
    }

    /// ``renewalSQL(selecting:)`` as a query.
    static func renewal(of lease: LeaseRenewal) throws -> PostgresQuery {
        PostgresQuery(unsafeSQL: renewalSQL(), binds: try renewalBinds(lease).bindings)
    }

    /// Whether a ``renewalSQL(selecting:)`` extended the lease.
    static func renewed(_ rows: [PostgresRow]) throws -> Bool {
        guard let row = rows.first?.makeRandomAccess(), row.count > 0 else { return false }
        return try row[row.count - 1].decode(String.self, context: .default) == "true"
    }

    public func releaseLease(source: String, holder: String) async throws {
        try await withConnection { connection in
            try await execute("DELETE FROM ingestion_leases WHERE source = \(source) AND holder = \(holder)", on: connection)
        }
    }

    public func liveLeases() async throws -> [String: (holder: String, until: Date)] {
        guard try await schemaPresent() else { return [:] }
        return try await withConnection { connection in
            var leases: [String: (holder: String, until: Date)] = [:]
            for try await (source, holder, until) in try await execute(
                "SELECT source, holder, expires_at FROM ingestion_leases WHERE expires_at > now()", on: connection
            ).decode((String, String, Date).self) {
                leases[source] = (holder, until)
            }
            return leases
        }
    }

    public func markAbandonedRuns(source: String) async throws -> Int {
        try await withConnection { connection in
            var count = 0
            for try await _ in try await execute(
                "UPDATE ingestion_runs SET status = 'abandoned' WHERE source = \(source) AND status = 'running' RETURNING id",
                on: connection
            ).decode(Int64.self) {
                count += 1
            }
            return count
        }
    }

    public func allCheckpoints() async throws -> [Checkpoint] {
        guard try await schemaPresent() else { return [] }
        return try await withConnection { connection in
            var checkpoints: [Checkpoint] = []
            for try await (source, metadata) in try await execute(
                "SELECT source, metadata::text FROM ingestion_checkpoints ORDER BY source", on: connection
            ).decode((String, String?).self) {
                checkpoints.append(try Checkpoint(source: source, metadataJSON: metadata))
            }
            return checkpoints
        }
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
