import Foundation

/// Where a run stands after a page: what a progress display shows.
public struct WalkProgress: Sendable {
    public var source: String
    public var runID: Int64?
    public var pages: Int
    public var trackPlays: Int
    /// Plays stored so far (in a dry run: that a real run would store).
    public var stored: Int
    /// How far back (newest-first sources) or forward the walk has reached in air time.
    public var reached: Date?
    /// The station's zone, for showing `reached` in the station's own time.
    public var timeZone: TimeZone
    /// Time since the run started.
    public var elapsed: Duration
    public var dryRun: Bool
    /// The run has ended; a display clears or finishes its line.
    public var finished = false

    /// Track plays per second since the run started.
    public var playsPerSecond: Double {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return seconds > 0 ? Double(trackPlays) / seconds : 0
    }
}
