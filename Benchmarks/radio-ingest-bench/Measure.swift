import Foundation
import IngestCore
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Wall-clock seconds of `body`.
func seconds(of body: () async throws -> Void) async rethrows -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    try await body()
    return (clock.now - start).seconds
}

/// The process's peak resident memory since the last ``resetPeakMemory()`` (Linux `VmHWM`).
func peakMemoryMiB() -> Double {
    procStatusMiB("VmHWM:")
        ?? {
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return Double(usage.ru_maxrss) / 1024
        }()
}

/// The process's resident memory now (Linux `VmRSS`), in MiB.
func residentMemoryMiB() -> Double {
    procStatusMiB("VmRSS:") ?? 0
}

/// One `kB` line of `/proc/self/status`, in MiB.
func procStatusMiB(_ field: String) -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) }),
        let kib = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return nil }
    return kib / 1024
}

/// Starts a new peak-memory measurement (Linux: writing 5 to `clear_refs` resets `VmHWM`).
func resetPeakMemory() {
    try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
}

/// Collects each page's write time from the engine's `page done` log lines.
struct PageTimeCollector: LogHandler {
    final class Times: Sendable {
        let writes = Mutex<[Double]>([])
        let fetches = Mutex<[Double]>([])
        /// When each page's write ended (seconds since 1970), for `--page-times`.
        let ends = Mutex<[Double]>([])
    }

    let times = Times()
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug  // "page done" (with its timings) is a debug event

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard event.message == "page done", let metadata = event.metadata else { return }
        if case .string(let value) = metadata["ingest.write_ms"], let ms = Double(value) {
            times.writes.withLock { $0.append(ms) }
            times.ends.withLock { $0.append(Date().timeIntervalSince1970) }
        }
        if case .string(let value) = metadata["ingest.fetch_ms"], let ms = Double(value) { times.fetches.withLock { $0.append(ms) } }
        if event.level >= .warning { print("  \(event.level): \(event.message)") }
    }
}

/// Page write times in ten consecutive groups (the run's first tenth of pages, its second, ...):
/// the mean of each, and how the slowest compares with the fastest. Also the trend: a straight
/// line fitted to every page's time (least squares), its value at the last page over its value
/// at the first. The tenths' ratio counts this VM's slow and fast spells of a few seconds as
/// much as growth; the trend shows what grows with the tables.
struct Deciles {
    let means: [Double]
    let trend: Double

    init(_ times: [Double]) {
        let size = max(1, times.count / 10)
        means = stride(from: 0, to: min(times.count, size * 10), by: size).map { start in
            let slice = times[start..<min(start + size, times.count)]
            return slice.reduce(0, +) / Double(slice.count)
        }
        let n = Double(times.count)
        let meanX = (n - 1) / 2
        let meanY = times.reduce(0, +) / max(n, 1)
        var covariance = 0.0
        var variance = 0.0
        for (x, y) in times.enumerated() {
            covariance += (Double(x) - meanX) * (y - meanY)
            variance += (Double(x) - meanX) * (Double(x) - meanX)
        }
        let slope = variance > 0 ? covariance / variance : 0
        let start = meanY - slope * meanX
        trend = (start + slope * (n - 1)) / max(start, 0.001)
    }

    var ratio: Double { (means.max() ?? 0) / max(means.min() ?? 1, 0.001) }

    var description: String {
        "page write ms by decile of the run: " + means.map { String(format: "%.1f", $0) }.joined(separator: " ")
            + String(format: " (slowest/fastest %.2fx; fitted trend, last page/first %.2fx)", ratio, trend)
    }
}

/// CPU seconds this process has used (user and system).
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
