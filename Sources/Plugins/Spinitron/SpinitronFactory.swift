import Foundation
import IngestCore

/// Registers Spinitron; one source per station, each with its own API key.
public enum SpinitronFactory: StationAdapterFactory {
    public static let name = "spinitron"
    public static let summary = "Ingest a Spinitron station's spins (needs the station's API key in the environment)."
    public static var defaultBaseURL: URL { SpinitronAdapter.defaultBaseURL }
    public static let options = [
        AdapterOption(name: "api_key_env", help: "The environment variable holding the station's API key (default: SPINITRON_API_KEY)"),
        AdapterOption(name: "time_zone", help: "The station's time zone for date-only flags, such as America/New_York (default: UTC)"),
    ]

    public static func validate(options: [String: String]) throws {
        try rejectUnknownOptions(AdapterSettings(sourceName: name, options: options))
        if let zone = options["time_zone"], TimeZone(identifier: zone) == nil {
            throw IngestError.usage("'\(zone)' is not a time zone (use an IANA name such as America/New_York)")
        }
    }

    public static func make(_ settings: AdapterSettings) throws -> any StationAdapter {
        try validate(options: settings.options)
        let variable = settings.options["api_key_env"] ?? "SPINITRON_API_KEY"
        guard let key = settings.environment[variable], !key.isEmpty else {
            throw IngestError.usage("the spinitron source '\(settings.sourceName)' needs its station's API key in $\(variable)")
        }
        var zone = TimeZone.gmt
        if let name = settings.options["time_zone"] {
            guard let parsed = TimeZone(identifier: name) else {
                throw IngestError.usage("'\(name)' is not a time zone (use an IANA name such as America/New_York)")
            }
            zone = parsed
        }
        return SpinitronAdapter(
            sourceName: settings.sourceName, apiKey: key, timeZone: zone,
            baseURL: settings.baseURL ?? defaultBaseURL, pageSize: settings.pageSize ?? SpinitronAdapter.maxPageSize)
    }
}
