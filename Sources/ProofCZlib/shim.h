#ifndef PROOF_CZLIB_SHIM_H
#define PROOF_CZLIB_SHIM_H
// zlib's one-shot calls, typed for Swift (zlib's own macros such as deflateInit do not import).
#include <zlib.h>

/// Compresses src into dst (capacity *dstLen, updated to the bytes written) as one zlib stream (RFC 1950).
static inline int proof_zlib_compress(unsigned char *dst, unsigned long *dstLen, const unsigned char *src, unsigned long srcLen, int level) {
    uLongf length = *dstLen;
    int status = compress2(dst, &length, src, srcLen, level);
    *dstLen = length;
    return status;
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
