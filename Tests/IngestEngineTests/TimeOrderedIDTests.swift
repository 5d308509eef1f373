import Foundation
import Testing

@testable import IngestEngine

/// The ids made for new songs and plays: valid version 7 UUIDs that sort in the order they
/// were made.
@Suite struct TimeOrderedIDTests {
    @Test func idsAreVersion7UUIDsInCreationOrder() {
        let ids = (0..<10_000).map { _ in TimeOrderedID.make() }
        #expect(Set(ids).count == ids.count, "no id repeats")
        #expect(ids == ids.sorted(), "each id sorts after the one made before it")
        for id in ids.prefix(100) {
            let uuid = UUID(uuidString: id)
            #expect(uuid != nil && uuid?.uuidString.lowercased() == id, "\(id) is a lowercase UUID")
            let characters = Array(id)
            #expect(characters[14] == "7", "version 7: \(id)")
            #expect("89ab".contains(characters[19]), "RFC 9562 variant: \(id)")
        }
    }

    @Test func theLeadingBitsAreTheUnixTimeInMilliseconds() {
        let before = UInt64(Date().timeIntervalSince1970 * 1000)
        let id = TimeOrderedID.make()
        let after = UInt64(Date().timeIntervalSince1970 * 1000)
        let hex = id.replacingOccurrences(of: "-", with: "").prefix(12)
        let milliseconds = UInt64(hex, radix: 16) ?? 0
        #expect(milliseconds >= before && milliseconds <= after + 1)
    }

    @Test func partsAreLaidOutAsRFC9562Says() {
        #expect(
            TimeOrderedID.format(milliseconds: 0x0197_8a2b_3c4d, sequence: 0xABC, random: .max)
                == "01978a2b-3c4d-7abc-bfff-ffffffffffff")
        #expect(TimeOrderedID.format(milliseconds: 0, sequence: 0, random: 0) == "00000000-0000-7000-8000-000000000000")
    }
}
