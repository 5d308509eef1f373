/// When the daemon runs a source next.
public enum SourceSchedule {
    /// The regular interval plus up to `jitter`; after consecutive failures, the interval
    /// doubled per failure, capped at one hour (or the interval, if that is longer).
    public static func nextWait(
        _ schedule: SourceConfig.Schedule, failures: Int,
        random: (Duration) -> Duration = SourceSchedule.randomUpTo
    ) -> Duration {
        guard failures > 0 else { return schedule.every + random(schedule.jitter) }
        let backoff = schedule.every * (1 << min(failures, 12))
        return min(backoff, max(schedule.every, .seconds(3600)))
    }

    /// A random duration from zero to `maximum`, to the millisecond.
    public static func randomUpTo(_ maximum: Duration) -> Duration {
        guard maximum > .zero else { return .zero }
        let milliseconds = maximum.components.seconds * 1000 + maximum.components.attoseconds / 1_000_000_000_000_000
        return .milliseconds(Int64.random(in: 0...max(0, milliseconds)))
    }
}
