#ifndef PROOF_CZLIB_SHIM_H
#define PROOF_CZLIB_SHIM_H
// zlib's one-shot calls, typed for Swift (zlib's own macros such as deflateInit do not import).
#include <zlib.h>

/// Compresses src into dst (capacity *dstLen, updated to the bytes written) as one zlib stream (RFC 1950),
/// with a window and hash table sized to the input: the default ones (32 KB window, 64 KB hash table, both
/// set up and cleared per call) cost more than compressing a 2 KB object does. The
/// stream is an ordinary zlib stream (its header records the window size) that any inflate reads. Returns
/// Z_BUF_ERROR when dst is too small.
static inline int proof_zlib_compress_fitted(unsigned char *dst, unsigned long *dstLen, const unsigned char *src, unsigned long srcLen, int level) {
    int windowBits = 9;
    while (windowBits < 15 && (1UL << windowBits) < srcLen + 262) windowBits++;
    int memLevel = windowBits - 7;
    if (memLevel < 1) memLevel = 1;
    if (memLevel > 8) memLevel = 8;
    z_stream stream;
    stream.zalloc = Z_NULL;
    stream.zfree = Z_NULL;
    stream.opaque = Z_NULL;
    int status = deflateInit2(&stream, level, Z_DEFLATED, windowBits, memLevel, Z_DEFAULT_STRATEGY);
    if (status != Z_OK) return status;
    stream.next_in = (Bytef *)src;
    stream.avail_in = (uInt)srcLen;
    stream.next_out = dst;
    stream.avail_out = (uInt)*dstLen;
    status = deflate(&stream, Z_FINISH);
    *dstLen = stream.total_out;
    deflateEnd(&stream);
    if (status == Z_STREAM_END) return Z_OK;
    return status == Z_OK ? Z_BUF_ERROR : status;
}

/// The capacity dst needs to compress srcLen bytes.
static inline unsigned long proof_zlib_bound(unsigned long srcLen) {
    return compressBound(srcLen);
}

/// Decompresses one zlib stream into dst (capacity *dstLen, updated to the bytes written); Z_BUF_ERROR when
/// dst is too small.
static inline int proof_zlib_uncompress(unsigned char *dst, unsigned long *dstLen, const unsigned char *src, unsigned long srcLen) {
    uLongf length = *dstLen;
    int status = uncompress(dst, &length, src, srcLen);
    *dstLen = length;
    return status;
}
#endif
