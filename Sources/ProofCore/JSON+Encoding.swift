import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension JSON {
    /// Canonical UTF-8 JSON: object keys sorted by their UTF-8 bytes, no insignificant whitespace, strings
    /// escaped minimally (`\"`, `\\`, `\b \f \n \r \t`, other control characters as `\u00xx`), integers in
    /// decimal, doubles in Swift's shortest round-tripping form (an integral double is written as an integer).
    /// Equal values always give equal bytes, which is what makes digests content addresses.
    public var canonicalData: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        writeCanonical(into: &out)
        return out
    }

    /// Canonical JSON as a string (see `canonicalData`).
    public var canonicalString: String { String(decoding: canonicalData, as: UTF8.self) }

    /// Lowercase hex SHA-256 of `canonicalData`.
    public var digest: String { Digest.sha256Hex(canonicalData) }

    /// Appends the canonical encoding to `out`.
    public func writeCanonical(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value): out.append(contentsOf: String(value).utf8)
        case .double(let value): out.append(contentsOf: Self.formatDouble(value).utf8)
        case .string(let value): Self.writeString(value, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (position, item) in items.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                item.writeCanonical(into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            // Sorted as (key, value) pairs: no second hash lookup per key, and keys compared with memcmp.
            let sorted = members.sorted { Self.utf8Precedes($0.key, $1.key) }
            for (position, member) in sorted.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                member.value.writeCanonical(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Whether `a` sorts before `b` by their UTF-8 bytes (the canonical key order), comparing contiguous
    /// storage with `memcmp` when both strings have it (every string the parser makes does).
    static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        let fast = a.utf8.withContiguousStorageIfAvailable { left in
            b.utf8.withContiguousStorageIfAvailable { right -> Bool in
                let common = min(left.count, right.count)
                if common > 0 {
                    let order = memcmp(left.baseAddress!, right.baseAddress!, common)
                    if order != 0 { return order < 0 }
                }
                return left.count < right.count
            }
        }
        if let fast, let result = fast { return result }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// Indented JSON for people (two spaces, sorted keys).
    public func prettyString(indent: Int = 0) -> String {
        var out: [UInt8] = []
        writePretty(into: &out, level: indent)
        return String(decoding: out, as: UTF8.self)
    }

    private func writePretty(into out: inout [UInt8], level: Int) {
        let pad = { (n: Int) in [UInt8](repeating: 0x20, count: n * 2) }
        switch self {
        case .array(let items) where !items.isEmpty:
            out.append(contentsOf: "[\n".utf8)
            for (position, item) in items.enumerated() {
                out.append(contentsOf: pad(level + 1))
                item.writePretty(into: &out, level: level + 1)
                out.append(contentsOf: (position + 1 < items.count ? ",\n" : "\n").utf8)
            }
            out.append(contentsOf: pad(level))
            out.append(UInt8(ascii: "]"))
        case .object(let members) where !members.isEmpty:
            out.append(contentsOf: "{\n".utf8)
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (position, key) in keys.enumerated() {
                out.append(contentsOf: pad(level + 1))
                Self.writeString(key, into: &out)
                out.append(contentsOf: ": ".utf8)
                members[key]!.writePretty(into: &out, level: level + 1)
                out.append(contentsOf: (position + 1 < keys.count ? ",\n" : "\n").utf8)
            }
            out.append(contentsOf: pad(level))
            out.append(UInt8(ascii: "}"))
        default:
            writeCanonical(into: &out)
        }
    }

    static func formatDouble(_ value: Double) -> String {
        guard value.isFinite else { return "null" }  // JSON has no NaN or infinity
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return value.description
    }

    /// Appends `value` as a JSON string (quoted, escaped as canonical JSON escapes it).
    public static func writeString(_ value: String, into out: inout [UInt8]) {
        // Most strings need no escape: copy their bytes in one go.
        let copied = value.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard writesAsItIs(bytes) else { return false }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: bytes)
            out.append(UInt8(ascii: "\""))
            return true
        }
        if copied == true { return }
        writeEscapedString(value, into: &out)
    }

    /// Whether canonical JSON writes a string of these UTF-8 bytes as they are, between quotes: no control
    /// character, quote or backslash to escape.
    static func writesAsItIs(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        !bytes.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }
    }

    /// ``writeString(_:into:)`` one byte at a time, escaping as it goes.
    static func writeEscapedString(_ value: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// SHA-256 helpers shared by the store, the reports and the redaction code.
public enum Digest {
    /// SHA-256 over bytes given a piece at a time (a long text hashed as it is written, never held whole).
    public struct Stream {
        private var hasher = SHA256()

        public init() {}

        /// Adds `bytes` to what is hashed.
        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            hasher.update(bufferPointer: bytes)
        }

        /// The lowercase hex digest of everything added.
        public func hex() -> String {
            hasher.finalize().withUnsafeBytes { Digest.hex($0) }
        }
    }

    /// Lowercase hex SHA-256 of `bytes`.
    public static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        SHA256.hash(data: Array(bytes)).withUnsafeBytes { hex($0) }
    }

    /// Lowercase hex SHA-256 of bytes in memory, hashed where they lie.
    public static func sha256Hex(_ bytes: UnsafeRawBufferPointer) -> String {
        SHA256.hash(data: bytes).withUnsafeBytes { hex($0) }
    }

    /// Lowercase hex SHA-256 of a string's UTF-8 bytes.
    public static func sha256Hex(_ text: String) -> String { sha256Hex(Array(text.utf8)) }

    /// Lowercase hex of bytes.
    public static func hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { hex($0) }
    }

    /// Lowercase hex of bytes, written straight into the string's storage (a digest per captured object).
    static func hex(_ bytes: UnsafeRawBufferPointer) -> String {
        let digits: StaticString = "0123456789abcdef"
        return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (index, byte) in bytes.enumerated() {
                out[2 * index] = digits.utf8Start[Int(byte >> 4)]
                out[2 * index + 1] = digits.utf8Start[Int(byte & 0xF)]
            }
            return bytes.count * 2
        }
    }
}
