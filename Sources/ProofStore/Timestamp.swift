import Foundation

/// How the store writes instants: RFC 3339 in UTC with milliseconds (`2026-11-27T10:18:41.123Z`), which sorts
/// as text in time order and reads the same in `sqlite3` as in the reports.
///
/// Instants are rounded to the millisecond, and `format(parse(text)) == text` for every text this writes,
/// which digests over timestamps depend on.
public enum Timestamp {
    /// `date` as stored text.
    public static func format(_ date: Date) -> String {
        let milliseconds = milliseconds(date)
        let seconds = milliseconds.floorDivided(by: 1000)
        let fraction = Int32(milliseconds - seconds * 1000)
        let (day, time) = fields(seconds, dateSeparator: "-", timeSeparator: ":")
        return "\(day)T\(time).\(pad(fraction, 3))Z"
    }

    /// `date` to the second, in UTC: `2026-11-27T11:24:10Z`, or with `compact` `20261127T112410Z` (for file
    /// names). Rounded to the millisecond, then truncated, as Foundation's date formatters write it, without them
    /// (their first use loads ICU's data).
    public static func formatSeconds(_ date: Date, compact: Bool = false) -> String {
        let seconds = milliseconds(date).floorDivided(by: 1000)
        let (day, time) = fields(seconds, dateSeparator: compact ? "" : "-", timeSeparator: compact ? "" : ":")
        return "\(day)T\(time)Z"
    }

    /// `date` in whole milliseconds since 1970 (rounded): every form written starts from it.
    private static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// The UTC date (`2026-11-27`) and time of day (`11:24:10`) of `seconds` since 1970, with the separators given.
    private static func fields(_ seconds: Int64, dateSeparator: String, timeSeparator: String) -> (String, String) {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return (
            [pad(parts.tm_year + 1900, 4), pad(parts.tm_mon + 1, 2), pad(parts.tm_mday, 2)].joined(separator: dateSeparator),
            [pad(parts.tm_hour, 2), pad(parts.tm_min, 2), pad(parts.tm_sec, 2)].joined(separator: timeSeparator)
        )
    }

    private static func pad(_ value: Int32, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// The instant of stored text; `nil` when it is not a timestamp this store wrote.
    public static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 24, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            bytes[19] == UInt8(ascii: "."), bytes[23] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var value: Int32 = 0
            for index in range {
                let byte = bytes[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int32(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            let millisecond = number(20..<23)
        else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        let seconds = Int64(timegm(&parts))
        return Date(timeIntervalSince1970: Double(seconds * 1000 + Int64(millisecond)) / 1000)
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
