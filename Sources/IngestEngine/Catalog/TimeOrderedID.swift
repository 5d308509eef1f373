import Foundation
import Synchronization

/// The ids RadioIngest makes for new songs and plays: version 7 UUIDs (RFC 9562), lowercase.
///
/// A version 7 UUID starts with the Unix time in milliseconds, so ids made later sort later
/// and each new row's id lands at the end of its primary-key index. Random (version 4) ids
/// land on a random page of an index that soon outgrows every cache: each insert then reads
/// a page, and each commit writes one back, so page writes slowed as the catalog grew. Any
/// UUID column accepts them; they carry no more than the row's creation time, which the
/// catalog records anyway.
///
/// Within one millisecond the 12 bits after the version count up from a random start, so ids
/// made by this process never go backwards (RFC 9562, method 1); the last 62 bits are random.
public enum TimeOrderedID {
    private static let last = Mutex<(milliseconds: UInt64, sequence: UInt16)>((0, 0))
    private static let digits = Array("0123456789abcdef".utf8)

    /// A new id.
    public static func make() -> String {
        let now = UInt64(max(0, Date().timeIntervalSince1970 * 1000))
        let (milliseconds, sequence) = last.withLock { last in
            if now > last.milliseconds {
                last = (now, UInt16.random(in: 0..<0x800))
            } else if last.sequence < 0xFFF {
                last.sequence += 1
            } else {
                last = (last.milliseconds + 1, 0)  // 4,096 ids in one millisecond: borrow the next
            }
            return last
        }
        return format(milliseconds: milliseconds, sequence: sequence, random: UInt64.random(in: 0...UInt64.max))
    }

    /// The id of these parts: `milliseconds` (48 bits), `sequence` (12 bits), `random` (62 bits).
    static func format(milliseconds: UInt64, sequence: UInt16, random: UInt64) -> String {
        let high = (milliseconds & 0xFFFF_FFFF_FFFF) << 16 | 0x7000 | UInt64(sequence & 0xFFF)
        let low = 0x8000_0000_0000_0000 | (random & 0x3FFF_FFFF_FFFF_FFFF)
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var at = 0
            for (word, nibbles) in [(high, 0..<16), (low, 16..<32)] {
                for n in nibbles {
                    if n == 8 || n == 12 || n == 16 || n == 20 {
                        buffer[at] = UInt8(ascii: "-")
                        at += 1
                    }
                    buffer[at] = digits[Int((word >> UInt64(60 - 4 * (n % 16))) & 0xF)]
                    at += 1
                }
            }
            return at
        }
    }
}
