#ifndef PROOF_CCODECS_SHIM_H
#define PROOF_CCODECS_SHIM_H
// The body codecs of the evidence store: LZ4 frames (RFC-less but specified: lz4's doc/lz4_Frame_format.md),
// which new bodies are written as, and zlib streams (RFC 1950), which stores written before schema 5 hold.
// zlib's one-shot call is typed for Swift below; lz4frame's functions import as they are.
#include <zlib.h>
#include <lz4frame.h>

/// Decompresses one zlib stream into dst (capacity *dstLen, updated to the bytes written); Z_BUF_ERROR when
/// dst is too small.
static inline int proof_zlib_uncompress(unsigned char *dst, unsigned long *dstLen, const unsigned char *src, unsigned long srcLen) {
    uLongf length = *dstLen;
    int status = uncompress(dst, &length, src, srcLen);
    *dstLen = length;
    return status;
}

/// LZ4F_VERSION, which Swift does not import (a macro).
static inline unsigned proof_lz4f_version(void) { return LZ4F_VERSION; }
#endif
