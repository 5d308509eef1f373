import ArgumentParser
import Foundation
import IngestCore
import IngestEngine
import Logging
import ServiceLifecycle

extension RadioIngest {
    /// `radio-ingest daemon`: every scheduled source on its schedule until SIGTERM or SIGINT.
    struct Daemon: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run every enabled source on its schedule until SIGTERM or SIGINT.",
            discussion: """
                On SIGTERM or SIGINT a page being written is committed whole, a fetch or retry wait in progress is \
                abandoned, its run is recorded as interrupted, and the daemon exits 0 (within a second or two). A source never runs twice at once, even across daemons on \
                several machines sharing one database (a lease that expires if its holder dies). A failing \
                source backs off (doubling its interval, at most 1 h) without holding up the others.
                """)

        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func run() async throws {
            let loaded = try config.require()
            let logger = logging.makeLogger(config: loaded)
            let store = try database.open(readOnly: false, logger: logger, config: loaded)
            logger.notice("daemon started", metadata: ["ingest.catalog": "\(store.location) (\(store.kind))"])
            let scheduler = Scheduler(
                config: loaded, runner: ConfiguredRun(store: store, logger: logger, dryRun: false, leaseTTL: loaded.leaseTTL),
                logger: logger)
            let group = ServiceGroup(services: [scheduler], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            do {
                try await group.run()
            } catch {
                await store.close()
                throw error
            }
            await store.close()
            logger.notice("daemon stopped")
        }
    }
}

/// Runs each scheduled source in its own loop, at most `concurrency` at a time.
struct Scheduler: Service {
    let config: IngestConfig
    let runner: ConfiguredRun
    let logger: Logger

    func run() async throws {
        let stop = StopSignal()
        let slots = Slots(limit: config.concurrency)
        let scheduled = config.sources.filter { $0.enabled && $0.schedule != nil }
        for entry in config.sources where entry.enabled && entry.schedule == nil {
            logger.notice("source has no schedule; the daemon leaves it alone", metadata: ["ingest.source": "\(entry.name)"])
        }
        if scheduled.isEmpty { logger.warning("no enabled source has a schedule; nothing to do until stopped") }
        for entry in scheduled {
            guard let schedule = entry.schedule else { continue }
            logger.notice(
                "scheduled source",
                metadata: [
                    "ingest.source": "\(entry.name)", "ingest.adapter": "\(entry.adapter)", "ingest.every": "\(schedule.every)",
                    "ingest.jitter": "\(schedule.jitter)", "ingest.incremental": "\(entry.incremental)",
                    "ingest.lookback": "\(entry.lookback.map { "\($0)" } ?? "the adapter's")",
                ])
        }
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for entry in scheduled {
                    group.addTask { await loop(entry, stop: stop, slots: slots) }
                }
                if scheduled.isEmpty { group.addTask { while !stop.isRequested { await stop.sleep(for: .seconds(3600)) } } }
            }
        } onGracefulShutdown: {
            stop.request()
        }
    }

    func loop(_ entry: SourceConfig, stop: StopSignal, slots: Slots) async {
        guard let schedule = entry.schedule else { return }
        var failures = 0
        await stop.sleep(for: SourceSchedule.randomUpTo(schedule.jitter))
        while !stop.isRequested {
            await slots.acquire()
            let summary = stop.isRequested ? nil : await runner.run(entry, stop: stop)
            await slots.release()
            guard let summary, summary.status != .interrupted else { return }
            failures = summary.status == .failed ? failures + 1 : 0
            let wait = SourceSchedule.nextWait(schedule, failures: failures)
            logger.info(
                "source run done; next run scheduled",
                metadata: [
                    "ingest.source": "\(entry.name)", "ingest.status": "\(summary.status.rawValue)", "ingest.next_in": "\(wait)",
                ])
            await stop.sleep(for: wait)
        }
    }
}
