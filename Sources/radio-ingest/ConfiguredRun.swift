import Foundation
import IngestCore
import IngestEngine
import Logging

/// Runs one config entry through the engine: the shared step of `run` and `daemon`.
struct ConfiguredRun: Sendable {
    let store: any CatalogStore
    let logger: Logger
    let dryRun: Bool
    /// The config's `lease_ttl`, when set.
    var leaseTTL: Duration? = nil
    /// Told after every page of every run.
    var progress: (@Sendable (WalkProgress) -> Void)? = nil

    func run(_ entry: SourceConfig, stop: StopSignal = StopSignal()) async -> RunSummary {
        let startedAt = Date()
        var logger = self.logger
        logger[metadataKey: "ingest.source"] = "\(entry.name)"
        do {
            guard let factory = AdapterCatalog.current.entry(named: entry.adapter) else {
                throw IngestError.usage("source \(entry.name): no adapter named \(entry.adapter)")
            }
            let adapter = try factory.make(entry.adapterSettings())
            var options = entry.runOptions
            options.dryRun = dryRun
            var engine = IngestEngine(logger: logger)
            if let leaseTTL { engine.leaseTTL = leaseTTL }
            engine.progress = progress
            return await engine.run(adapter, into: store, options: options, stop: stop)
        } catch {
            let message = (error as? IngestError)?.message ?? "\(error)"
            logger.error("source could not start", metadata: ["ingest.error": "\(message)"])
            return RunSummary(
                source: entry.name, runID: nil, status: .failed, dryRun: dryRun, counters: RunCounters(),
                songsAwaitingEmbedding: nil, error: message, startedAt: startedAt, finishedAt: Date())
        }
    }
}

/// At most `limit` holders at once, for bounded concurrency across sources.
actor Slots {
    let limit: Int
    var inUse = 0
    var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    func acquire() async {
        if inUse < limit {
            inUse += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            inUse -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
