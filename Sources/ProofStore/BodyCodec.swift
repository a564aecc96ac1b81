import Foundation
import GRDB
import ProofCore
import ProofCCodecs
import Synchronization

/// How an object body is kept in `objects.body` (and a membership page in `membership_pages.body`):
///
/// - `TEXT`: the canonical JSON itself (every body of a schema-1 store, and small bodies since);
/// - `BLOB`: the canonical JSON compressed, for bodies of ``compressionThreshold`` bytes or more. The blob says
///   which codec made it by its first bytes:
///   - an **LZ4 frame** (magic `04 22 4D 18`, lz4's frame format, with the content size in its header): every
///     blob written since schema 5 (``encode(_:)``). LZ4 compresses a capture's bodies about six times faster
///     than deflate at its fastest level, for blobs about 40 % larger (docs/capture.md);
///   - a **zlib stream** (RFC 1950): blobs written by schemas 3 and 4 (by zlib, then libdeflate). They are read
///     as they are and never rewritten.
///
/// The digest is always the SHA-256 of the canonical JSON, never of the stored bytes, so compression does not
/// change a digest, a chain or a seal, and old stores keep reading. Every connection the harness opens has
/// the SQL function `proof_body(body)`, which gives the canonical JSON of any form
/// (`SELECT json_extract(proof_body(body), '$.spec') FROM objects`); outside the harness, `lz4 -d` (or any LZ4
/// frame reader) and any zlib read the blobs (docs/evidence-schema.md).
enum BodyCodec {
    /// Bodies shorter than this stay text: a compressed stream of a few hundred bytes saves little.
    static let compressionThreshold = 512

    /// The first four bytes of every LZ4 frame (0x184D2204, little-endian). A zlib stream cannot start with
    /// them: its first byte names the deflate method (low nibble 8), and 0x04 does not.
    static let lz4Magic: [UInt8] = [0x04, 0x22, 0x4D, 0x18]

    /// The value to store for canonical JSON `body`.
    static func encode(_ body: [UInt8]) -> DatabaseValue {
        body.withUnsafeBufferPointer(encode)
    }

    /// The value to store for canonical JSON `body` (memory the caller owns; nothing of it is kept).
    static func encode(_ body: UnsafeBufferPointer<UInt8>) -> DatabaseValue {
        guard body.count >= compressionThreshold else { return String(decoding: body, as: UTF8.self).databaseValue }
        // Compressed into memory of its own that the stored value then owns: no zeroing of the bound, no copy.
        let compressed = compressors.withCompressor { context -> Data? in
            var preferences = framePreferences(size: body.count)
            let capacity = LZ4F_compressFrameBound(body.count, &preferences)
            guard let destination = malloc(capacity) else { return nil }
            guard let written = frame(body, into: destination, capacity: capacity, context: context, preferences: &preferences) else {
                free(destination)
                return nil
            }
            // Shrunk to what was written (in place: the rest of the bound goes back to malloc, nothing is copied).
            let kept = realloc(destination, written) ?? destination
            return Data(bytesNoCopy: kept, count: written, deallocator: .free)
        }
        guard let compressed else { return String(decoding: body, as: UTF8.self).databaseValue }
        return compressed.databaseValue
    }

    /// Compresses `body` as one LZ4 frame into `capacity` bytes at `destination`; the frame's length, or `nil` when
    /// LZ4 reports an error.
    private static func frame(
        _ body: UnsafeBufferPointer<UInt8>, into destination: UnsafeMutableRawPointer, capacity: Int, context: OpaquePointer?,
        preferences: inout LZ4F_preferences_t
    ) -> Int? {
        var used = LZ4F_compressBegin(context, destination, capacity, &preferences)
        guard LZ4F_isError(used) == 0 else { return nil }
        let block = LZ4F_compressUpdate(context, destination + used, capacity - used, body.baseAddress, body.count, nil)
        guard LZ4F_isError(block) == 0 else { return nil }
        used += block
        let end = LZ4F_compressEnd(context, destination + used, capacity - used, nil)
        guard LZ4F_isError(end) == 0 else { return nil }
        return used + end
    }

    /// One frame of independent blocks of up to 4 MB (so a body is one block), its content size recorded, no
    /// checksums (the SHA-256 of the content is the check), flushed as it is written (no staging buffer).
    static func framePreferences(size: Int) -> LZ4F_preferences_t {
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockSizeID = LZ4F_max4MB
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        preferences.frameInfo.contentSize = UInt64(size)
        preferences.autoFlush = 1
        return preferences
    }

    /// The compression contexts ``encode(_:)`` borrows.
    static let compressors = LZ4Compressors()

    /// The canonical JSON a stored value holds; `size`, when known, is its length.
    static func decode(_ value: DatabaseValue, size: Int? = nil) throws(BodyCodecError) -> [UInt8] {
        switch value.storage {
        case .string(let text):
            return Array(text.utf8)
        case .blob(let data):
            let bytes = Array(data)
            if bytes.starts(with: lz4Magic) { return try decompressFrame(bytes, size: size) }
            return try inflate(bytes, size: size)
        default:
            throw BodyCodecError(message: "an object body is neither text nor a compressed blob")
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

    /// Decompresses one LZ4 frame holding exactly `size` bytes when given, else the size its header records.
    static func decompressFrame(_ frame: [UInt8], size: Int?) throws(BodyCodecError) -> [UInt8] {
        var context: OpaquePointer?
        guard LZ4F_isError(LZ4F_createDecompressionContext(&context, proof_lz4f_version())) == 0, let context else {
            throw BodyCodecError(message: "cannot allocate an LZ4 decompression context")
        }
        defer { LZ4F_freeDecompressionContext(context) }
        let result = frame.withUnsafeBytes { src -> Result<[UInt8], BodyCodecError> in
            var info = LZ4F_frameInfo_t()
            var consumed = src.count
            let hint = LZ4F_getFrameInfo(context, &info, src.baseAddress, &consumed)
            guard LZ4F_isError(hint) == 0 else {
                return .failure(BodyCodecError(message: "an object body is not a valid LZ4 frame (\(String(cString: LZ4F_getErrorName(hint))))"))
            }
            let expected = size ?? Int(clamping: info.contentSize)
            // LZ4 expands at most about 255 times: a larger size (an edited column or header) is refused before
            // anything that large is allocated.
            guard expected <= frame.count * 256 + 64 else {
                return .failure(BodyCodecError(message: "an object body's LZ4 frame of \(frame.count) bytes cannot hold the \(expected) bytes recorded"))
            }
            guard expected > 0, info.contentSize == 0 || info.contentSize == UInt64(expected) else {
                return .failure(BodyCodecError(message: "an object body's LZ4 frame records \(info.contentSize) bytes where \(expected) were stored"))
            }
            var out = [UInt8](repeating: 0, count: expected)
            var produced = 0
            var offset = consumed
            var remaining = 1
            let failure = out.withUnsafeMutableBytes { dst -> BodyCodecError? in
                while remaining != 0 {
                    var written = dst.count - produced
                    var read = src.count - offset
                    guard read > 0 else { return BodyCodecError(message: "an object body's LZ4 frame is cut short") }
                    remaining = LZ4F_decompress(context, dst.baseAddress! + produced, &written, src.baseAddress! + offset, &read, nil)
                    guard LZ4F_isError(remaining) == 0 else {
                        return BodyCodecError(message: "an object body is not a valid LZ4 frame (\(String(cString: LZ4F_getErrorName(remaining))))")
                    }
                    produced += written
                    offset += read
                    if written == 0 && read == 0 { return BodyCodecError(message: "an object body's LZ4 frame does not fit \(expected) bytes") }
                }
                return nil
            }
            if let failure { return .failure(failure) }
            guard produced == expected, offset == src.count else {
                return .failure(BodyCodecError(message: "an object body's LZ4 frame holds \(produced) bytes and \(src.count - offset) trailing bytes where \(expected) were stored"))
            }
            return .success(out)
        }
        return try result.get()
    }

    /// Inflates one zlib stream (a blob written by schema 3 or 4), growing the buffer until it fits.
    static func inflate(_ compressed: [UInt8], size: Int?) throws(BodyCodecError) -> [UInt8] {
        // Deflate expands at most 1,032 times: a larger recorded size (an edited column) is refused before
        // anything that large is allocated.
        if let size, size > compressed.count * 1_032 + 64 {
            throw BodyCodecError(message: "an object body's zlib stream of \(compressed.count) bytes cannot hold the \(size) bytes recorded")
        }
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

/// LZ4 compression contexts, lent to one caller at a time: a context is not thread-safe, and making one per
/// body would cost more than compressing it. The store's workers each borrow one per body.
///
/// Concurrency: a `Mutex` guards only the list of idle contexts (a pop or a push under it; compression,
/// allocation and freeing happen outside). At most `keep` idle ones are kept; one more is freed on return.
final class LZ4Compressors: Sendable {
    /// An `LZ4F_cctx`; only ever used by the caller that borrowed it.
    private struct Context: @unchecked Sendable {
        var pointer: OpaquePointer
    }

    private let keep: Int
    private let idle = Mutex<[Context]>([])

    init(keep: Int = 8) {
        self.keep = keep
    }

    /// How many contexts are idle now (at most `keep`).
    var idleCount: Int { idle.withLock { $0.count } }

    /// Runs `body` with a context of its own (`nil` only when lz4 cannot allocate one).
    func withCompressor<T>(_ body: (OpaquePointer) -> T?) -> T? {
        let borrowed = idle.withLock { $0.popLast() } ?? Self.make()
        guard let borrowed else { return nil }
        let result = body(borrowed.pointer)
        let surplus = idle.withLock { idle -> Context? in
            guard idle.count < keep else { return borrowed }
            idle.append(borrowed)
            return nil
        }
        if let surplus { LZ4F_freeCompressionContext(surplus.pointer) }
        return result
    }

    private static func make() -> Context? {
        var pointer: OpaquePointer?
        guard LZ4F_isError(LZ4F_createCompressionContext(&pointer, proof_lz4f_version())) == 0, let pointer else { return nil }
        return Context(pointer: pointer)
    }

    deinit {
        for context in idle.withLock({ $0 }) { LZ4F_freeCompressionContext(context.pointer) }
    }
}

/// A stored body that cannot be decoded (the file was edited or damaged).
struct BodyCodecError: Error {
    /// What is wrong.
    var message: String
}
