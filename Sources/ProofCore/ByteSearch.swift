import Foundation

/// Finding a literal in bytes: what the redactor's scanners and the diff's noise rules do on every string of
/// every object, where Foundation's string search costs many times more.
public enum ByteSearch {
    /// The first position at or after `start` where `literal` stands in `bytes` (`start` itself for an empty
    /// literal that fits).
    public static func firstIndex(of literal: [UInt8], in bytes: UnsafeBufferPointer<UInt8>, from start: Int = 0) -> Int? {
        guard start >= 0, start <= bytes.count, literal.count <= bytes.count - start else { return nil }
        guard let first = literal.first else { return start }
        guard let base = bytes.baseAddress else { return nil }
        return literal.withUnsafeBufferPointer { literal in
            for position in start...(bytes.count - literal.count) where bytes[position] == first {
                if memcmp(base + position, literal.baseAddress!, literal.count) == 0 { return position }
            }
            return nil
        }
    }

    /// Whether the UTF-8 bytes of `needle` stand in `text` (an empty needle stands everywhere).
    public static func contains(_ needle: String, in text: String) -> Bool {
        var text = text
        let literal = Array(needle.utf8)
        return text.withUTF8 { firstIndex(of: literal, in: $0) != nil }
    }
}

/// The order of byte strings (`memcmp`, then length): the canonical order of JSON member names and of
/// snapshot member keys, compared thousands of times per capture.
public enum ByteOrder {
    /// Negative, zero or positive as `a` sorts before, with or after `b`.
    public static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
        let common = min(a.count, b.count)
        if common > 0, let left = a.baseAddress, let right = b.baseAddress {
            let order = memcmp(left, right, common)
            if order != 0 { return Int(order) }
        }
        return a.count - b.count
    }

    /// Whether `a` sorts before `b`.
    public static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBufferPointer { left in b.withUnsafeBufferPointer { right in compare(left, right) < 0 } }
    }
}

/// Skipping the ordinary bytes of a JSON string eight at a time: the string scanners of a capture (the list
/// page's split, the parser's checks and the canonical walk) otherwise look at every byte of 20 MB one by one.
enum StringRun {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether some byte of `word` is zero (exact: `(v - 1…) & ~v & 0x80…` is non-zero iff one is).
    @inline(__always)
    private static func hasZero(_ word: UInt64) -> Bool {
        (word &- ones) & ~word & highs != 0
    }

    /// Whether some byte of `word` is below `limit` (at most 128).
    @inline(__always)
    private static func hasLess(_ word: UInt64, _ limit: UInt8) -> Bool {
        (word &- ones &* UInt64(limit)) & ~word & highs != 0
    }

    /// The first position at or after `start` (before `end`) of a byte a JSON string does not hold as it is: a
    /// quote, a backslash or a control character; `end` when there is none. With `asciiOnly`, also the first
    /// byte of 0x7F or more. Words with none of them are passed over whole; the rest byte by byte.
    @inline(__always)
    static func end(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, asciiOnly: Bool) -> Int {
        var index = start
        let count = bytes.count
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while index + 8 <= count {
                let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if hasZero(word ^ (ones &* 0x22)) || hasZero(word ^ (ones &* 0x5C)) || hasLess(word, 0x20) { break }
                if asciiOnly, word & highs != 0 || hasZero(word ^ (ones &* 0x7F)) { break }
                index += 8
            }
        }
        while index < count {
            let byte = bytes[index]
            if byte == 0x22 || byte == 0x5C || byte < 0x20 || (asciiOnly && byte >= 0x7F) { return index }
            index += 1
        }
        return count
    }
}

/// A set of bytes as 256 bits: a membership test is a shift and a mask (ASCII: chosen between two words
/// without a branch), with no table to load through a lazily made global. The scanners test every byte of
/// every string against one.
struct ByteSet: Sendable {
    private var low: UInt64 = 0, high: UInt64 = 0, upperLow: UInt64 = 0, upperHigh: UInt64 = 0

    init(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { insert(byte) }
    }

    mutating func insert(_ byte: UInt8) {
        let bit = UInt64(1) << (byte & 63)
        switch byte >> 6 {
        case 0: low |= bit
        case 1: high |= bit
        case 2: upperLow |= bit
        default: upperHigh |= bit
        }
    }

    @inline(__always)
    func contains(_ byte: UInt8) -> Bool {
        if byte < 128 { return ((byte < 64 ? low : high) >> (byte & 63)) & 1 != 0 }
        return ((byte < 192 ? upperLow : upperHigh) >> (byte & 63)) & 1 != 0
    }
}
