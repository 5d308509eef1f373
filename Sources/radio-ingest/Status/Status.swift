import ArgumentParser
import Foundation
import IngestCore
import IngestEngine

extension RadioIngest {
    /// `radio-ingest status`: what is covered, what is missing, what the last runs did.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each source's checkpoint, covered ranges, gaps, last runs and the embedding queue.")

        @Argument(help: "Only this source.") var source: String?
        @Option(help: "Runs to show per source.") var runs = 5

        func validate() throws {
            guard runs >= 0 else { throw ValidationError("--runs must be 0 or more") }
        }
        @Flag(help: "One JSON object.") var json = false
        @Option(
            help: ArgumentHelp(
                "Write the status page (HTML with a coverage timeline per source, as the daemon's --listen serves it) to this file.",
                valueName: "file"))
        var html: String?
        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let loaded = try config.load()
            let logger = logging.makeLogger(config: loaded)
            let report = try await database.withStore(readOnly: true, logger: logger, config: loaded) { store in
                try await StatusReport.requireKnown(source, store: store, config: loaded)
                return try await StatusReport.gather(store: store, config: loaded, only: source, runs: runs)
            }
            if let html {
                do {
                    try StatusPage(report: report, config: loaded).render().write(toFile: html, atomically: true, encoding: .utf8)
                } catch {
                    FileHandleOutput.standardError("radio-ingest: cannot write \(html): \(error.localizedDescription)")
                    throw ExitCode.failure
                }
                print("wrote \(html)")
                return
            }
            print(json ? report.json() : report.text())
        }
    }
}

/// The facts `status` shows, gathered once and rendered as text or JSON.
struct StatusReport {
    struct SourceStatus {
        var name: String
        var checkpoint: Checkpoint?
        var gaps: [TimeWindow]
        var runs: [RunRecord]
        /// Plays the catalog refused, waiting for `failed retry`.
        var failedPlays: Int
    }

    var sources: [SourceStatus]
    var songsAwaitingEmbedding: Int
    /// Who holds each source's lease now.
    var leases: [String: (holder: String, until: Date)] = [:]
    /// When the facts were gathered.
    var gatheredAt = Date()
    /// Where the catalog is (password masked) and what introspection found of its layout.
    var catalog: String
    var layout: [String]

    /// The facts about `only` (or every known source), with each source's last `runs` runs;
    /// `layout: false` skips introspecting the catalog's columns (for `/metrics`, which shows none).
    static func gather(
        store: any CatalogStore, config: IngestConfig?, only: String?, runs: Int, layout wantsLayout: Bool = true
    ) async throws -> StatusReport {
        let checkpoints = Dictionary(uniqueKeysWithValues: try await store.allCheckpoints().map { ($0.source, $0) })
        var names = (config?.sources.map(\.name) ?? []) + checkpoints.keys.sorted()
        names = names.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
        if let only { names = [only] }
        var sources: [SourceStatus] = []
        for name in names {
            let checkpoint = checkpoints[name]
            // Holes inside the history (below the newest covered airdate, down to the oldest
            // covered one or an unfinished walk's start); time since the last run is not a hole.
            let gaps =
                checkpoint.map { c -> [TimeWindow] in
                    guard let newest = c.ledger.spans.last.map({ Timestamp.date(microseconds: $0.upper) }) else { return [] }
                    let start = [c.ledger.oldestCovered, c.pendingWalk?.start].compactMap { $0 }.min()
                    let openBelow = c.pendingWalk != nil && c.pendingWalk?.start == nil
                    return c.ledger.gaps(in: TimeWindow(start: openBelow ? nil : start, end: newest), now: newest)
                } ?? []
            sources.append(
                SourceStatus(
                    name: name, checkpoint: checkpoint, gaps: gaps,
                    runs: try await store.recentRuns(source: name, limit: runs),
                    failedPlays: try await store.countFailedPlays(source: name)))
        }
        var layout: [String] = []
        do {
            if wantsLayout { layout = try await store.catalogSchema().summary }
        } catch let error as IngestError {
            layout = ["cannot be written as it is: \(error.message)"]
        }
        return StatusReport(
            sources: sources, songsAwaitingEmbedding: try await store.countSongsAwaitingEmbedding(),
            leases: try await store.liveLeases(),
            catalog: "\(store.location) (\(store.kind))"
                + (store.kind == "sqlite" && !FileManager.default.fileExists(atPath: store.location) ? ", not created yet" : ""),
            layout: layout)
    }

    func text() -> String {
        var lines: [String] = ["catalog: \(catalog)"] + layout.map { "  " + $0 }
        for source in sources {
            lines.append(source.name)
            if source.failedPlays > 0 {
                lines.append("  refused plays waiting: \(source.failedPlays)  (radio-ingest failed list \(source.name))")
            }
            guard let checkpoint = source.checkpoint else {
                lines.append("  no checkpoint yet")
                lines += runLines(source.runs)
                continue
            }
            lines.append("  cursor:   \(checkpoint.cursor ?? "none")  (contiguous coverage up to here)")
            if let newest = checkpoint.ledger.spans.last {
                let lag = StatusPage.span(max(0, gatheredAt.timeIntervalSince(Timestamp.date(microseconds: newest.upper))))
                lines.append(
                    "  newest:   \(Checkpoint.text(newest.upper))  (\(lag) behind live; plays after this are fetched by the next run)")
            }
            if let lease = leases[source.name] {
                lines.append("  lease:    held by \(lease.holder) until \(Timestamp.format(lease.until))")
            }
            if let settling = checkpoint.settling, let start = settling.start, let end = settling.end {
                lines.append(
                    "  settling: \(Timestamp.format(start)) → \(Timestamp.format(end))  (covered, but a play published late may still land here; the next run re-reads it)"
                )
                lines.append("  settled:  up to \(Timestamp.format(start))")
            }
            lines.append("  covered:  " + (checkpoint.ledger.spans.isEmpty ? "nothing" : ""))
            for span in checkpoint.ledger.spans {
                lines.append("    \(Checkpoint.text(span.lower)) → \(Checkpoint.text(span.upper))")
            }
            lines.append("  gaps:     " + (source.gaps.isEmpty ? "none" : ""))
            for gap in source.gaps { lines.append("    \(gap)") }
            if let walk = checkpoint.pendingWalk { lines.append("  unfinished walk: \(walk) (the next --incremental run resumes it)") }
            lines += runLines(source.runs)
        }
        lines.append("songs awaiting an embedding: \(songsAwaitingEmbedding)")
        return lines.joined(separator: "\n")
    }

    func runLines(_ runs: [RunRecord]) -> [String] {
        guard !runs.isEmpty else { return ["  runs:     none"] }
        return ["  runs:"]
            + runs.map { "    " + Self.runLine($0, withSource: false) }
    }

    /// One run in one line, the same words in `status` and `runs`.
    static func runLine(_ run: RunRecord, withSource: Bool) -> String {
        let c = run.counters
        return "#\(run.id ?? 0) " + (withSource ? "\(run.source) " : "") + "\(run.status) \(Timestamp.format(run.startedAt)) "
            + "pages=\(c.pagesFetched) tracks=\(c.trackPlays) inserted=\(c.provenanceInserted) matched=\(c.songsMatched) "
            + "new=\(c.newSongs) invalid=\(c.skippedInvalid) dups=\(c.duplicatesSkipped) errors=\(c.errors)"
            + (c.latePlays > 0 ? " late=\(c.latePlays)" : "") + (run.error.map { " error: \($0)" } ?? "")
    }

    /// Every source the catalog or the config knows, in that order.
    static func knownSources(store: any CatalogStore, config: IngestConfig?) async throws -> [String] {
        var names = (config?.sources.map(\.name) ?? []) + (try await store.allCheckpoints().map(\.source))
        names += try await store.recentRuns(source: nil, limit: 1000).map(\.source)
        return names.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    /// Refuses a source name nothing knows, listing the ones that are known.
    static func requireKnown(_ name: String?, store: any CatalogStore, config: IngestConfig?) async throws {
        guard let name else { return }
        let known = try await knownSources(store: store, config: config)
        guard known.contains(name) else {
            throw IngestError.usage(
                "no source named '\(name)'; known: " + (known.isEmpty ? "none yet (run one first)" : known.joined(separator: ", ")))
        }
    }

    func json() -> String {
        let object: [String: Any] = [
            "songs_awaiting_embedding": songsAwaitingEmbedding,
            "catalog": catalog,
            "catalog_layout": layout,
            "sources": sources.map { source -> [String: Any] in
                var entry: [String: Any] = ["source": source.name, "failed_plays": source.failedPlays]
                entry["lease"] =
                    leases[source.name].map { ["holder": $0.holder, "until": Timestamp.format($0.until)] as [String: Any] } ?? NSNull()
                if let checkpoint = source.checkpoint {
                    entry["cursor"] = checkpoint.cursor ?? NSNull()
                    entry["covered"] = checkpoint.ledger.spans.map { [Checkpoint.text($0.lower), Checkpoint.text($0.upper)] }
                    entry["pending_walk"] =
                        checkpoint.pendingWalk?.boundsText ?? NSNull()
                    entry["settling"] = checkpoint.settling?.boundsText ?? NSNull()
                    entry["lookback_seconds"] = checkpoint.lookback.map { Int($0.components.seconds) as Any } ?? NSNull()
                }
                entry["gaps"] = source.gaps.map(\.boundsText)
                entry["runs"] = source.runs.map { run -> [String: Any] in
                    let counters = (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(run.counters))) ?? [:]
                    return [
                        "id": run.id ?? 0, "status": run.status, "started_at": Timestamp.format(run.startedAt),
                        "finished_at": run.finishedAt.map(Timestamp.format) ?? NSNull(), "error": run.error ?? NSNull(),
                        "counters": counters,
                    ]
                }
                return entry
            },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
