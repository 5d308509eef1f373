import Foundation
import Hummingbird
import IngestCore
import IngestEngine
import Logging
import ServiceLifecycle

/// The daemon's HTTP side (`--listen`, `http: { listen: }`): health, readiness, Prometheus
/// metrics, the status page and its JSON. Each request reads the catalog through the store's
/// pool and gives the connection back before it answers; it never takes a lease.
enum OperatorServer {
    struct Context: Sendable {
        let store: any CatalogStore
        let config: IngestConfig
        let state: DaemonState
        let metrics: PrometheusBackend
        let logger: Logger
    }

    static func make(address: ListenAddress, context: Context, onListening: @escaping @Sendable () -> Void = {}) -> some Service {
        let router = Router()
        router.get("/healthz") { _, _ in text("ok\n") }
        router.get("/readyz") { _, _ in await ready(context) }
        router.get("/metrics") { _, _ in await metrics(context) }
        router.get("/status.json") { _, _ in await statusJSON(context) }
        router.get("/") { _, _ in await statusPage(context) }
        var logger = context.logger
        logger.logLevel = max(logger.logLevel, .notice)  // no line per request
        return Application(
            router: router, configuration: .init(address: .hostname(address.host, port: address.port), serverName: "radio-ingest"),
            onServerRunning: { _ in
                context.logger.notice("serving health, metrics and the status page", metadata: ["ingest.listen": "http://\(address)/"])
                onListening()
            },
            logger: logger)
    }

    static func text(_ body: String, status: HTTPResponse.Status = .ok, type: String = "text/plain; charset=utf-8") -> Response {
        Response(
            status: status, headers: [.contentType: type, .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// 200 when the catalog answers within 2 s and the scheduler ticked in the last 5 s.
    static func ready(_ context: Context) async -> Response {
        guard context.state.isTicking() else { return text("not ready: the scheduler is not ticking\n", status: .serviceUnavailable) }
        do {
            _ = try await withDeadline(.seconds(2)) { try await context.store.recentRuns(source: nil, limit: 1) }
            return text("ready\n")
        } catch {
            return text("not ready: the catalog does not answer (\(describe(error)))\n", status: .serviceUnavailable)
        }
    }

    static func metrics(_ context: Context) async -> Response {
        do {
            let report = try await withDeadline(.seconds(5)) {
                try await StatusReport.gather(store: context.store, config: context.config, only: nil, runs: 20, layout: false)
            }
            for source in report.sources {
                let lastSuccess = source.runs.first { ["complete", "partial"].contains($0.status) }?.finishedAt
                IngestMetrics.sourceState(
                    source: source.name, newestPlay: source.checkpoint?.ledger.spans.last.map { Timestamp.date(microseconds: $0.upper) },
                    gaps: source.gaps.count, leaseHeld: report.leases[source.name] != nil, lastSuccess: lastSuccess)
            }
            IngestMetrics.songsAwaitingEmbedding(report.songsAwaitingEmbedding)
        } catch {
            // The counters still answer; the catalog's gauges keep their last values.
            context.logger.warning("metrics: cannot read the catalog's state", metadata: ["ingest.error": "\(describe(error))"])
        }
        return text(context.metrics.exposition(), type: "text/plain; version=0.0.4; charset=utf-8")
    }

    static func gather(_ context: Context) async throws -> StatusReport {
        try await withDeadline(.seconds(10)) {
            try await StatusReport.gather(store: context.store, config: context.config, only: nil, runs: 8)
        }
    }

    static func statusJSON(_ context: Context) async -> Response {
        do {
            return text(try await gather(context).json() + "\n", type: "application/json")
        } catch {
            return text("{\"error\": \"the catalog does not answer\"}\n", status: .serviceUnavailable, type: "application/json")
        }
    }

    static func statusPage(_ context: Context) async -> Response {
        do {
            let page = StatusPage(
                report: try await gather(context), daemon: context.state.snapshot, config: context.config, refreshSeconds: 30)
            return text(page.render(), type: "text/html; charset=utf-8")
        } catch {
            return text(
                "<!doctype html><title>RadioIngest</title><p>The catalog does not answer: \(escape(describe(error)))</p>\n",
                status: .serviceUnavailable, type: "text/html; charset=utf-8")
        }
    }

    static func describe(_ error: any Error) -> String { (error as? IngestError)?.message ?? "\(error)" }
}

struct DeadlineExceeded: Error, CustomStringConvertible {
    var description: String { "no answer in time" }
}

/// `body`'s result, or ``DeadlineExceeded`` when it takes longer than `limit`.
func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            throw DeadlineExceeded()
        }
        defer { group.cancelAll() }
        guard let first = try await group.next() else { throw DeadlineExceeded() }
        return first
    }
}
