// Ingests generated KEXP plays, served by a fake KEXP server in a separate process, into fresh
// catalogs with no polite delay, and prints plays per second, per-decile page write times, SQL
// statements per page and peak memory. See docs/performance.md.
//
//   radio-ingest-bench [--plays N] [--stores sqlite,postgres] [--catalog-songs N]
//                      [--catalog-plays N] [--parts] [--postgres URL] [--repeat N]
//
// --catalog-songs N first fills each catalog as another program would (Musicr's tables, N songs
// without match keys) and times keying them, then the first run on that catalog.
// --catalog-plays N also gives that catalog N plays of another station (and N/4 songs unless
// --catalog-songs says otherwise): the first run is then a new source's backfill.
// --dry-run previews instead (with --catalog-songs, on the catalog as filled, unkeyed).
// --feed URL uses a feed already serving (`radio-ingest-bench serve-feed --plays N`).
// --repeat N measures N times, each on a fresh catalog against the same feed process, and then
// summarises them: each run's slowest/fastest tenth, the tenths pooled over the runs (what grows
// with the tables, with the VM's spells of a few seconds averaged out), median times.
// --page-times FILE writes each page's write time (and when it ended) for plotting (with
// --repeat, the last run's).
// --parts also times the pipeline's parts alone (song keys; a KEXP page parsed by the Swift
// adapter and by its YAML twin).
// Without --postgres, $RADIO_INGEST_TEST_POSTGRES_URL is used when set (an administrator URL:
// each measurement creates a database of its own).
import Foundation
import IngestCore
import IngestEngine
import IngestTesting
import KEXP
import Logging

func argument(_ name: String) -> String? {
    let args = CommandLine.arguments
    guard let index = args.firstIndex(of: name), index + 1 < args.count else { return nil }
    return args[index + 1]
}

// As the CLI does first thing (see AllocatorArenas).
AllocatorArenas.limit()
let playCount = Int(argument("--plays") ?? "100000") ?? 100_000
if CommandLine.arguments.dropFirst().first == FeedProcess.command { try await FeedProcess.serve(plays: playCount) }

if let url = argument("--postgres") { setenv("RADIO_INGEST_TEST_POSTGRES_URL", url, 1) }
let hasPostgres = !(ProcessInfo.processInfo.environment["RADIO_INGEST_TEST_POSTGRES_URL"] ?? "").isEmpty
let stores = (argument("--stores") ?? "sqlite,postgres").split(separator: ",").compactMap { StoreKind(rawValue: String($0)) }
let catalogPlays = argument("--catalog-plays").flatMap(Int.init)
let catalogSongs = argument("--catalog-songs").flatMap(Int.init) ?? catalogPlays.map { max(1, $0 / 4) }

// --feed URL: a feed process started by someone else (Benchmarks/compare-dlt.sh shares one with dlt).
let feedProcess = try argument("--feed").flatMap(URL.init(string:)) == nil ? FeedProcess.Handle(plays: playCount) : nil
defer { feedProcess?.stop() }
guard let apiRoot = argument("--feed").flatMap(URL.init(string:)) ?? feedProcess?.apiRoot else { fatalError("no feed") }
let feedSongs = max(500, playCount / 4)
print("feed: \(playCount) generated plays on \(apiRoot) (a separate process)")

if CommandLine.arguments.contains("--parts") {
    let rows = FeedProcess.feed(plays: min(playCount, 100_000)).validTrackRows
    var keys = 0
    let keying = await seconds { for row in rows where SongKey.make(title: row.song ?? "", artist: row.artist ?? "") != nil { keys += 1 } }
    print(String(format: "song keys alone: %d in %.2f s = %.0f keys/s", keys, keying, Double(keys) / keying))
    try await ParseSpeed.measure()
}

let repeats = max(1, Int(argument("--repeat") ?? "1") ?? 1)
for kind in stores {
    if kind == .postgres && !hasPostgres {
        print("postgres: skipped (pass --postgres URL or set RADIO_INGEST_TEST_POSTGRES_URL)")
        continue
    }
    var runs = RepeatedRuns()
    for round in 1...repeats {
        if repeats > 1 { print("\(kind.rawValue): run \(round) of \(repeats)") }
        runs.add(try await measureOnce(kind))
    }
    if repeats > 1 { print(runs.summary(kind)) }
}

/// One measurement on a fresh catalog: keying it first when it is a foreign one, then a run.
func measureOnce(_ kind: StoreKind) async throws -> RepeatedRuns.Run {
    let catalog = try await TestCatalog.make(kind)
    defer { catalog.remove() }
    let dryRun = CommandLine.arguments.contains("--dry-run")
    if let catalogSongs {
        try await ForeignCatalog.fill(catalog, songs: catalogSongs, feedSongs: feedSongs)
        if let catalogPlays { try await ForeignCatalog.addPlays(catalog, count: catalogPlays, songs: catalogSongs) }
    }
    var keyingSeconds: Double?
    // A dry run previews against the catalog as it is (its songs not keyed yet).
    if catalogSongs != nil, !dryRun {
        let store = try catalog.open()
        resetPeakMemory()
        let before = residentMemoryMiB()
        var keyed = 0
        let keying = try await seconds {
            try await store.migrate()
            keyed = try await store.prepareForMatching(readOnly: false)
        }
        print(
            String(
                format: "%@: keyed %d foreign songs in %.1f s (%.0f songs/s), peak memory %.0f MiB (%.0f MiB resident before)",
                kind.rawValue, keyed, keying, Double(keyed) / keying, peakMemoryMiB(), before))
        await store.close()
        keyingSeconds = keying
    }
    let run = try await IngestRun.measure(kind, catalog: catalog, apiRoot: apiRoot, dryRun: dryRun)
    return RepeatedRuns.Run(keyingSeconds: keyingSeconds, runSeconds: run?.seconds, tenths: run?.tenths)
}
