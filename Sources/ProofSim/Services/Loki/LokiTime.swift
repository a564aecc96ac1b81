import Foundation

/// Time parsing and formatting as Loki's HTTP API does it.
enum LokiTime {
    /// Nanoseconds since the epoch of `date`.
    static func nanoseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1e9).rounded()) }

    /// A `start`/`end`/`time` parameter: integer nanoseconds (or seconds when 10 digits or fewer), float
    /// seconds, or RFC 3339. `nil` for text that is none of those.
    static func parse(_ text: String) -> Int64? {
        if text.contains("."), let seconds = Double(text) { return Int64((seconds * 1e9).rounded()) }
        if let value = Int64(text) { return text.count <= 10 ? value * 1_000_000_000 : value }
        return rfc3339(text)
    }

    /// RFC 3339 with optional fractional seconds (`2026-11-27T10:00:00.123456Z`) to nanoseconds.
    static func rfc3339(_ text: String) -> Int64? {
        if let seconds = utcSeconds(text) { return seconds * 1_000_000_000 }
        var base = text
        var fraction: Int64 = 0
        if let dot = text.firstIndex(of: ".") {
            let afterDot = text[text.index(after: dot)...]
            let digits = afterDot.prefix(while: \.isNumber)
            guard !digits.isEmpty else { return nil }
            let padded = (String(digits) + "000000000").prefix(9)
            fraction = Int64(padded) ?? 0
            base = String(text[..<dot]) + String(afterDot.dropFirst(digits.count))
        }
        guard let date = try? Date(base, strategy: .iso8601) else { return nil }
        return Int64(date.timeIntervalSince1970) * 1_000_000_000 + fraction
    }

    /// Seconds since the epoch of exactly `YYYY-MM-DDTHH:MM:SSZ` (how the API server writes every timestamp),
    /// read without Foundation's parser (the simulated services read pod start times many times a second);
    /// `nil` for any other shape, which `rfc3339` then reads the general way.
    static func utcSeconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit <= 9 else { return nil }
                value = value * 10 + Int64(digit)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19), (1...12).contains(month), (1...31).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let monthDays: [Int64] = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day <= monthDays[Int(month - 1)] else { return nil }
        // Days from the civil date (the proleptic Gregorian calendar; March-based years put the leap day last).
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return days * 86_400 + hour * 3_600 + minute * 60 + second
    }

    /// A `step`: a duration (`15s`, `1m`) or float seconds, in nanoseconds.
    static func step(_ text: String) -> Int64? {
        if let seconds = Double(text) { return Int64((seconds * 1e9).rounded()) }
        return LogQLParser.duration(text)
    }

    /// Go's `time.Duration.String()` for whole seconds (`744h0m0s`).
    static func goDuration(seconds: Int64) -> String {
        let hours = seconds / 3600
        let minutes = (seconds % 3600) / 60
        let rest = seconds % 60
        if hours > 0 { return "\(hours)h\(minutes)m\(rest)s" }
        if minutes > 0 { return "\(minutes)m\(rest)s" }
        return "\(rest)s"
    }

    /// RFC 3339 text of a nanosecond time (for error messages).
    static func text(_ nanoseconds: Int64) -> String {
        Date(timeIntervalSince1970: Double(nanoseconds) / 1e9).formatted(.iso8601)
    }

    /// A matrix/vector timestamp: seconds, as a JSON number (fractional only when needed).
    static func seconds(_ nanoseconds: Int64) -> JSON {
        nanoseconds % 1_000_000_000 == 0 ? .int(nanoseconds / 1_000_000_000) : .double(Double(nanoseconds) / 1e9)
    }
}

import ProofCore
