import ArgumentParser
import IngestCore

/// Supplies a ``SourceCommand`` with its adapter. ArgumentParser needs a type per subcommand, so
/// each Swift adapter has one (``SwiftSlot``) and YAML adapters, known only at run time, take
/// numbered slots (``DeclaredSlot``) in the order they were loaded.
protocol AdapterSlot {
    static var entry: AdapterEntry { get }
}

enum SwiftSlot<Factory: StationAdapterFactory>: AdapterSlot {
    static var entry: AdapterEntry { .swift(Factory.self) }
}

protocol SlotIndex { static var index: Int { get } }

enum DeclaredSlot<Index: SlotIndex>: AdapterSlot {
    static var entry: AdapterEntry { AdapterCatalog.current.declared[Index.index] }
}

enum S0: SlotIndex { static let index = 0 }
enum S1: SlotIndex { static let index = 1 }
enum S2: SlotIndex { static let index = 2 }
enum S3: SlotIndex { static let index = 3 }
enum S4: SlotIndex { static let index = 4 }
enum S5: SlotIndex { static let index = 5 }
enum S6: SlotIndex { static let index = 6 }
enum S7: SlotIndex { static let index = 7 }
enum S8: SlotIndex { static let index = 8 }
enum S9: SlotIndex { static let index = 9 }
enum S10: SlotIndex { static let index = 10 }
enum S11: SlotIndex { static let index = 11 }
enum S12: SlotIndex { static let index = 12 }
enum S13: SlotIndex { static let index = 13 }
enum S14: SlotIndex { static let index = 14 }
enum S15: SlotIndex { static let index = 15 }
enum S16: SlotIndex { static let index = 16 }
enum S17: SlotIndex { static let index = 17 }
enum S18: SlotIndex { static let index = 18 }
enum S19: SlotIndex { static let index = 19 }
enum S20: SlotIndex { static let index = 20 }
enum S21: SlotIndex { static let index = 21 }
enum S22: SlotIndex { static let index = 22 }
enum S23: SlotIndex { static let index = 23 }
enum S24: SlotIndex { static let index = 24 }
enum S25: SlotIndex { static let index = 25 }
enum S26: SlotIndex { static let index = 26 }
enum S27: SlotIndex { static let index = 27 }
enum S28: SlotIndex { static let index = 28 }
enum S29: SlotIndex { static let index = 29 }
enum S30: SlotIndex { static let index = 30 }
enum S31: SlotIndex { static let index = 31 }

/// The subcommands YAML adapters can take.
let declaredSlots: [any ParsableCommand.Type] = [
    SourceCommand<DeclaredSlot<S0>>.self, SourceCommand<DeclaredSlot<S1>>.self, SourceCommand<DeclaredSlot<S2>>.self,
    SourceCommand<DeclaredSlot<S3>>.self, SourceCommand<DeclaredSlot<S4>>.self, SourceCommand<DeclaredSlot<S5>>.self,
    SourceCommand<DeclaredSlot<S6>>.self, SourceCommand<DeclaredSlot<S7>>.self, SourceCommand<DeclaredSlot<S8>>.self,
    SourceCommand<DeclaredSlot<S9>>.self, SourceCommand<DeclaredSlot<S10>>.self, SourceCommand<DeclaredSlot<S11>>.self,
    SourceCommand<DeclaredSlot<S12>>.self, SourceCommand<DeclaredSlot<S13>>.self, SourceCommand<DeclaredSlot<S14>>.self,
    SourceCommand<DeclaredSlot<S15>>.self, SourceCommand<DeclaredSlot<S16>>.self, SourceCommand<DeclaredSlot<S17>>.self,
    SourceCommand<DeclaredSlot<S18>>.self, SourceCommand<DeclaredSlot<S19>>.self, SourceCommand<DeclaredSlot<S20>>.self,
    SourceCommand<DeclaredSlot<S21>>.self, SourceCommand<DeclaredSlot<S22>>.self, SourceCommand<DeclaredSlot<S23>>.self,
    SourceCommand<DeclaredSlot<S24>>.self, SourceCommand<DeclaredSlot<S25>>.self, SourceCommand<DeclaredSlot<S26>>.self,
    SourceCommand<DeclaredSlot<S27>>.self, SourceCommand<DeclaredSlot<S28>>.self, SourceCommand<DeclaredSlot<S29>>.self,
    SourceCommand<DeclaredSlot<S30>>.self, SourceCommand<DeclaredSlot<S31>>.self,
]

extension AdapterCatalog {
    /// One subcommand per adapter, by name: Swift adapters' own, YAML ones in their slots.
    var commands: [any ParsableCommand.Type] {
        var byName: [String: any ParsableCommand.Type] = [:]
        for factory in swiftAdapters { byName[factory.name] = swiftCommand(factory) }
        for (index, entry) in declared.enumerated() { byName[entry.name] = declaredSlots[index] }
        return byName.keys.sorted().compactMap { byName[$0] }
    }
}

func swiftCommand<Factory: StationAdapterFactory>(_ factory: Factory.Type) -> any ParsableCommand.Type {
    SourceCommand<SwiftSlot<Factory>>.self
}
