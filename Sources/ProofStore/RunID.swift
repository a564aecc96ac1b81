import Foundation

/// The identity of a run: 26 characters of Crockford base32, a 48-bit millisecond timestamp followed by
/// 80 random bits (the ULID layout), so ids sort by start time as text and never collide across hosts —
/// which is what lets `proof merge` combine stores without renumbering runs.
public struct RunID: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    /// The id as text.
    public let rawValue: String

    /// Wraps an id read from a store or typed by a user.
    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    /// A fresh id for a run starting at `date`.
    public static func generate(at date: Date = .now) -> RunID {
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var generator = SystemRandomNumberGenerator()
        let random = (UInt64.random(in: 0...UInt64.max, using: &generator), UInt16.random(in: 0...UInt16.max, using: &generator))
        var out = [UInt8](repeating: 0, count: 26)
        // 10 characters of time (50 bits, top 2 always zero), then 16 characters of randomness (80 bits).
        var time = milliseconds
        for index in stride(from: 9, through: 0, by: -1) {
            out[index] = alphabet[Int(time & 31)]
            time >>= 5
        }
        var high = random.0
        var low = UInt64(random.1)
        for index in stride(from: 25, through: 10, by: -1) {
            out[index] = alphabet[Int(low & 31)]
            low = (low >> 5) | ((high & 31) << 11)
            high >>= 5
        }
        return RunID(String(decoding: out, as: UTF8.self))
    }

    /// The last eight characters, for file names and headings (`docs/proof/<scenario>/<time>-<short>.md`).
    public var short: String { String(rawValue.suffix(8)) }

    public var description: String { rawValue }

    public static func < (lhs: RunID, rhs: RunID) -> Bool { lhs.rawValue < rhs.rawValue }
}
