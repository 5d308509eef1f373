import Foundation
import GRDB
import IngestCore
import IngestEngine

extension SQLiteCatalog {
    public func acquireLease(source: String, holder: String, ttl: Duration, replacing: String?) async throws -> LeaseOutcome {
        try await guarded {
            try await write { db in
                let now = Date()
                let expires = Timestamp.format(now.addingTimeInterval(Self.seconds(ttl)))
                let taken = try String.fetchOne(
                    db,
                    sql: """
                        INSERT INTO ingestion_leases (source, holder, acquired_at, expires_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT (source) DO UPDATE SET holder = excluded.holder, acquired_at = excluded.acquired_at,
                            expires_at = excluded.expires_at
                        WHERE ingestion_leases.expires_at < ? OR ingestion_leases.holder = excluded.holder
                            OR ingestion_leases.holder = ?
                        RETURNING holder
                        """,
                    arguments: [source, holder, Timestamp.format(now), expires, Timestamp.format(now), replacing])
                if taken != nil { return .acquired }
                let row = try Row.fetchOne(db, sql: "SELECT holder, expires_at FROM ingestion_leases WHERE source = ?", arguments: [source])
                return .heldBy(
                    holder: row?["holder"] ?? "unknown",
                    until: (row?["expires_at"] as String?).flatMap(Timestamp.parse) ?? now)
            }
        }
    }

    public func renewLease(source: String, holder: String, ttl: Duration) async throws -> Bool {
        try await guarded {
            try await write { db in try Self.renew(LeaseRenewal(source: source, holder: holder, ttl: ttl), in: db) }
        }
    }

    /// Extends `lease` only while its holder still holds it; returns whether it did.
    static func renew(_ lease: LeaseRenewal, in db: Database) throws -> Bool {
        try db.execute(
            sql: "UPDATE ingestion_leases SET expires_at = ? WHERE source = ? AND holder = ?",
            arguments: [Timestamp.format(Date().addingTimeInterval(seconds(lease.ttl))), lease.source, lease.holder])
        return db.changesCount > 0
    }

    public func releaseLease(source: String, holder: String) async throws {
        try await guarded {
            try await write { db in
                try db.execute(sql: "DELETE FROM ingestion_leases WHERE source = ? AND holder = ?", arguments: [source, holder])
            }
        }
    }

    public func liveLeases() async throws -> [String: (holder: String, until: Date)] {
        try await guarded {
            // Plain values out of the read (rows are not Sendable), so the read is the async one.
            let rows = try await writer.read { db -> [(source: String, holder: String, until: String)] in
                guard try db.tableExists("ingestion_leases") else { return [] }
                return try Row.fetchAll(
                    db, sql: "SELECT source, holder, expires_at FROM ingestion_leases WHERE expires_at > ?",
                    arguments: [Timestamp.format(Date())]
                ).map { ($0["source"], $0["holder"], $0["expires_at"]) }
            }
            var leases: [String: (holder: String, until: Date)] = [:]
            for row in rows { leases[row.source] = (row.holder, Timestamp.parse(row.until) ?? Date()) }
            return leases
        }
    }

    public func markAbandonedRuns(source: String) async throws -> Int {
        try await guarded {
            try await write { db in
                try db.execute(
                    sql: "UPDATE ingestion_runs SET status = 'abandoned' WHERE source = ? AND status = 'running'", arguments: [source])
                return db.changesCount
            }
        }
    }

    public func allCheckpoints() async throws -> [Checkpoint] {
        try await guarded {
            try await writer.read { db -> [Checkpoint] in
                guard try db.tableExists("ingestion_checkpoints") else { return [] }
                return try Row.fetchAll(db, sql: "SELECT source, metadata FROM ingestion_checkpoints ORDER BY source")
                    .map { try Checkpoint(source: $0["source"], metadataJSON: $0["metadata"]) }
            }
        }
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
