import Foundation

/// Parsing and formatting of RFC 3339 timestamps, exact to the microsecond.
///
/// Sources disagree on details: KEXP sends `2020-03-03T20:24:50.028000-08:00` (six fractional
/// digits), Spinitron `2024-02-16T14:05:00-0500` (no colon in the offset). Foundation's
/// `ISO8601DateFormatter` accepts neither reliably on every platform, so this parser is small
/// and strict instead.
public enum Timestamp {
    /// Parses an RFC 3339 timestamp with an explicit offset (`Z`, `+HH:MM` or `+HHMM`).
    /// Returns `nil` when the text is not such a timestamp.
    public static func parse(_ text: String) -> Date? {
        guard let fields = Fields(text), let offset = fields.offsetSeconds else { return nil }
        return fields.date(offsetSeconds: offset)
    }

    /// Parses a command-line or config date: an RFC 3339 timestamp, a naive `YYYY-MM-DDTHH:MM[:SS]`
    /// read in `timeZone`, or a plain `YYYY-MM-DD` meaning midnight in `timeZone`.
    ///
    /// With `endOfDay`, a plain date means the midnight *after* it, so an end date includes
    /// its whole day.
    public static func parseUserDate(_ text: String, timeZone: TimeZone, endOfDay: Bool = false) -> Date? {
        guard let fields = Fields(text) else { return nil }
        if let offset = fields.offsetSeconds { return fields.date(offsetSeconds: offset) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var components = DateComponents(
            year: fields.year, month: fields.month, day: fields.day,
            hour: fields.hour, minute: fields.minute, second: fields.second)
        if fields.dateOnly && endOfDay { components.day = fields.day + 1 }
        guard let base = calendar.date(from: components) else { return nil }
        return base.addingTimeInterval(Double(fields.micros) / 1_000_000)
    }

    /// Formats `date` as RFC 3339 in UTC with microseconds and an explicit `+00:00` offset.
    public static func format(_ date: Date) -> String {
        let micros = microseconds(date)
        let seconds = micros.floorDiv(1_000_000)
        let fraction = micros - seconds * 1_000_000
        let day = seconds.floorDiv(86_400)
        let secondOfDay = seconds - day * 86_400
        let (y, m, d) = civilDate(daysSinceEpoch: day)
        guard (0...9999).contains(y) else {
            return String(
                format: "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00", y, m, d,
                Int(secondOfDay / 3600), Int(secondOfDay % 3600 / 60), Int(secondOfDay % 60), Int(fraction))
        }
        // Written digit by digit: `String(format:)` costs microseconds, and every play's airdate
        // is formatted on its way to the catalog.
        var text = [UInt8]()
        text.reserveCapacity(32)
        func digits(_ value: Int, _ width: Int, then separator: Character?) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
            if let separator { text.append(separator.asciiValue!) }
        }
        digits(Int(y), 4, then: "-")
        digits(Int(m), 2, then: "-")
        digits(Int(d), 2, then: "T")
        digits(Int(secondOfDay / 3600), 2, then: ":")
        digits(Int(secondOfDay % 3600 / 60), 2, then: ":")
        digits(Int(secondOfDay % 60), 2, then: ".")
        digits(Int(fraction), 6, then: nil)
        text += Array("+00:00".utf8)
        return String(decoding: text, as: UTF8.self)
    }

    /// Whole microseconds since 1970, the precision every store keeps.
    public static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// The date `micros` microseconds after 1970.
    public static func date(microseconds micros: Int64) -> Date {
        Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }

    // Howard Hinnant's days-from-civil algorithms, exact for the proleptic Gregorian calendar.
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64((month + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilDate(daysSinceEpoch z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(yoe + era * 400 + (m <= 2 ? 1 : 0)), Int(m), Int(d))
    }

    /// The pieces of `YYYY-MM-DD[(T| )HH:MM[:SS[.ffffff]]][Z|±HH[:]MM]`.
    struct Fields {
        var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0
        var micros: Int64 = 0
        var offsetSeconds: Int?
        var dateOnly = true

        /// Days in a month of the proleptic Gregorian calendar (February 29 only in leap years).
        static func daysIn(month: Int, year: Int) -> Int {
            switch month {
            case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
            case 4, 6, 9, 11: return 30
            default: return 31
            }
        }

        init?(_ text: String) {
            var scanner = DigitScanner(Array(text.utf8))
            guard let y = scanner.number(digits: 4), scanner.take("-"),
                let mo = scanner.number(digits: 2), scanner.take("-"),
                let d = scanner.number(digits: 2), (1...12).contains(mo), (1...Self.daysIn(month: mo, year: y)).contains(d)
            else { return nil }
            (year, month, day) = (y, mo, d)
            if scanner.atEnd { return }
            guard scanner.take("T") || scanner.take("t") || scanner.take(" ") else { return nil }
            dateOnly = false
            guard let h = scanner.number(digits: 2), scanner.take(":"), let mi = scanner.number(digits: 2),
                h < 24, mi < 60
            else { return nil }
            (hour, minute) = (h, mi)
            if scanner.take(":") {
                guard let s = scanner.number(digits: 2), s <= 60 else { return nil }
                second = s
                if scanner.take(".") || scanner.take(",") {
                    guard let (value, count) = scanner.fraction() else { return nil }
                    micros = value
                    for _ in count..<6 { micros *= 10 }
                }
            }
            if scanner.atEnd { return }
            if scanner.take("Z") || scanner.take("z") {
                offsetSeconds = 0
            } else {
                let sign: Int
                if scanner.take("+") { sign = 1 } else if scanner.take("-") { sign = -1 } else { return nil }
                guard let oh = scanner.number(digits: 2) else { return nil }
                _ = scanner.take(":")
                let om = scanner.number(digits: 2) ?? 0
                guard oh < 24, om < 60 else { return nil }
                offsetSeconds = sign * (oh * 3600 + om * 60)
            }
            guard scanner.atEnd else { return nil }
        }

        func date(offsetSeconds: Int) -> Date {
            let days = Timestamp.daysSinceEpoch(year: year, month: month, day: day)
            let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
            return Timestamp.date(microseconds: seconds * 1_000_000 + micros)
        }
    }

    struct DigitScanner {
        let bytes: [UInt8]
        var index = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        var atEnd: Bool { index == bytes.count }

        mutating func take(_ character: Character) -> Bool {
            guard let ascii = character.asciiValue, index < bytes.count, bytes[index] == ascii else { return false }
            index += 1
            return true
        }

        mutating func number(digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + digits] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            index += digits
            return value
        }

        /// Up to six fractional digits as a value and a digit count; further digits are dropped.
        mutating func fraction() -> (Int64, Int)? {
            var value: Int64 = 0
            var count = 0
            while index < bytes.count, (48...57).contains(bytes[index]) {
                if count < 6 {
                    value = value * 10 + Int64(bytes[index] - 48)
                    count += 1
                }
                index += 1
            }
            return count == 0 ? nil : (value, count)
        }
    }
}

extension Int64 {
    fileprivate func floorDiv(_ divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
