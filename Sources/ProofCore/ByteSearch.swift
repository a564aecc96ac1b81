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
