import Foundation
import IngestCore

/// Registers the ABC music API; one source per station.
public enum ABCFactory: StationAdapterFactory {
    public static let name = "abc"
    public static let summary = "Ingest an ABC (Australia) station's plays: triple j, Double J, ABC Jazz, …"
    public static var defaultBaseURL: URL { ABCAdapter.defaultBaseURL }
    public static let options = [
        AdapterOption(name: "station", help: "The ABC service: triplej, doublej, jazz, unearthed, classic2, country, … (required)")
    ]

    public static func validate(options: [String: String]) throws {
        try rejectUnknownOptions(AdapterSettings(sourceName: name, options: options))
        guard let station = options["station"], !station.isEmpty else {
            throw IngestError.usage("the abc adapter needs a station, as in --station triplej (or options: { station: triplej })")
        }
        guard station.range(of: #"^[a-z0-9]+$"#, options: .regularExpression) != nil else {
            throw IngestError.usage("'\(station)' is not an ABC station id (lowercase letters and digits, such as triplej)")
        }
    }

    public static func make(_ settings: AdapterSettings) throws -> any StationAdapter {
        try validate(options: settings.options)
        let station = settings.options["station"] ?? ""
        let sourceName = settings.sourceName(adapter: name, perStation: "abc-\(station)")
        return ABCAdapter(
            station: station, sourceName: sourceName, baseURL: settings.baseURL ?? defaultBaseURL,
            pageSize: settings.pageSize ?? ABCAdapter.maxPageSize)
    }
}
