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
