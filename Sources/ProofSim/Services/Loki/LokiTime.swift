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
