import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The process's malloc arenas, set once at start by the executables (the CLI and the
/// benchmark), never by the library.
///
/// glibc gives threads that allocate at the same time arenas of their own, up to eight per
/// core, and each arena keeps the memory freed into it. An ingesting process runs Swift's
/// concurrency threads, NIO's event loops and GRDB's queues, so freed page buffers end up spread
/// over many arenas. Two arenas keep the peak about 12 MiB lower when keying a 2,000,000-song
/// SQLite catalog, for about 3% more time in a PostgreSQL backfill (docs/performance.md): the
/// memory target is the harder one. `MALLOC_ARENA_MAX` in the environment still wins.
public enum AllocatorArenas {
    /// How many arenas the process keeps unless `MALLOC_ARENA_MAX` says otherwise.
    public static let count: Int32 = 2

    /// Limits the arenas to ``count`` (glibc only; elsewhere it does nothing). Call it first
    /// thing, before other threads start.
    public static func limit(environment: [String: String] = ProcessInfo.processInfo.environment) {
        #if canImport(Glibc)
            guard environment["MALLOC_ARENA_MAX"] == nil, let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt")
            else { return }
            // `mallopt` is in <malloc.h>, which the Glibc module does not import; -8 is its
            // `M_ARENA_MAX`.
            let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
            _ = mallopt(-8, count)
        #endif
    }
}
