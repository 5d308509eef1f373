import ABC
import IngestCore
import KEXP
import Spinitron

/// Every adapter the CLI offers, alphabetised. Adding a station is one line here.
let registeredAdapters: [any StationAdapterFactory.Type] = [
    ABCFactory.self,
    KEXPFactory.self,
    SpinitronFactory.self,
]
