import ArgumentParser
import Foundation
import IngestCore
import IngestEngine
import Logging
import Metrics
import Prometheus
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

        @Option(
            help: ArgumentHelp(
                "Serve /healthz, /readyz, /metrics (Prometheus), the status page / and /status.json here, such as 127.0.0.1:9464 "
                    + "(a bare port means 127.0.0.1; default: the config's http.listen; off unless set).", valueName: "host:port"))
        var listen: String?
        @OptionGroup var config: ConfigOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var logging: LoggingOptions

        func validate() throws {
            if let listen, ListenAddress(listen) == nil {
                throw ValidationError("--listen '\(listen)' is not HOST:PORT (such as 127.0.0.1:9464)")
            }
        }

        func run() async throws {
            let loaded = try config.require()
            let logger = logging.makeLogger(config: loaded)
            let store = try database.open(readOnly: false, logger: logger, config: loaded)
            logger.notice("daemon started", metadata: ["ingest.catalog": "\(store.location) (\(store.kind))"])
            let state = DaemonState()
            let display = ProgressDisplay(terminal: Terminal(isTTY: false), logger: logger)
            let runner = ConfiguredRun(
                store: store, logger: logger, dryRun: false, leaseTTL: loaded.leaseTTL,
                progress: { progress in
                    state.progress(progress)
                    display.update(progress)
                })
            var scheduler = Scheduler(config: loaded, runner: runner, logger: logger, state: state)
            var services: [any Service] = []
            let address = (listen ?? loaded.httpListen).flatMap(ListenAddress.init)
            if let address {
                if !address.isLoopback {
                    logger.warning("the status page and metrics are served beyond this machine", metadata: ["ingest.listen": "\(address)"])
                }
                let backend = PrometheusBackend(registry: PrometheusCollectorRegistry())
                MetricsSystem.bootstrap(backend)
                // No run starts before the server has its port: a port in use stops the daemon
                // before it has touched a source.
                let (listening, opened) = AsyncStream<Void>.makeStream()
                scheduler.startsAfter = listening
                services.append(
                    OperatorServer.make(
                        address: address, context: .init(store: store, config: loaded, state: state, metrics: backend, logger: logger),
                        onListening: {
                            opened.yield()
                            opened.finish()
                        }))
            }
            services.insert(scheduler, at: 0)
            // SIGTERM and SIGINT through `SignalPipe`, not the group's own signal handling
            // (dispatch sources, which can lose a signal on Linux; see `SignalPipe`).
            let group = ServiceGroup(services: services, gracefulShutdownSignals: [], logger: logger)
            SignalPipe.shared.deliver(to: { _ in Task { await group.triggerGracefulShutdown() } })
            do {
                try await group.run()
            } catch {
                await store.close()
                if let address, "\(error)".contains("Address already in use") {
                    FileHandleOutput.standardError("radio-ingest: cannot listen on \(address): the address is already in use")
                    throw ExitCode.failure
                }
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
    /// Its heartbeat and next runs, for `/readyz` and the status page.
    var state = DaemonState()
    /// When set, no run starts before this yields (the HTTP server is listening).
    var startsAfter: AsyncStream<Void>?

    func run() async throws {
        let stop = StopSignal()
        let slots = Slots(limit: config.concurrency)
        let scheduled = config.sources.filter { $0.enabled && $0.schedule != nil }
        if let startsAfter {
            for await _ in startsAfter { break }
            if Task.isCancelled { return }
        }
        for entry in config.sources where entry.enabled && entry.schedule == nil {
            logger.notice("source has no schedule; the daemon leaves it alone", metadata: ["ingest.source": "\(entry.name)"])
        }
        if scheduled.isEmpty { logger.warning("no enabled source has a schedule; nothing to do until stopped") }
        for entry in scheduled {
            guard let schedule = entry.schedule else { continue }
            IngestMetrics.schedule(source: entry.name, every: schedule.every)
            logger.notice(
                "scheduled source",
                metadata: [
                    "ingest.source": "\(entry.name)", "ingest.adapter": "\(entry.adapter)", "ingest.every": "\(schedule.every)",
                    "ingest.jitter": "\(schedule.jitter)", "ingest.incremental": "\(entry.incremental)",
                    "ingest.lookback": "\(entry.lookback.map { "\($0)" } ?? "the adapter's")",
                ])
        }
        // A graceful shutdown (a signal) and a cancellation (another service failed, such as the
        // HTTP server not getting its port) both stop the loops, which check `stop`.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await loops(scheduled, stop: stop, slots: slots)
            } onGracefulShutdown: {
                stop.request()
            }
        } onCancel: {
            stop.request()
        }
    }

    func loops(_ scheduled: [SourceConfig], stop: StopSignal, slots: Slots) async {
        await withTaskGroup(of: Void.self) { group in
            for entry in scheduled {
                group.addTask { await loop(entry, stop: stop, slots: slots) }
            }
            // The heartbeat `/readyz` checks: the scheduler's tasks are alive.
            group.addTask {
                while !stop.isRequested {
                    state.tick()
                    await stop.sleep(for: .seconds(1))
                }
            }
        }
    }

    func loop(_ entry: SourceConfig, stop: StopSignal, slots: Slots) async {
        guard let schedule = entry.schedule else { return }
        var failures = 0
        let jitter = SourceSchedule.randomUpTo(schedule.jitter)
        state.scheduled(entry.name, at: Date().addingTimeInterval(jitter.seconds))
        await stop.sleep(for: jitter)
        while !stop.isRequested {
            await slots.acquire()
            let summary = stop.isRequested ? nil : await runner.run(entry, stop: stop)
            await slots.release()
            guard let summary, summary.status != .interrupted else { return }
            failures = summary.status == .failed ? failures + 1 : 0
            let wait = SourceSchedule.nextWait(schedule, failures: failures)
            state.scheduled(entry.name, at: Date().addingTimeInterval(wait.seconds))
            logger.info(
                "source run done; next run scheduled",
                metadata: [
                    "ingest.source": "\(entry.name)", "ingest.status": "\(summary.status.rawValue)", "ingest.next_in": "\(wait)",
                ])
            await stop.sleep(for: wait)
        }
    }

}
