#ifndef PROOF_CZLIB_SHIM_H
#define PROOF_CZLIB_SHIM_H
// zlib's one-shot calls, typed for Swift (zlib's own macros such as deflateInit do not import), and libdeflate,
// which writes the same zlib streams (RFC 1950) several times faster than zlib for small inputs; its functions
// import as they are.
#include <zlib.h>
#include <libdeflate.h>

/// Decompresses one zlib stream into dst (capacity *dstLen, updated to the bytes written); Z_BUF_ERROR when
/// dst is too small.
static inline int proof_zlib_uncompress(unsigned char *dst, unsigned long *dstLen, const unsigned char *src, unsigned long srcLen) {
    uLongf length = *dstLen;
    int status = uncompress(dst, &length, src, srcLen);
    *dstLen = length;
    return status;
}
#endif
