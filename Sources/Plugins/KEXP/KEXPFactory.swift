import Foundation
import IngestCore

/// Registers KEXP with the CLI and config.
public enum KEXPFactory: StationAdapterFactory {
    public static let name = "kexp"
    public static let summary = "Ingest KEXP 90.3 FM (Seattle) plays from api.kexp.org."
    public static var defaultBaseURL: URL { KEXPAdapter.defaultBaseURL }

    public static func make(_ settings: AdapterSettings) throws -> any StationAdapter {
        try rejectUnknownOptions(settings)
        if let size = settings.pageSize, !(1...KEXPAdapter.maxPageSize).contains(size) {
            throw IngestError.usage("kexp page size must be 1...\(KEXPAdapter.maxPageSize), not \(size)")
        }
        return KEXPAdapter(
            sourceName: settings.sourceName, baseURL: settings.baseURL ?? defaultBaseURL,
            pageSize: settings.pageSize ?? KEXPAdapter.maxPageSize)
    }
}
