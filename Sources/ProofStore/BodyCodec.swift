import Foundation
import GRDB
import ProofCore
import ProofCZlib
import Synchronization

/// How an object body is kept in `objects.body`, recorded by the value's SQLite storage class:
///
/// - `TEXT`: the canonical JSON itself (every body of a schema-1 store, and small bodies since);
/// - `BLOB`: one zlib stream (RFC 1950) of the canonical JSON, for bodies of ``compressionThreshold`` bytes or
///   more. libdeflate writes them (``encode(_:)``; several times faster than zlib's own deflate on 2 KB
///   objects, and no larger); stores written before hold zlib's own streams, and zlib inflates both alike.
///
/// The digest is always the SHA-256 of the canonical JSON, never of the stored bytes, so compression does not
/// change a digest, a chain or a seal, and old stores keep reading. Every connection the harness opens has
/// the SQL function `proof_body(body)`, which gives the canonical JSON of either form
/// (`SELECT json_extract(proof_body(body), '$.spec') FROM objects`); outside the harness a BLOB is inflated
/// with any zlib (`python3 -c 'import zlib, sys; …'`).
enum BodyCodec {
    /// Bodies shorter than this stay text: a zlib stream of a few hundred bytes saves little.
    static let compressionThreshold = 512
    /// libdeflate's level: 1 is the fastest; higher levels cost more CPU than a capture can spare for a few
    /// percent of store size.
    static let level: Int32 = 1

    /// The value to store for canonical JSON `body`.
    static func encode(_ body: [UInt8]) -> DatabaseValue {
        guard body.count >= compressionThreshold else { return String(decoding: body, as: UTF8.self).databaseValue }
        let compressed = compressors.withCompressor { compressor -> [UInt8]? in
            let capacity = libdeflate_zlib_compress_bound(compressor, body.count)
            var out = [UInt8](repeating: 0, count: capacity)
            let written = out.withUnsafeMutableBufferPointer { dst in
                body.withUnsafeBufferPointer { src in
                    libdeflate_zlib_compress(compressor, src.baseAddress, src.count, dst.baseAddress, dst.count)
                }
            }
            guard written > 0 else { return nil }
            out.removeSubrange(written...)
            return out
        }
        guard let compressed else { return String(decoding: body, as: UTF8.self).databaseValue }
        return Data(compressed).databaseValue
    }

    /// The compressors ``encode(_:)`` borrows.
    static let compressors = DeflateCompressors(level: level)

    /// The canonical JSON a stored value holds; `size`, when known, is its length.
    static func decode(_ value: DatabaseValue, size: Int? = nil) throws(BodyCodecError) -> [UInt8] {
        switch value.storage {
        case .string(let text):
            return Array(text.utf8)
        case .blob(let data):
            return try inflate(Array(data), size: size)
        default:
            throw BodyCodecError(message: "an object body is neither text nor a zlib blob")
        }
    }

    /// What a stored value checked against its content address holds.
    enum Checked {
        /// The canonical bytes, which hash to the address.
        case bytes([UInt8])
        /// The value does not decode (why).
        case undecodable(String)
        /// The bytes hash to another digest (this one).
        case mismatch(String)
    }

    /// The canonical bytes of a stored body or page, checked against `digest` (the SHA-256 it is stored
    /// under): what the integrity check and every reader of pages use, each with its own wording.
    static func checked(_ value: DatabaseValue, size: Int?, digest: String) -> Checked {
        let bytes: [UInt8]
        do throws(BodyCodecError) {
            bytes = try decode(value, size: size)
        } catch {
            return .undecodable(error.message)
        }
        let actual = Digest.sha256Hex(bytes)
        return actual == digest ? .bytes(bytes) : .mismatch(actual)
    }

    /// Inflates one zlib stream, growing the buffer until it fits.
    static func inflate(_ compressed: [UInt8], size: Int?) throws(BodyCodecError) -> [UInt8] {
        var capacity = max(size ?? compressed.count * 8, 64)
        for _ in 0..<8 {
            var length = UInt(capacity)
            var out = [UInt8](repeating: 0, count: capacity)
            let status = out.withUnsafeMutableBufferPointer { dst in
                compressed.withUnsafeBufferPointer { src in proof_zlib_uncompress(dst.baseAddress, &length, src.baseAddress, UInt(src.count)) }
            }
            switch status {
            case Z_OK:
                out.removeSubrange(Int(length)...)
                return out
            case Z_BUF_ERROR where length == UInt(capacity):
                capacity *= 4
            default:
                throw BodyCodecError(message: "an object body is not a valid zlib stream (zlib status \(status))")
            }
        }
        throw BodyCodecError(message: "an object body inflates to more than \(capacity) bytes")
    }

    /// `proof_body(body)`: the canonical JSON of a stored body, as text.
    static let sqlFunction = DatabaseFunction("proof_body", argumentCount: 1, pure: true) { values in
        if values[0].isNull { return nil }
        do throws(BodyCodecError) {
            return String(decoding: try decode(values[0]), as: UTF8.self)
        } catch {
            throw DatabaseError(message: error.message)
        }
    }
}

/// libdeflate compressors at one level, lent to one caller at a time: a compressor is not thread-safe, and
/// allocating one per body would cost more than compressing it. The store's workers each borrow one per body.
///
/// Concurrency: a `Mutex` guards only the list of idle compressors (a pop or a push under it; compression,
/// allocation and freeing happen outside). At most `keep` idle ones are kept; one more is freed on return.
final class DeflateCompressors: Sendable {
    /// A libdeflate compressor; only ever used by the caller that borrowed it.
    private struct Compressor: @unchecked Sendable {
        var pointer: OpaquePointer
    }

    private let level: Int32
    private let keep: Int
    private let idle = Mutex<[Compressor]>([])

    init(level: Int32, keep: Int = 8) {
        self.level = level
        self.keep = keep
    }

    /// How many compressors are idle now (at most `keep`).
    var idleCount: Int { idle.withLock { $0.count } }

    /// Runs `body` with a compressor of its own (`nil` only when libdeflate cannot allocate one).
    func withCompressor<T>(_ body: (OpaquePointer) -> T?) -> T? {
        let borrowed = idle.withLock { $0.popLast() } ?? libdeflate_alloc_compressor(level).map(Compressor.init)
        guard let borrowed else { return nil }
        let result = body(borrowed.pointer)
        let surplus = idle.withLock { idle -> Compressor? in
            guard idle.count < keep else { return borrowed }
            idle.append(borrowed)
            return nil
        }
        if let surplus { libdeflate_free_compressor(surplus.pointer) }
        return result
    }

    deinit {
        for compressor in idle.withLock({ $0 }) { libdeflate_free_compressor(compressor.pointer) }
    }
}

/// A stored body that cannot be decoded (the file was edited or damaged).
struct BodyCodecError: Error {
    /// What is wrong.
    var message: String
}
