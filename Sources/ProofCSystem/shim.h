#ifndef PROOF_CSYSTEM_SHIM_H
#define PROOF_CSYSTEM_SHIM_H
// Linux calls that Swift's Glibc module does not import (they are declared only under _GNU_SOURCE, which the
// module is built without). Declared here as glibc exports them; nothing to link beyond libc.

/// glibc's sync_file_range(2) (fcntl.h with _GNU_SOURCE); flags as SYNC_FILE_RANGE_* there.
extern int sync_file_range(int fd, long long offset, long long nbytes, unsigned int flags);

/// Asks the kernel to start writing every dirty page of `fd`'s file to disk, without waiting for it
/// (SYNC_FILE_RANGE_WRITE, 2): a later fsync then waits only for what was written since. 0, or -1 with errno.
static inline int proof_start_writeback(int fd) { return sync_file_range(fd, 0, 0, 2); }
#endif
