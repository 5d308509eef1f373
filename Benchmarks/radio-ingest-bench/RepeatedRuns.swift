import Foundation
import IngestTesting

/// Several measurements of the same case (`--repeat N`) and what they say together.
///
/// One run's slowest/fastest tenth multiplies what grows with the tables by this VM's spells of
/// a few seconds (±15%). Pooling each tenth over the runs (the mean of every run's first tenth,
/// of every run's second, ...) averages the spells out, since they fall at different moments
/// of each run, and leaves what the table sizes do. Both are printed: the per-run ratios are
/// what a single run shows.
struct RepeatedRuns {
    struct Run {
        var keyingSeconds: Double?
        var runSeconds: Double?
        /// Page writes by tenth (a run of at least ten pages).
        var tenths: Deciles?
    }

    private(set) var runs: [Run] = []

    mutating func add(_ run: Run) { runs.append(run) }

    func summary(_ kind: StoreKind, limit: Double = 1.25) -> String {
        var lines = ["\(kind.rawValue): \(runs.count) runs"]
        let keying = runs.compactMap(\.keyingSeconds)
        if !keying.isEmpty {
            lines.append("  keying s: " + Self.list(keying, "%.1f") + String(format: " (median %.1f)", Self.median(keying)))
        }
        let seconds = runs.compactMap(\.runSeconds)
        if !seconds.isEmpty {
            lines.append("  run s: " + Self.list(seconds, "%.2f") + String(format: " (median %.2f)", Self.median(seconds)))
        }
        let tenths = runs.compactMap(\.tenths).filter { $0.means.count == 10 }
        if !tenths.isEmpty {
            let ratios = tenths.map(\.ratio)
            lines.append(
                "  slowest/fastest tenth per run: " + Self.list(ratios, "%.2f")
                    + String(
                        format: " (%d of %d within %.2fx, median %.2fx)", ratios.filter { $0 <= limit }.count, ratios.count, limit,
                        Self.median(ratios)))
            lines.append(
                "  fitted trend per run: " + Self.list(tenths.map(\.trend), "%.2f")
                    + String(format: " (median %.2fx)", Self.median(tenths.map(\.trend))))
            let pooled = (0..<10).map { i in tenths.map { $0.means[i] }.reduce(0, +) / Double(tenths.count) }
            let ratio = (pooled.max() ?? 0) / max(pooled.min() ?? 1, 0.001)
            lines.append(
                "  tenths pooled over the runs, ms: " + Self.list(pooled, "%.1f") + String(format: " (slowest/fastest %.2fx)", ratio))
        }
        return lines.joined(separator: "\n")
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    private static func list(_ values: [Double], _ format: String) -> String {
        values.map { String(format: format, $0) }.joined(separator: " ")
    }
}
