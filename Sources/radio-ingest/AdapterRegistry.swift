import IngestCore
import KEXP

/// Every adapter the CLI offers, alphabetised. Adding a station is one line here.
let registeredAdapters: [any StationAdapterFactory.Type] = [
    KEXPFactory.self,
]
