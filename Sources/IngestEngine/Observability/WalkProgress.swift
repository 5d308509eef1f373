import Foundation
import IngestCore

/// Where a run stands after a page: what a progress display shows.
public struct WalkProgress: Sendable {
    public var source: String
    public var runID: Int64?
    public var pages: Int
    public var trackPlays: Int
    /// Plays stored so far (in a dry run: that a real run would store).
    public var stored: Int
    /// How far back (newest-first sources) or forward the walk has reached in air time, in the
    /// station's own time (`2023-11-14 04:25 PST`).
    public var reached: String?
    /// Time since the run started.
    public var elapsed: Duration
    public var dryRun: Bool
    /// The run has ended; a display clears or finishes its line.
    public var finished = false

    /// Track plays per second since the run started.
    public var playsPerSecond: Double {
        elapsed.seconds > 0 ? Double(trackPlays) / elapsed.seconds : 0
    }
}
